// optimizer.safetensors of a checkpoint folder: each buffer of each stepped parameter as `<param>.<buffer>`
// (`h.0.attn.q.weight.m`), and the rest of the OptimizerState (kind, step, lr, hyper, weight decays, buffer
// names, per-parameter steps) as JSON in `__metadata__.optimizer`. Checked against the model on both ways.
import type { OptimizerState, ParamState } from '@microgpt/autograd';
import { type FloatDType, formatShape, sameShape } from '@microgpt/tensor';
import type { GPTConfig } from '../config';
import { type ParamSpec, parameterSpecs } from '../gpt/params';
import { fileError, inFile, isPlainObject, ownField, showValue } from './file-check';
import { FORMAT_METADATA, userMetadata } from './model-file';
import { type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from './safetensors';
import { type ExpectedTensor, expectFinite, expectTensors } from './tensor-table';

/** The file's name in a checkpoint folder. */
export const OPTIMIZER_FILE = 'optimizer.safetensors';

const STATE_KEY = 'optimizer';
const STATE_FIELD = `__metadata__.${STATE_KEY}`;

/** The JSON in `__metadata__.optimizer`: everything but the buffers' data. */
interface StateHeader {
  readonly kind: string;
  readonly step: number;
  readonly lr: number;
  readonly hyper: object;
  readonly weightDecay: readonly number[];
  /** Buffer names, the same for every parameter (`m`, `v` for Adam; `momentum` or none for SGD). */
  readonly buffers: readonly string[];
  /** Steps of each parameter that has state. */
  readonly params: Readonly<Record<string, number>>;
}

/** Reports a bad optimizer state being saved. */
function cannotSave(message: string, field?: string): never {
  fileError(OPTIMIZER_FILE, `cannot save: ${message}`, field === undefined ? {} : { field });
}

function sameNames(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((name) => b.includes(name));
}

/** Checks a buffer name can be joined to a parameter name and split again at its last dot. */
function isBufferName(name: unknown): name is string {
  return typeof name === 'string' && name !== '' && !name.includes('.');
}

/**
 * optimizer.safetensors for `state`, an optimizer over the parameters of a model with `config` and `dtype`.
 * @throws CheckpointError when a state entry is not a parameter of the model, has another shape or dtype, when
 * parameters have different buffer names (or a buffer name has a dot), or a buffer holds a NaN or an infinity.
 */
export function encodeOptimizerFile(state: OptimizerState, config: GPTConfig, dtype: FloatDType): Uint8Array {
  const specs = new Map(parameterSpecs(config).map((spec) => [spec.name, spec]));
  const entries = Object.entries(state.params);
  const buffers = entries.length === 0 ? [] : Object.keys(entries[0]![1].buffers);
  for (const name of buffers) if (!isBufferName(name)) cannotSave(`buffer name ${showValue(name)} must be non-empty without a "."`);
  const tensors: Record<string, SafetensorsEntry> = {};
  const steps: Record<string, number> = {};
  for (const [name, saved] of entries) {
    const spec = specs.get(name);
    if (spec === undefined) cannotSave(`the state has parameter ${JSON.stringify(name)}, which the model does not have (was the optimizer given model.params?)`);
    const where = `parameter ${JSON.stringify(name)}`;
    if (!sameShape(saved.shape, spec.shape)) cannotSave(`${where} is ${formatShape(saved.shape)} in the state, ${formatShape(spec.shape)} in the model`);
    if (saved.dtype !== dtype) cannotSave(`${where} is ${saved.dtype} in the state, ${dtype} in the model`);
    const names = Object.keys(saved.buffers);
    if (!sameNames(names, buffers)) cannotSave(`${where} has buffers ${showValue(names)}, ${JSON.stringify(entries[0]![0])} has ${showValue(buffers)}`);
    for (const buffer of buffers) {
      const data = saved.buffers[buffer]!;
      expectFinite(OPTIMIZER_FILE, `${name}.${buffer}`, data, 'not saved: the optimizer diverged');
      tensors[`${name}.${buffer}`] = { dtype, shape: spec.shape, data };
    }
    steps[name] = saved.step;
  }
  const { kind, step, lr, hyper, weightDecay } = state;
  const header: StateHeader = { kind, step, lr, hyper, weightDecay, buffers, params: steps };
  return inFile(OPTIMIZER_FILE, () => encodeSafetensors(tensors, { ...FORMAT_METADATA, [STATE_KEY]: JSON.stringify(header) }));
}

/**
 * Decodes optimizer.safetensors and checks it against a model with `config` whose file dtype is `dtype`:
 * the state JSON's fields, every named parameter in the model, exactly the buffers `<param>.<buffer>` with the
 * parameters' shapes and `dtype`. Buffers are converted to `targetDtype`.
 * @throws CheckpointError naming optimizer.safetensors, the tensor or metadata field, expected and found.
 */
export function decodeOptimizerFile(bytes: Uint8Array, config: GPTConfig, dtype: FloatDType, targetDtype: FloatDType = dtype): OptimizerState {
  const decoded = inFile(OPTIMIZER_FILE, () => decodeSafetensors(bytes));
  userMetadata(OPTIMIZER_FILE, decoded.metadata);
  const specs = parameterSpecs(config);
  const header = readHeader(decoded.metadata[STATE_KEY], specs);
  const stepped = specs.filter((spec) => Object.hasOwn(header.params, spec.name));
  const expected: ExpectedTensor[] = stepped.flatMap((spec) => header.buffers.map((buffer) => ({ name: `${spec.name}.${buffer}`, shape: spec.shape })));
  const arrays = expectTensors(OPTIMIZER_FILE, decoded.tensors, expected, dtype, 'config.json');
  const params: Record<string, ParamState> = {};
  for (const spec of stepped) {
    const buffers = Object.fromEntries(header.buffers.map((buffer) => [buffer, toDtype(arrays[`${spec.name}.${buffer}`]!, targetDtype)]));
    params[spec.name] = { step: header.params[spec.name]!, shape: [...spec.shape], dtype: targetDtype, buffers };
  }
  const { kind, step, lr, hyper, weightDecay } = header;
  return { kind, step, lr, hyper, weightDecay, params };
}

function toDtype(data: Float32Array | Float64Array, dtype: FloatDType): Float32Array | Float64Array {
  if (dtype === 'float64') return data instanceof Float64Array ? data : Float64Array.from(data);
  return data instanceof Float32Array ? data : Float32Array.from(data);
}

function isFiniteNumber(value: unknown): value is number {
  return typeof value === 'number' && Number.isFinite(value);
}

/** Whether `value` is an array whose every item passes `isItem` (holes fail). */
function isArrayOf<T>(value: unknown, isItem: (item: unknown) => item is T): value is T[] {
  if (!Array.isArray(value)) return false;
  for (let i = 0; i < value.length; i++) if (!isItem(value[i])) return false;
  return true;
}

/** The checked state JSON: every field of {@link StateHeader} present and well-formed, names in the model. */
function readHeader(text: string | undefined, specs: readonly ParamSpec[]): StateHeader {
  if (text === undefined) fileError(OPTIMIZER_FILE, 'missing: expected the optimizer state as JSON text', { field: STATE_FIELD });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fileError(OPTIMIZER_FILE, `invalid JSON (${error instanceof Error ? error.message : String(error)})`, { field: STATE_FIELD });
  }
  if (!isPlainObject(json)) fileError(OPTIMIZER_FILE, `expected a JSON object, found ${showValue(json)}`, { field: STATE_FIELD });
  const bad: (key: string, expected: string) => never = (key, expected) =>
    fileError(OPTIMIZER_FILE, `expected ${expected}, found ${showValue(ownField(json, key))}`, { field: `${STATE_FIELD}.${key}` });
  const kind = ownField(json, 'kind');
  if (typeof kind !== 'string' || kind === '') bad('kind', 'the optimizer name (a non-empty string)');
  const step = ownField(json, 'step');
  if (!(typeof step === 'number' && Number.isSafeInteger(step) && step >= 0)) bad('step', 'an integer ≥ 0');
  const lr = ownField(json, 'lr');
  if (!isFiniteNumber(lr)) bad('lr', 'a finite number');
  const hyper = ownField(json, 'hyper');
  if (!isPlainObject(hyper)) bad('hyper', 'an object of hyperparameters');
  const weightDecay = ownField(json, 'weightDecay');
  if (!isArrayOf(weightDecay, (d): d is number => isFiniteNumber(d) && d >= 0)) bad('weightDecay', 'an array of finite numbers ≥ 0');
  const buffers = ownField(json, 'buffers');
  if (!isArrayOf(buffers, isBufferName) || new Set(buffers).size !== buffers.length) bad('buffers', 'an array of distinct buffer names without "."');
  const params = ownField(json, 'params');
  if (!isPlainObject(params)) bad('params', 'an object of parameter name → step');
  const names = new Set(specs.map((spec) => spec.name));
  const steps: Record<string, number> = {};
  for (const [name, paramStep] of Object.entries(params)) {
    const field = `${STATE_FIELD}.params.${name}`;
    if (!names.has(name)) fileError(OPTIMIZER_FILE, 'not a parameter of the model in config.json', { field });
    if (!(typeof paramStep === 'number' && Number.isSafeInteger(paramStep) && paramStep >= 1)) fileError(OPTIMIZER_FILE, `expected a step ≥ 1, found ${showValue(paramStep)}`, { field });
    steps[name] = paramStep;
  }
  return { kind, step, lr, hyper, weightDecay, buffers, params: steps };
}
