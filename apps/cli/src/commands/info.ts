// `microgpt info`: what a checkpoint folder holds, read from its config and file sizes without loading weights.
import { describeCheckpoint, describeHuggingFaceFolder, isHuggingFaceFolder, resolveCheckpoint } from '@microgpt/model/node';
import type { Command } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';
import type { Output } from '../output';
import { isTokenFile } from '../prepared-data';
import { type ParameterStats, checkpointStats, statsRecord, statsTable } from '../weight-stats';

interface InfoFlags {
  readonly ckpt: string;
  readonly stats?: boolean;
  readonly float?: string;
}
import { describeTokenFile } from './info-token-file';

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
async function huggingFaceInfo(dir: string, withStats: boolean, out: Output): Promise<void> {
  const info = await describeHuggingFaceFolder(dir);
  const stats = withStats ? await checkpointStats(dir, null) : null;
  out.result(
    [
      `Hugging Face GPT-2 folder ${dir} (sample, eval and import read it directly)`,
      `parameters ${info.parameters.toLocaleString('en-US')} (saved as ${info.torchDtype ?? 'an unrecorded dtype'}), bos id ${String(info.ids.bos)}, eos id ${String(info.ids.eos)}`,
      'config (as microgpt imports it):',
      ...configLines(info.config),
      'files:',
      ...fileLines(info.files),
      ...statsLines(stats),
    ].join('\n'),
  );
  out.record({ ckpt: dir, format: 'huggingface', ...info, ...statsField(stats) });
}

/** The `weights:` table of --stats, or nothing. */
function statsLines(stats: readonly ParameterStats[] | null): string[] {
  return stats === null ? [] : ['weights:', statsTable(stats)];
}

/** The `stats` field of --json with --stats, or nothing. */
function statsField(stats: readonly ParameterStats[] | null): { stats?: Record<string, object> } {
  return stats === null ? {} : { stats: statsRecord(stats) };
}

/** Adds `info` to `program`. */
export function registerInfo(program: Command): void {
  const command = program
    .command('info')
    .description('config, parameter count, dtypes, file sizes and training state of a checkpoint; with --stats, statistics of every weight')
    .requiredOption('--ckpt <dir>', 'checkpoint folder (or a Hugging Face GPT-2 folder, or a token file from `data prepare`: its header)')
    .option('--stats', 'per parameter: shape, mean, std, min, max, fraction of zeros, L2 norm (reads the weights)')
    .option('--float <dir>', 'with --stats on a quantized checkpoint: the float checkpoint it came from, to show each parameter’s error');
  withOutputFlags(command, 'print one JSON object (with --stats, a "stats" field by parameter)');
  command.addHelpText('after', examples('microgpt info --ckpt runs/names', 'microgpt info --ckpt runs/names --stats --json', 'microgpt info --ckpt runs/names-int8 --stats --float runs/names', 'microgpt info --ckpt data/shakespeare.bin'));
  command.action(async (flags: InfoFlags) => {
    const out = outputOf(command);
    if (flags.float !== undefined && flags.stats !== true) throw usageError('--float applies to --stats, which is not given', 'add --stats');
    if (await isTokenFile(flags.ckpt)) {
      if (flags.stats === true) throw usageError(`--stats describes weights, and ${flags.ckpt} is a token file`, 'drop --stats');
      describeTokenFile(flags.ckpt, out);
      return;
    }
    const hf = await isHuggingFaceFolder(flags.ckpt);
    const quantization = hf ? null : (await describeCheckpoint(flags.ckpt)).quantization;
    if (flags.float !== undefined && quantization === null) throw usageError(`--float compares a quantized checkpoint with its float weights, and ${flags.ckpt} is not quantized`, 'give a checkpoint made by `microgpt quantize`');
    if (hf) {
      await huggingFaceInfo(flags.ckpt, flags.stats === true, out);
      return;
    }
    const info = await describeCheckpoint(flags.ckpt);
    const stats = flags.stats === true ? await checkpointStats(info.path, flags.float === undefined ? null : await resolveCheckpoint(flags.float)) : null;
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
        ...statsLines(stats),
        ...(stats !== null && info.quantization !== null && flags.float === undefined ? ['(the float weights are not stored in a quantized checkpoint: add --float DIR to see the quantization error)'] : []),
      ].join('\n'),
    );
    out.record({ ckpt: flags.ckpt, ...info, ...statsField(stats) });
  });
}
