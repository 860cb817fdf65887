// `microgpt export --format F --ckpt DIR --out P`: a checkpoint in another program's format. Each format is one
// exporter in src/export/ with the flags it takes, chosen here by --format.
import { type Command, Option } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';
import type { ExportFlags, Exporter } from '../export/exporter';
import { exportHuggingFace } from '../export/huggingface';
import { exportProjector } from '../export/projector';

/** The exporters by --format, with the flags beyond --ckpt and --out that each takes. */
const EXPORTERS: Readonly<Record<string, { readonly run: Exporter; readonly flags: readonly (keyof ExportFlags)[] }>> = {
  huggingface: { run: exportHuggingFace, flags: ['tokens', 'data'] },
  projector: { run: exportProjector, flags: ['overwrite'] },
};

const FORMAT_FLAGS: readonly (keyof ExportFlags)[] = ['tokens', 'data', 'overwrite'];

/** Adds `export` to `program`. */
export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('write a checkpoint in another format: a Hugging Face GPT-2 folder (config.json, model.safetensors, tokenizer.json, …), or TensorBoard projector files of the token embeddings')
    .requiredOption('--ckpt <dir>', 'checkpoint or run folder (the newest checkpoint of a run)')
    .addOption(new Option('--format <format>', 'what to write').choices(Object.keys(EXPORTERS)).default('huggingface'))
    .requiredOption('--out <dir>', 'folder to write (huggingface: new, or one holding only a previous export)')
    .option('--tokens <file>', 'huggingface: also write the data as a token file (for python -m microgpt_torch.train --tokens): encoded as the run encoded it')
    .option('--data <src>', 'huggingface, with --tokens: a text file, `names` or `shakespeare` (default: what the checkpoint was trained on)')
    .option('--overwrite', 'projector: replace what --out holds');
  withOutputFlags(command, 'print one JSON object: {"out":…,"format":…,"source":…,"tokenizer":…,"config":{…}} for huggingface (and "tokens":{"path":…,"count":…} with --tokens), {"format":"projector","ckpt","out","files",…} for projector');
  command.addHelpText(
    'after',
    examples(
      'microgpt export --ckpt runs/shakespeare-cpu --format huggingface --out hf/shakespeare',
      'microgpt export --ckpt runs/shakespeare-cpu --out hf/shakespeare --tokens shakespeare.tok',
      'python -c "from transformers import GPT2LMHeadModel; GPT2LMHeadModel.from_pretrained(\'hf/shakespeare\')"',
      'torchrun --standalone --nproc_per_node 2 -m microgpt_torch.train --from hf/shakespeare …   # see python/README.md',
      'microgpt export --format projector --ckpt runs/names --out runs/names/projector',
    ),
  );
  command.action(async (flags: ExportFlags & { format: string }) => {
    const exporter = EXPORTERS[flags.format]!;
    const foreign = FORMAT_FLAGS.filter((name) => command.getOptionValueSource(name) === 'cli' && !exporter.flags.includes(name));
    if (foreign.length > 0) throw usageError(`--${foreign.join(', --')} ${foreign.length > 1 ? 'do' : 'does'} not apply to --format ${flags.format}`, `--format ${flags.format} takes ${exporter.flags.map((f) => `--${f}`).join(', ')}`);
    await exporter.run(flags, outputOf(command));
  });
}
