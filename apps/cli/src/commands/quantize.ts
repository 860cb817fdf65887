// `microgpt quantize`: a trained checkpoint's weights (or a Hugging Face GPT-2 folder's) in int8 / int4 (or fp16 /
// bf16), saved as a quantized checkpoint that `sample`, `eval` and `info` read like any other.
import { readdir, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { isHuggingFaceFolder, loadCheckpoint, loadHuggingFaceFolder, resolveCheckpoint } from '@microgpt/model/node';
import { SCHEMES, type Scheme, quantizeModel } from '@microgpt/quant';
import { saveQuantizedCheckpoint } from '@microgpt/quant/node';
import { type Command, Option } from 'commander';
import { startCompute } from '../compute';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { usageError } from '../errors';

interface QuantizeFlags {
  readonly ckpt: string;
  readonly scheme: Scheme;
  readonly out: string;
  readonly perTensor?: boolean;
  readonly embeddings: boolean;
  readonly activations: 'float' | 'int16';
}

/** Bytes of each file in `dir`. */
async function fileSizes(dir: string): Promise<Record<string, number>> {
  const sizes: Record<string, number> = {};
  for (const name of await readdir(dir)) sizes[name] = (await stat(join(dir, name))).size;
  return sizes;
}

const kib = (bytes: number): string => `${(bytes / 1024).toFixed(1)} KiB`;

/** Adds `quantize` to `program`. */
export function registerQuantize(program: Command): void {
  const command = program
    .command('quantize')
    .description('quantize a checkpoint’s weights (int8, int4, fp16, bf16) into a smaller checkpoint for sampling and evaluation')
    .requiredOption('--ckpt <dir>', 'checkpoint or run folder, or Hugging Face GPT-2 folder, to quantize')
    .addOption(new Option('--scheme <scheme>', 'int8 (per output channel), int8-asym, int4 (groups of 32, like ggml Q4_0), int4-asym (Q4_1), fp16, bf16').choices([...SCHEMES]).makeOptionMandatory())
    .requiredOption('--out <dir>', 'folder for the quantized checkpoint')
    .option('--per-tensor', 'int8: one scale per matrix instead of one per output channel')
    .option('--no-embeddings', 'keep the token and position embeddings in float32')
    .addOption(new Option('--activations <mode>', 'quantized matmuls: float32 activations, or activations rounded to int16 (integer dot products)').choices(['float', 'int16']).default('int16'));
  withOutputFlags(command, 'print {"scheme":…,"bytes_before":…,"bytes_after":…,"ratio":…,"max_abs_error":…,"mean_abs_error":…}');
  command.addHelpText('after', examples('microgpt quantize --ckpt runs/shakespeare-cpu --scheme int8 --out runs/shakespeare-int8', 'microgpt quantize --ckpt hf/shakespeare --scheme int8 --out runs/shakespeare-hf-int8', 'microgpt quantize --ckpt runs/shakespeare-cpu --scheme int4 --out runs/shakespeare-int4 --json', 'microgpt eval --ckpt runs/shakespeare-int4'));
  command.action(async (flags: QuantizeFlags) => {
    const out = outputOf(command);
    if (flags.perTensor && !flags.scheme.startsWith('int8')) throw usageError(`--per-tensor applies to int8 and int8-asym, not ${flags.scheme}`);
    const huggingFace = await isHuggingFaceFolder(flags.ckpt);
    const source = huggingFace ? flags.ckpt : await resolveCheckpoint(flags.ckpt);
    if (resolve(flags.out) === resolve(source) || resolve(flags.out) === resolve(flags.ckpt)) throw usageError('--out must differ from --ckpt (the float checkpoint is kept)', 'give --out a new folder for the quantized checkpoint');
    const backend = await startCompute('wasm', 1);
    const checkpoint = huggingFace ? await loadHuggingFaceFolder(source, { backend }) : await loadCheckpoint(source, { backend });
    const quantized = await quantizeModel(checkpoint.model, { scheme: flags.scheme, perTensor: flags.perTensor === true, embeddings: flags.embeddings, activations: flags.activations });
    await saveQuantizedCheckpoint(flags.out, {
      quantized,
      tokenizer: checkpoint.tokenizer,
      ...(checkpoint.trainerState ? { trainerState: checkpoint.trainerState } : {}),
      ...(checkpoint.metadata ? { metadata: checkpoint.metadata } : {}),
    });
    const before = (await fileSizes(source))['model.safetensors']!;
    const after = (await fileSizes(flags.out))['model.safetensors']!;
    const errors = Object.values(quantized.errors);
    const counts = Object.keys(quantized.errors).map((name) => checkpoint.model.params[name]!.value.size);
    const maxAbs = Math.max(0, ...errors.map((e) => e.maxAbs));
    const meanAbs = errors.reduce((sum, e, i) => sum + e.meanAbs * counts[i]!, 0) / Math.max(1, counts.reduce((a, b) => a + b, 0));
    out.result(
      [
        `${flags.scheme}${flags.perTensor ? ' per tensor' : ''}: ${Object.keys(quantized.errors).length} tensors quantized${flags.embeddings ? '' : ' (embeddings kept in float32)'}`,
        `model.safetensors ${kib(before)} → ${kib(after)} (${((100 * after) / before).toFixed(1)}%)`,
        `weight error: max ${maxAbs.toExponential(3)}, mean ${meanAbs.toExponential(3)}`,
        `saved to ${flags.out}; try: microgpt eval --ckpt ${flags.out}`,
      ].join('\n'),
    );
    out.record({ scheme: flags.scheme, per_tensor: flags.perTensor === true, out: flags.out, bytes_before: before, bytes_after: after, ratio: after / before, max_abs_error: maxAbs, mean_abs_error: meanAbs });
  });
}
