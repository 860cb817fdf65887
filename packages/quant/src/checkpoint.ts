// Quantized checkpoints: the model package's folder layout, with model.safetensors holding integer codes and
// their scales (or fp16 / bf16 values) and a `quantization` section in config.json. Reading checks every
// quantized tensor (dtype, shape, finite scales), decodes the weights, and lets the model package validate the
// rest (config, tokenizer, shapes) exactly as for a float checkpoint.
import { CHECKPOINT_FILES, CheckpointError, type SafetensorsEntry, checkParameterTableFits, checkpointFiles, decodeSafetensors, encodeSafetensors, parameterSpecs, readCheckpointFiles, resolveConfig } from '@microgpt/model';
import type { Backend } from '@microgpt/tensor';
import { bfloat16BitsToFloat32, float16BitsToFloat32, float32ToBfloat16Bits, toFloat16Array } from './half';
import type { ActivationMode } from './linear';
import { type IntScheme, type QuantizedMatrix, dequantizeMatrix } from './matrix';
import { type QuantizationSettings, type QuantizedModel, SCHEMES, type Scheme, assembleQuantizedModel, quantizedNames } from './model';

/** The `quantization.format` of config.json. */
export const QUANT_FORMAT = 'microgpt-quant';
/** The `quantization.version` this build writes and reads. */
export const QUANT_FORMAT_VERSION = 1;

/** What a quantized checkpoint holds besides the model. */
export interface QuantizedCheckpointParts {
  /** The model to save: its quantized matrices as codes and scales (fp16 / bf16: values), the rest as floats, and its settings. */
  readonly quantized: QuantizedModel;
  /** The tokenizer's JSON, or null. */
  readonly tokenizer: object | null;
  /** The trainer state of the run it came from (kept for `eval` splits and provenance), if any. */
  readonly trainerState?: object;
  /** Extra string metadata for model.safetensors. */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** The `quantization` section of config.json. */
interface QuantizationSection extends QuantizationSettings {
  readonly format: string;
  readonly version: number;
  /** Parameters stored as integer codes. */
  readonly tensors: readonly string[];
}

const { model: MODEL_FILE, config: CONFIG_FILE } = CHECKPOINT_FILES;

function fail(message: string, part: string, tensor?: string, field?: string): never {
  throw new CheckpointError(`${part}:${tensor === undefined ? '' : ` tensor ${JSON.stringify(tensor)}`}${field === undefined ? '' : ` ${field}`}: ${message}`, { part, ...(tensor === undefined ? {} : { tensor }), ...(field === undefined ? {} : { field }) });
}

const isInt8 = (scheme: Scheme): boolean => scheme === 'int8' || scheme === 'int8-asym';

/** The safetensors entries of one quantized matrix: codes, scales, and zero points or minima. */
function matrixEntries(name: string, m: QuantizedMatrix): Record<string, SafetensorsEntry> {
  const scaleShape = m.perTensor ? [1] : [m.rows, m.cols / m.groupSize];
  const int8 = isInt8(m.scheme);
  return {
    [name]: int8 ? { dtype: 'int8', shape: [m.rows, m.cols], data: m.codes } : { dtype: 'uint8', shape: [m.rows, m.cols / 2], data: m.codes },
    [`${name}.scales`]: int8 ? { dtype: 'float32', shape: scaleShape, data: m.scales } : { dtype: 'float16', shape: scaleShape, data: toFloat16Array(m.scales) },
    ...(m.zeroPoints ? { [`${name}.zero_points`]: { dtype: 'int8', shape: scaleShape, data: m.zeroPoints } } : {}),
    ...(m.minima ? { [`${name}.minima`]: { dtype: 'float16', shape: scaleShape, data: toFloat16Array(m.minima) } } : {}),
  };
}

/**
 * The files of a quantized checkpoint folder: model.safetensors (codes and scales, or fp16 / bf16 values),
 * config.json (the model package's, plus `quantization`), tokenizer.json, and trainer_state.json when given.
 * The model's float parameters are read back from its backend (asynchronously) as `checkpointFiles` does.
 * @returns file name → bytes.
 * @throws CheckpointError (as a rejection) as `checkpointFiles` does (a tokenizer that does not fit, reserved
 * metadata keys).
 */
export async function quantizedCheckpointFiles(parts: QuantizedCheckpointParts): Promise<Record<string, Uint8Array>> {
  const { quantized } = parts;
  const { model, settings, matrices } = quantized;
  const files = await checkpointFiles({ model, tokenizer: parts.tokenizer, ...(parts.trainerState ? { trainerState: parts.trainerState } : {}), ...(parts.metadata ? { metadata: parts.metadata } : {}) });
  const float = decodeSafetensors(files[MODEL_FILE]!);
  const entries: Record<string, SafetensorsEntry> = {};
  for (const [name, tensor] of float.tensors) {
    const m = matrices[name];
    if (m) Object.assign(entries, matrixEntries(name, m));
    else if (settings.scheme === 'fp16') entries[name] = { dtype: 'float16', shape: tensor.shape, data: toFloat16Array(tensor.data) };
    else if (settings.scheme === 'bf16') entries[name] = { dtype: 'bfloat16', shape: tensor.shape, data: Uint16Array.from(tensor.data, float32ToBfloat16Bits) };
    else entries[name] = tensor;
  }
  const section: QuantizationSection = { format: QUANT_FORMAT, version: QUANT_FORMAT_VERSION, ...settings, tensors: Object.keys(matrices) };
  const config = { ...(JSON.parse(new TextDecoder().decode(files[CONFIG_FILE])) as object), quantization: section };
  return { ...files, [MODEL_FILE]: encodeSafetensors(entries, float.metadata), [CONFIG_FILE]: new TextEncoder().encode(`${JSON.stringify(config, null, 2)}\n`) };
}

/** The parsed config.json of a folder's files, or null when it has no `quantization` section. */
export function quantizationOf(configBytes: Uint8Array): unknown {
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder().decode(configBytes));
  } catch {
    return null; // the model package reports malformed JSON with its own message
  }
  return typeof json === 'object' && json !== null && 'quantization' in json ? json.quantization : null;
}

/** Checks the `quantization` section. @throws CheckpointError naming the field. */
function readSection(value: unknown): QuantizationSection {
  if (typeof value !== 'object' || value === null) fail(`expected an object, found ${JSON.stringify(value)}`, CONFIG_FILE, undefined, 'quantization');
  const v = value as Record<string, unknown>;
  const field = (name: string, ok: boolean, expected: string): void => {
    if (!ok) fail(`expected ${expected}, found ${JSON.stringify(v[name])}`, CONFIG_FILE, undefined, `quantization.${name}`);
  };
  field('format', v.format === QUANT_FORMAT, JSON.stringify(QUANT_FORMAT));
  field('version', v.version === QUANT_FORMAT_VERSION, `${QUANT_FORMAT_VERSION}${typeof v.version === 'number' && v.version > QUANT_FORMAT_VERSION ? ' (written by a newer @microgpt/quant)' : ''}`);
  field('scheme', SCHEMES.includes(v.scheme as Scheme), SCHEMES.join(' | '));
  field('perTensor', typeof v.perTensor === 'boolean', 'true or false');
  field('embeddings', typeof v.embeddings === 'boolean', 'true or false');
  field('activations', v.activations === 'float' || v.activations === 'int16', '"float" or "int16"');
  field('tensors', Array.isArray(v.tensors) && v.tensors.every((t) => typeof t === 'string'), 'an array of parameter names');
  return v as unknown as QuantizationSection;
}

/** A stored tensor checked for dtype and shape. */
function take(tensors: ReturnType<typeof decodeSafetensors>['tensors'], name: string, dtype: string, shape: readonly number[]) {
  const t = tensors.get(name);
  if (!t) fail(`missing (expected ${dtype} ${JSON.stringify(shape)})`, MODEL_FILE, name);
  if (t.dtype !== dtype) fail(`expected ${dtype}, found ${t.dtype}`, MODEL_FILE, name, 'dtype');
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) fail(`expected shape ${JSON.stringify(shape)}, found ${JSON.stringify(t.shape)}`, MODEL_FILE, name, 'shape');
  tensors.delete(name);
  return t;
}

/** Float32 values of fp16 bits, checked finite. */
function finiteHalf(bits: ArrayLike<number>, name: string): Float32Array {
  const values = Float32Array.from(bits, float16BitsToFloat32);
  const bad = values.findIndex((x) => !Number.isFinite(x));
  if (bad >= 0) fail(`element ${bad} is ${values[bad]}; scales must be finite`, MODEL_FILE, name, 'data');
  return values;
}

/** One quantized matrix from its stored tensors. */
function readMatrix(tensors: ReturnType<typeof decodeSafetensors>['tensors'], name: string, rows: number, cols: number, section: QuantizationSection): QuantizedMatrix {
  const scheme = section.scheme as IntScheme;
  if (isInt8(scheme)) {
    const scaleShape = section.perTensor ? [1] : [rows, 1];
    const codes = take(tensors, name, 'int8', [rows, cols]).data as Int8Array;
    const scales = take(tensors, `${name}.scales`, 'float32', scaleShape).data as Float32Array;
    const bad = scales.findIndex((s) => !(Number.isFinite(s) && s >= 0));
    if (bad >= 0) fail(`element ${bad} is ${scales[bad]}; scales must be finite and ≥ 0`, MODEL_FILE, `${name}.scales`, 'data');
    const zeroPoints = scheme === 'int8-asym' ? (take(tensors, `${name}.zero_points`, 'int8', scaleShape).data as Int8Array) : null;
    return { scheme, rows, cols, groupSize: cols, perTensor: section.perTensor, codes, scales, zeroPoints, minima: null };
  }
  const stored = tensors.get(`${name}.scales`);
  const groups = stored?.shape[1];
  if (groups === undefined || !(Number.isSafeInteger(groups) && groups > 0 && cols % groups === 0 && (cols / groups) % 2 === 0)) {
    fail(`expected shape [${rows}, groups] with an even group size dividing ${cols}, found ${JSON.stringify(stored?.shape)}`, MODEL_FILE, `${name}.scales`, 'shape');
  }
  const codes = take(tensors, name, 'uint8', [rows, cols / 2]).data as Uint8Array;
  const scales = finiteHalf(take(tensors, `${name}.scales`, 'float16', [rows, groups]).data, `${name}.scales`);
  const minima = scheme === 'int4-asym' ? finiteHalf(take(tensors, `${name}.minima`, 'float16', [rows, groups]).data, `${name}.minima`) : null;
  return { scheme, rows, cols, groupSize: cols / groups, perTensor: false, codes, scales, zeroPoints: null, minima };
}

/** Options of {@link readQuantizedCheckpointFiles}. */
export interface ReadQuantizedOptions {
  /** Backend of the model and its quantized layers (a backend or its name; default: the current backend). */
  readonly backend?: Backend | string;
  /** Override the saved activation mode of the quantized layers. */
  readonly activations?: ActivationMode;
}

/** A loaded quantized checkpoint. */
export interface QuantizedCheckpoint {
  /** The model with its quantized layers, rebuilt from the codes and settings. */
  readonly quantized: QuantizedModel;
  /** The tokenizer's JSON (load it with `tokenizerFromJSON`), or null when the checkpoint has none. */
  readonly tokenizer: object | null;
  /** The trainer state of the run it came from, when saved. */
  readonly trainerState?: object;
  /** The string metadata of model.safetensors, when it has any. */
  readonly metadata?: Record<string, string>;
}

/**
 * A quantized checkpoint from its folder's files (name → bytes).
 * @throws CheckpointError naming the file, tensor and field: no `quantization` section, a bad section, a
 * missing, misshapen or mistyped tensor, non-finite or negative scales, an unexpected tensor, or anything the
 * model package rejects in a float checkpoint.
 */
export function readQuantizedCheckpointFiles(files: Readonly<Record<string, Uint8Array>>, options: ReadQuantizedOptions = {}): QuantizedCheckpoint {
  for (const name of [MODEL_FILE, CONFIG_FILE]) if (!(files[name] instanceof Uint8Array)) fail(`missing; a checkpoint needs ${MODEL_FILE} and ${CONFIG_FILE}`, name);
  const raw = quantizationOf(files[CONFIG_FILE]!);
  if (raw === null) fail('no "quantization" section: this is a float checkpoint (load it with loadCheckpoint)', CONFIG_FILE, undefined, 'quantization');
  const section = readSection(raw);
  let config;
  try {
    config = resolveConfig((JSON.parse(new TextDecoder().decode(files[CONFIG_FILE])) as { model: object }).model as never);
  } catch (error) {
    fail((error as Error).message, CONFIG_FILE, undefined, 'model');
  }
  const decoded = decodeSafetensors(files[MODEL_FILE]!);
  // Before any per-layer list is made: a config.json claiming a billion layers is refused at once.
  checkParameterTableFits(files[MODEL_FILE]!.length, decoded.tensors.size, config, 'float32');
  const expected = section.scheme === 'fp16' || section.scheme === 'bf16' ? [] : quantizedNames({ config }, section.embeddings);
  if (JSON.stringify(expected) !== JSON.stringify(section.tensors)) fail(`expected ${JSON.stringify(expected)} for this config and scheme, found ${JSON.stringify(section.tensors)}`, CONFIG_FILE, undefined, 'quantization.tensors');
  const { tensors } = decoded;
  const matrices: Record<string, QuantizedMatrix> = {};
  const floats: Record<string, SafetensorsEntry> = {};
  for (const spec of parameterSpecs(config)) {
    if (expected.includes(spec.name)) {
      matrices[spec.name] = readMatrix(tensors, spec.name, spec.shape[0]!, spec.shape[1]!, section);
      continue;
    }
    const dtype = section.scheme === 'fp16' ? 'float16' : section.scheme === 'bf16' ? 'bfloat16' : 'float32';
    const t = take(tensors, spec.name, dtype, spec.shape);
    const data = dtype === 'float32' ? (t.data as Float32Array) : Float32Array.from(t.data, dtype === 'float16' ? float16BitsToFloat32 : bfloat16BitsToFloat32);
    floats[spec.name] = { dtype: 'float32', shape: spec.shape, data };
  }
  const extra = [...tensors.keys()];
  if (extra.length > 0) fail(`unexpected tensor for this config and scheme`, MODEL_FILE, extra[0]);
  // Decode the matrices too and let the model package check and build the float32 model as for any checkpoint.
  for (const [name, m] of Object.entries(matrices)) floats[name] = { dtype: 'float32', shape: [m.rows, m.cols], data: dequantizeMatrix(m) };
  const floatConfig = JSON.parse(new TextDecoder().decode(files[CONFIG_FILE])) as Record<string, unknown>;
  delete floatConfig.quantization;
  const floatFiles = { ...files, [MODEL_FILE]: encodeSafetensors(floats, decoded.metadata), [CONFIG_FILE]: new TextEncoder().encode(JSON.stringify(floatConfig)) };
  const checkpoint = readCheckpointFiles(floatFiles, options.backend === undefined ? {} : { backend: options.backend });
  const settings: QuantizationSettings = { scheme: section.scheme, perTensor: section.perTensor, embeddings: section.embeddings, activations: options.activations ?? section.activations };
  return {
    quantized: assembleQuantizedModel(checkpoint.model, matrices, settings),
    tokenizer: checkpoint.tokenizer,
    ...(checkpoint.trainerState ? { trainerState: checkpoint.trainerState } : {}),
    ...(checkpoint.metadata ? { metadata: checkpoint.metadata } : {}),
  };
}
