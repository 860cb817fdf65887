// `microgpt info`: what a checkpoint folder holds, read from its config and file sizes without loading weights.
import { describeCheckpoint, resolveCheckpoint } from '@microgpt/model/node';
import type { Command } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';
import { checkpointStats, statsRecord, statsTable } from '../weight-stats';

const size = (bytes: number): string => (bytes >= 1 << 20 ? `${(bytes / (1 << 20)).toFixed(2)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} B`);

/** `int8 per channel, embeddings quantized, float activations` from a quantization section. */
function describeQuantization(section: unknown): string {
  const q = section as { scheme?: string; perTensor?: boolean; embeddings?: boolean; activations?: string };
  const grouping = q.scheme?.startsWith('int8') ? (q.perTensor ? ' per tensor' : ' per channel') : q.scheme?.startsWith('int4') ? ' in groups' : '';
  return `${q.scheme ?? '?'}${grouping}, embeddings ${q.embeddings ? 'quantized' : 'float32'}, ${q.activations ?? 'float'} activations`;
}

/** Adds `info` to `program`. */
export function registerInfo(program: Command): void {
  const command = program
    .command('info')
    .description('config, parameter count, dtypes, file sizes and training state of a checkpoint; with --stats, statistics of every weight')
    .requiredOption('--ckpt <dir>', 'checkpoint folder')
    .option('--stats', 'per parameter: shape, mean, std, min, max, fraction of zeros, L2 norm (reads the weights)')
    .option('--float <dir>', 'with --stats on a quantized checkpoint: the float checkpoint it came from, to show each parameter’s error');
  withOutputFlags(command, 'print one JSON object (with --stats, a "stats" field by parameter)');
  command.addHelpText('after', examples('microgpt info --ckpt runs/names', 'microgpt info --ckpt runs/names --stats --json', 'microgpt info --ckpt runs/names-int8 --stats --float runs/names'));
  command.action(async (flags: { ckpt: string; stats?: boolean; float?: string }) => {
    const out = outputOf(command);
    if (flags.float !== undefined && flags.stats !== true) throw usageError('--float applies to --stats, which is not given', 'add --stats');
    const info = await describeCheckpoint(flags.ckpt);
    if (flags.float !== undefined && info.quantization === null) throw usageError(`--float compares a quantized checkpoint with its float weights, and ${info.path} is not quantized`, 'give a checkpoint made by `microgpt quantize`');
    const stats = flags.stats === true ? await checkpointStats(info.path, info.quantization !== null, flags.float === undefined ? null : await resolveCheckpoint(flags.float)) : null;
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
        ...(stats === null ? [] : ['weights:', statsTable(stats)]),
        ...(stats !== null && info.quantization !== null && flags.float === undefined ? ['(the float weights are not stored in a quantized checkpoint: add --float DIR to see the quantization error)'] : []),
      ].join('\n'),
    );
    out.record({ ckpt: flags.ckpt, ...info, ...(stats === null ? {} : { stats: statsRecord(stats) }) });
  });
}
