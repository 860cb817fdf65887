// model.safetensors of an HF GPT-2 folder: writing HF's tensors (metadata {"format": "pt"}, which transformers
// requires), and reading them from files written by transformers, nanoGPT-style code or OpenAI's conversion:
// F32, F64, F16 or BF16, names with or without `transformer.`, attention mask buffers ignored.
import type { GPTConfig } from '../config';
import { type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from '../checkpoint/safetensors';
import { fileError, inFile } from '../checkpoint/file-check';
import { expectFinite } from '../checkpoint/tensor-table';
import { formatShape, sameShape } from '@microgpt/tensor';
import { bfloat16Value, float16Value } from './half-floats';
import { type Float, gpt2Tensors } from './weight-names';

/** The model file's name. */
export const HF_MODEL_FILE = 'model.safetensors';

/**
 * model.safetensors bytes for HF tensors `values` (names and shapes of `gpt2Tensors(config)`).
 * @throws CheckpointError naming `file` for a NaN or an infinity (the run diverged: nothing can use it).
 */
export function encodeModelTensors(file: string, values: Readonly<Record<string, Float>>, config: GPTConfig): Uint8Array {
  const entries: Record<string, SafetensorsEntry> = {};
  for (const { name, shape } of gpt2Tensors(config)) {
    const data = values[name]!;
    expectFinite(file, name, data, 'not exported: the model diverged');
    entries[name] = { dtype: data instanceof Float64Array ? 'float64' : 'float32', shape, data };
  }
  return inFile(file, () => encodeSafetensors(entries, { format: 'pt' }));
}

/** Buffers that HF and OpenAI checkpoints may hold beside the weights (the causal mask); they are not weights. */
const BUFFER = /\.attn\.(bias|masked_bias)$/;

/** The tensor count of a GPT-2 with `config`, without making the list (a config may claim a billion layers). */
function tensorCount(config: GPTConfig): number {
  return 2 + 12 * config.nLayer + 2 + (config.tiedHead ? 0 : 1);
}

const CONVERTIBLE = new Set(['float16', 'bfloat16', 'float32', 'float64']);

/** A tensor's values (one of CONVERTIBLE) converted to `make`'s array type. */
function toFloat({ dtype, data }: { dtype: string; data: unknown }, make: (n: number) => Float): Float {
  const bits = data as Uint16Array;
  if (dtype === 'float16' || dtype === 'bfloat16') {
    const value = dtype === 'float16' ? float16Value : bfloat16Value;
    const out = make(bits.length);
    for (let i = 0; i < bits.length; i++) out[i] = value(bits[i]!);
    return out;
  }
  const out = make((data as Float).length);
  out.set(data as Float);
  return out;
}

/**
 * HF GPT-2's tensors for `config` from model.safetensors `bytes`, converted to `make`'s dtype (float16, bfloat16
 * and float32 to float32 or float64 exactly; float64 to float32 rounds). A tied head's `lm_head.weight`, if
 * saved, is ignored (GPT2LMHeadModel ties it to wte on load).
 * `checked` runs once names, shapes and dtypes are checked, before anything is converted (a memory check).
 * @returns HF name (with `transformer.`) → values.
 * @throws CheckpointError naming model.safetensors and the tensor: a malformed file, fewer or more tensors than
 * the config's, a shape or dtype that does not fit, a NaN or an infinity.
 */
export function decodeModelTensors(bytes: Uint8Array, config: GPTConfig, make: (n: number) => Float, checked: () => void = () => {}): Record<string, Float> {
  const file = HF_MODEL_FILE;
  const decoded = inFile(file, () => decodeSafetensors(bytes));
  const found = new Map<string, { dtype: string; shape: number[]; data: unknown }>();
  for (const [name, tensor] of decoded.tensors) {
    if (BUFFER.test(name)) continue;
    const full = name.startsWith('transformer.') || name === 'lm_head.weight' ? name : `transformer.${name}`;
    if (config.tiedHead && full === 'lm_head.weight') continue;
    found.set(full, tensor);
  }
  if (tensorCount(config) !== found.size) {
    fileError(file, `config.json (n_layer ${config.nLayer}${config.tiedHead ? ', tied head' : ', untied head'}) needs ${tensorCount(config)} tensors, the file holds ${found.size}`, { field: 'tensors' });
  }
  const expected = gpt2Tensors(config);
  for (const { name, shape } of expected) {
    const tensor = found.get(name);
    if (tensor === undefined) fileError(file, `missing; expected shape ${formatShape(shape)} from config.json`, { tensor: name });
    if (!sameShape(tensor.shape, shape)) fileError(file, `expected ${formatShape(shape)} from config.json, found ${formatShape(tensor.shape)}`, { tensor: name, field: 'shape' });
    if (!CONVERTIBLE.has(tensor.dtype)) fileError(file, `expected F32, F16, BF16 or F64 weights, found ${tensor.dtype}`, { tensor: name, field: 'dtype' });
  }
  checked();
  const out: Record<string, Float> = {};
  for (const { name } of expected) {
    const values = toFloat(found.get(name)!, make);
    expectFinite(file, name, values, 'the run that saved it diverged');
    out[name] = values;
  }
  return out;
}
