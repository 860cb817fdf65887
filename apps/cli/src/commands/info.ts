// `microgpt info`: what a checkpoint folder holds, read from its config and file sizes without loading weights.
import { describeCheckpoint, describeHuggingFaceFolder, isHuggingFaceFolder } from '@microgpt/model/node';
import type { Command } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import type { Output } from '../output';

const size = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);

/** `int8 per channel, embeddings quantized, float activations` from a quantization section. */
function describeQuantization(section: unknown): string {
  const q = section as { scheme?: string; perTensor?: boolean; embeddings?: boolean; activations?: string };
  const grouping = q.scheme?.startsWith('int8') ? (q.perTensor ? ' per tensor' : ' per channel') : q.scheme?.startsWith('int4') ? ' in groups' : '';
  return `${q.scheme ?? '?'}${grouping}, embeddings ${q.embeddings ? 'quantized' : 'float32'}, ${q.activations ?? 'float'} activations`;
}

/** `trained on: backend blas, 2 threads` from the fields the CLI saves in trainer_state.json (none when absent). */
function trainedOn(state: Readonly<Record<string, unknown>> | null): string[] {
  if (typeof state?.backend !== 'string') return [];
  const threads = typeof state.threads === 'number' ? `, ${state.threads} thread${state.threads > 1 ? 's' : ''}` : '';
  return [`trained on: backend ${state.backend}${threads}`];
}

/** The config as aligned `key  value` lines. */
function configLines(config: object): string[] {
  const width = Math.max(...Object.keys(config).map((k) => k.length));
  return Object.entries(config).map(([key, value]) => `  ${key.padEnd(width)}  ${String(value)}`);
}

function fileLines(files: Readonly<Record<string, number>>): string[] {
  return Object.entries(files).map(([name, bytes]) => `  ${name.padEnd(22)} ${size(bytes).padStart(10)}`);
}

/** `info` of a Hugging Face GPT-2 folder: the microgpt config it imports to, from config.json alone. */
async function huggingFaceInfo(dir: string, out: Output): Promise<void> {
  const info = await describeHuggingFaceFolder(dir);
  out.result(
    [
      `Hugging Face GPT-2 folder ${dir} (sample, eval and import read it directly)`,
      `parameters ${info.parameters.toLocaleString('en-US')} (saved as ${info.torchDtype ?? 'an unrecorded dtype'}), bos id ${String(info.ids.bos)}, eos id ${String(info.ids.eos)}`,
      'config (as microgpt imports it):',
      ...configLines(info.config),
      'files:',
      ...fileLines(info.files),
    ].join('\n'),
  );
  out.record({ ckpt: dir, format: 'huggingface', ...info });
}

/** Adds `info` to `program`. */
export function registerInfo(program: Command): void {
  const command = program.command('info').description('config, parameter count, dtypes, file sizes and training state of a checkpoint').requiredOption('--ckpt <dir>', 'checkpoint folder (or a Hugging Face GPT-2 folder)');
  withOutputFlags(command, 'print one JSON object');
  command.addHelpText('after', examples('microgpt info --ckpt runs/names', 'microgpt info --ckpt runs/names --json'));
  command.action(async (flags: { ckpt: string }) => {
    const out = outputOf(command);
    if (await isHuggingFaceFolder(flags.ckpt)) {
      await huggingFaceInfo(flags.ckpt, out);
      return;
    }
    const info = await describeCheckpoint(flags.ckpt);
    const { config } = info;
    out.result(
      [
        info.path === flags.ckpt ? `checkpoint ${flags.ckpt}` : `checkpoint ${info.path} (the newest of run folder ${flags.ckpt}, which holds steps ${info.checkpoints.join(', ')})`,
        `parameters ${info.parameters.toLocaleString('en-US')} (${info.dtype})`,
        'config:',
        ...configLines(config),
        'files:',
        ...fileLines(info.files),
        ...(info.quantization === null ? [] : [`quantization: ${describeQuantization(info.quantization)}`]),
        ...trainedOn(info.trainerState),
        info.trainerState === null ? 'training state: none (weights only; cannot be resumed)' : `training state: ${Object.entries(info.trainerState).map(([k, v]) => `${k} ${String(v)}`).join(', ')}`,
      ].join('\n'),
    );
    out.record({ ckpt: flags.ckpt, ...info });
  });
}
