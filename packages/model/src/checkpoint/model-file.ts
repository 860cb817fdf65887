// model.safetensors of a checkpoint folder: every parameter under its own name (F32 or F64), and back: the
// file checked against the config, then one parameter block on a backend, as createGPT makes.
import { type Backend, type FloatDType, Tensor, bytesPerElement, resolveBackend } from '@microgpt/tensor';
import type { GPTConfig } from '../config';
import { type GPT, gptFromParameters, parameterTensors } from '../gpt/model';
import { estimateMemory } from '../gpt/memory-estimate';
import { checkMemory } from '../gpt/memory-limit';
import { parameterCounts, parameterSpecs, viewsInTableOrder } from '../gpt/params';
import { fileError, inFile } from './file-check';
import { type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from './safetensors';
import { type FloatArrays, expectFinite, expectTensors } from './tensor-table';

/** The file's name in a checkpoint folder. */
export const MODEL_FILE = 'model.safetensors';

/** `__metadata__` written in every safetensors file of a checkpoint: Hugging Face's `format` and our version. */
export const FORMAT_METADATA: Readonly<Record<string, string>> = Object.freeze({ format: 'pt', microgpt: '1' });

/**
 * The `__metadata__` of a checkpoint file without the keys of {@link FORMAT_METADATA}.
 * @throws CheckpointError naming `file` when it says it was written by another version of this format.
 */
export function userMetadata(file: string, metadata: Readonly<Record<string, string>>): Record<string, string> {
  const version = metadata.microgpt;
  if (version !== undefined && version !== FORMAT_METADATA.microgpt) {
    fileError(file, `expected ${JSON.stringify(FORMAT_METADATA.microgpt)}, found ${JSON.stringify(version)}`, { field: '__metadata__.microgpt' });
  }
  return Object.fromEntries(Object.entries(metadata).filter(([key]) => !Object.hasOwn(FORMAT_METADATA, key)));
}

/**
 * model.safetensors for `model`: each parameter by name in the model's dtype, with `metadata` besides ours. The
 * parameters are read back once, as one block (`model.flat`), as they are at the call.
 * @throws CheckpointError (as a rejection) when `metadata` uses a reserved key (`format`, `microgpt`) or holds a non-string, or a
 * parameter holds a NaN or an infinity (a file that loading would refuse).
 */
export async function encodeModelFile(model: GPT, metadata: Readonly<Record<string, string>> = {}): Promise<Uint8Array> {
  for (const key of Object.keys(metadata)) {
    if (Object.hasOwn(FORMAT_METADATA, key)) fileError(MODEL_FILE, `the key ${JSON.stringify(key)} is reserved; pick another name`, { field: '__metadata__' });
  }
  const { flat } = model;
  const block = await flat.toArrayAsync();
  const tensors: Record<string, SafetensorsEntry> = {};
  for (const [name, t] of Object.entries(parameterTensors(model))) {
    // Parameters are contiguous views of the block (see GPT.flat).
    const data = block.subarray(t.offset - flat.offset, t.offset - flat.offset + t.size);
    expectFinite(MODEL_FILE, name, data, 'not saved: the model diverged');
    tensors[name] = { dtype: model.dtype, shape: t.shape, data };
  }
  return inFile(MODEL_FILE, () => encodeSafetensors(tensors, { ...metadata, ...FORMAT_METADATA }));
}

/** The checked content of model.safetensors. */
export interface ModelFile {
  /** Every parameter's values by name, in the file's dtype. */
  readonly values: FloatArrays;
  /** `__metadata__` besides ours. */
  readonly metadata: Record<string, string>;
}

/**
 * Fewer bytes than any tensor's entry takes in a safetensors header (`"wte":{"dtype":"F32","shape":[],
 * "data_offsets":[0,0]}` is 53), so a file of n bytes names fewer than n / 40 tensors.
 */
const MIN_HEADER_ENTRY_BYTES = 40;

/**
 * Refuses a config whose parameter table is longer than a model.safetensors of `bytes` bytes could name (a
 * header entry takes at least 40 bytes), before the table (O(nLayer)) is made: a config.json claiming a billion
 * layers fails at once. `found` is the number of tensors the file does name, for the message.
 * @throws CheckpointError naming model.safetensors, field `size`.
 */
export function checkParameterTableFits(bytes: number, found: number, config: GPTConfig, dtype: FloatDType): void {
  const { total, tensors } = parameterCounts(config);
  if (tensors <= bytes / MIN_HEADER_ENTRY_BYTES) return;
  const show = (n: number): string => n.toLocaleString('en-US');
  const values = `${show(total)} values, ${show(total * bytesPerElement(dtype))} bytes of ${dtype}`;
  fileError(MODEL_FILE, `config.json describes ${show(tensors)} parameter tensors (${values}), far more than a file of ${show(bytes)} bytes holds (${show(found)})`, { field: 'size' });
}

/**
 * Decodes model.safetensors and checks it holds exactly the parameters of `config` (`parameterSpecs`), with
 * their shapes, all of `dtype` (after {@link checkParameterTableFits}).
 * @throws CheckpointError naming model.safetensors, the tensor and the field.
 */
export function decodeModelFile(bytes: Uint8Array, config: GPTConfig, dtype: FloatDType): ModelFile {
  const decoded = inFile(MODEL_FILE, () => decodeSafetensors(bytes));
  checkParameterTableFits(bytes.length, decoded.tensors.size, config, dtype);
  const values = expectTensors(MODEL_FILE, decoded.tensors, parameterSpecs(config), dtype, 'config.json');
  return { values, metadata: userMetadata(MODEL_FILE, decoded.metadata) };
}

/**
 * A model with `config` whose parameters are `values` (checked by {@link decodeModelFile}), converted to
 * `dtype` (float64 → float32 rounds to nearest), in one parameter block on `backend`.
 * @throws BackendError for an unknown backend name or a backend that cannot store `dtype`; MemoryLimitError (a
 * ModelError) when the parameters do not fit the backend.
 */
export function buildModel(config: GPTConfig, values: FloatArrays, dtype: FloatDType, backend?: Backend | string): GPT {
  const owner = resolveBackend(backend);
  checkMemory(estimateMemory(config, { dtype, initialize: true }), 'the model', { backend: owner });
  const specs = parameterSpecs(config);
  const total = specs.reduce((n, spec) => n + values[spec.name]!.length, 0);
  const block = dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
  let offset = 0;
  for (const spec of specs) {
    const data = values[spec.name]!;
    block.set(data, offset);
    offset += data.length;
  }
  const arena = Tensor.empty([total], dtype, owner);
  arena.backend.write(arena.storage, 0, block);
  const views = viewsInTableOrder(specs, arena);
  arena.dispose();
  return gptFromParameters(config, views);
}
