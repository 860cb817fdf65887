// `microgpt export --format F --ckpt DIR --out P`: a checkpoint in another program's format. Each format is one
// exporter in src/export/, chosen here by --format.
import { type Command, Option } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { type ExportFlags, type Exporter } from '../export/exporter';
import { exportProjector } from '../export/projector';

/** The exporters by --format. */
const EXPORTERS: Readonly<Record<string, Exporter>> = {
  projector: exportProjector,
};

/** Adds `export` to `program`. */
export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('write a checkpoint in another program’s format (projector: TensorBoard’s embedding projector)')
    .addOption(new Option('--format <name>', 'what to write').choices(Object.keys(EXPORTERS)).makeOptionMandatory())
    .requiredOption('--ckpt <dir>', 'checkpoint folder (or run folder: its newest checkpoint)')
    .requiredOption('--out <path>', 'folder to write')
    .option('--overwrite', 'replace what --out holds');
  withOutputFlags(command, 'print one JSON object: {"format","out","files",…}');
  command.addHelpText('after', examples('microgpt export --format projector --ckpt runs/names --out runs/names/projector', 'microgpt export --format projector --ckpt runs/shakespeare-cpu --out proj --overwrite --json'));
  command.action(async (flags: ExportFlags & { format: string }) => {
    await EXPORTERS[flags.format]!(flags, outputOf(command));
  });
}
