// `microgpt info`: what a checkpoint folder holds, read from its config and file sizes without loading weights.
import { describeCheckpoint } from '@microgpt/model/node';
import type { Command } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { isTokenFile } from '../prepared-data';
import { describeTokenFile } from './info-token-file';

const size = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);

/** `int8 per channel, embeddings quantized, float activations` from a quantization section. */
function describeQuantization(section: unknown): string {
  const q = section as { scheme?: string; perTensor?: boolean; embeddings?: boolean; activations?: string };
  const grouping = q.scheme?.startsWith('int8') ? (q.perTensor ? ' per tensor' : ' per channel') : q.scheme?.startsWith('int4') ? ' in groups' : '';
  return `${q.scheme ?? '?'}${grouping}, embeddings ${q.embeddings ? 'quantized' : 'float32'}, ${q.activations ?? 'float'} activations`;
}

/** Adds `info` to `program`. */
export function registerInfo(program: Command): void {
  const command = program.command('info').description('config, parameter count, dtypes, file sizes and training state of a checkpoint').requiredOption('--ckpt <dir>', 'checkpoint folder (or a token file from `data prepare`: its header)');
  withOutputFlags(command, 'print one JSON object');
  command.addHelpText('after', examples('microgpt info --ckpt runs/names', 'microgpt info --ckpt runs/names --json', 'microgpt info --ckpt data/shakespeare.bin'));
  command.action(async (flags: { ckpt: string }) => {
    const out = outputOf(command);
    if (await isTokenFile(flags.ckpt)) {
      describeTokenFile(flags.ckpt, out);
      return;
    }
    const info = await describeCheckpoint(flags.ckpt);
    const { config } = info;
    const width = Math.max(...Object.keys(config).map((k) => k.length));
    out.result(
      [
        info.path === flags.ckpt ? `checkpoint ${flags.ckpt}` : `checkpoint ${info.path} (the newest of run folder ${flags.ckpt}, which holds steps ${info.checkpoints.join(', ')})`,
        `parameters ${info.parameters.toLocaleString('en-US')} (${info.dtype})`,
        'config:',
        ...Object.entries(config).map(([key, value]) => `  ${key.padEnd(width)}  ${String(value)}`),
        'files:',
        ...Object.entries(info.files).map(([name, bytes]) => `  ${name.padEnd(22)} ${size(bytes).padStart(10)}`),
        ...(info.quantization === null ? [] : [`quantization: ${describeQuantization(info.quantization)}`]),
        info.trainerState === null ? 'training state: none (weights only; cannot be resumed)' : `training state: ${Object.entries(info.trainerState).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
      ].join('\n'),
    );
    out.record({ ckpt: flags.ckpt, ...info });
  });
}
