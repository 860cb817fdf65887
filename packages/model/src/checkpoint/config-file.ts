// config.json of a checkpoint folder: our format tag and version, the full GPTConfig, the dtype and parameter
// count, plus Hugging Face GPT-2-style mirror fields so generic tools can show the model's size. Only `model`,
// `dtype` and `parameters` are read back; the mirror fields are informational.
import type { FloatDType } from '@microgpt/tensor';
import { DEFAULT_CONFIG, type GPTConfig, mlpHidden, validateConfig } from '../config';
import { ModelError } from '../errors';
import { countParameters } from '../gpt/params';
import { fileError, isPlainObject, jsonFileBytes, ownField, parseJsonFile, showValue } from './file-check';

/** The file's name in a checkpoint folder. */
export const CONFIG_FILE = 'config.json';
/** The `format` field of every config.json we write. */
export const MODEL_FORMAT = 'microgpt-model';
/** The `version` field this build writes and reads. */
export const MODEL_FORMAT_VERSION = 1;

/** What config.json says about a model. */
export interface ConfigFile {
  readonly config: GPTConfig;
  /** The dtype of the parameters in model.safetensors (and of the optimizer buffers). */
  readonly dtype: FloatDType;
  /** Number of parameter values (`countParameters(config)`). */
  readonly parameters: number;
  /** The `quantization` section @microgpt/quant writes, as found (null for a float checkpoint). */
  readonly quantization: unknown;
}

/** Hugging Face `activation_function` names of our built-in activations (custom ones have none). */
export const HF_ACTIVATIONS: Readonly<Record<string, string>> = { relu: 'relu', gelu: 'gelu', gelu_tanh: 'gelu_new', silu: 'silu', squared_relu: 'relu2' };

const CONFIG_FIELDS: readonly string[] = ['vocabSize', ...Object.keys(DEFAULT_CONFIG)];

/** The GPT-2 config.json fields that mean the same as ours. */
function huggingFaceMirror(config: GPTConfig): Record<string, unknown> {
  const activation = Object.hasOwn(HF_ACTIVATIONS, config.activation) ? { activation_function: HF_ACTIVATIONS[config.activation] } : {};
  return {
    model_type: 'microgpt',
    vocab_size: config.vocabSize,
    n_positions: config.blockSize,
    n_embd: config.nEmbd,
    n_layer: config.nLayer,
    n_head: config.nHead,
    n_inner: mlpHidden(config),
    ...activation,
    layer_norm_epsilon: config.normEps,
    initializer_range: config.initStd,
    tie_word_embeddings: config.tiedHead,
    embd_pdrop: config.dropout,
    resid_pdrop: config.dropout,
    attn_pdrop: 0,
  };
}

/** config.json for a model with `config` whose parameters are stored as `dtype`, as UTF-8 bytes. */
export function encodeConfigFile(config: GPTConfig, dtype: FloatDType): Uint8Array {
  const file = { format: MODEL_FORMAT, version: MODEL_FORMAT_VERSION, model: config, dtype, parameters: countParameters(config), ...huggingFaceMirror(config) };
  return jsonFileBytes(CONFIG_FILE, file);
}

/**
 * Reads and checks config.json: format and version, every config field present, known and valid, the dtype,
 * and the parameter count against the config. A quantized checkpoint's config is refused (it needs
 * @microgpt/quant to load) unless `allowQuantized` (for describing a folder).
 * @throws CheckpointError naming config.json and the field (e.g. `model.nHead`), with expected and found.
 */
export function decodeConfigFile(bytes: Uint8Array, options: { allowQuantized?: boolean } = {}): ConfigFile {
  const json = parseJsonFile(CONFIG_FILE, bytes);
  if (!isPlainObject(json)) fileError(CONFIG_FILE, `expected a JSON object, found ${showValue(json)}`);
  const format = ownField(json, 'format');
  if (format !== MODEL_FORMAT) fileError(CONFIG_FILE, `expected ${JSON.stringify(MODEL_FORMAT)}, found ${showValue(format)}`, { field: 'format' });
  const version = ownField(json, 'version');
  if (version !== MODEL_FORMAT_VERSION) {
    const newer = typeof version === 'number' && version > MODEL_FORMAT_VERSION ? ' (written by a newer @microgpt/model)' : '';
    fileError(CONFIG_FILE, `expected ${MODEL_FORMAT_VERSION}, found ${showValue(version)}${newer}`, { field: 'version' });
  }
  const quantization = ownField(json, 'quantization');
  if (quantization !== undefined && options.allowQuantized !== true) {
    const scheme = isPlainObject(quantization) && typeof quantization.scheme === 'string' ? ` (${quantization.scheme})` : '';
    fileError(CONFIG_FILE, `this is a quantized checkpoint${scheme}; load it with loadQuantizedCheckpoint from @microgpt/quant/node`, { field: 'quantization' });
  }
  const config = readConfig(ownField(json, 'model'));
  const dtype = ownField(json, 'dtype');
  if (dtype !== 'float32' && dtype !== 'float64') fileError(CONFIG_FILE, `expected "float32" or "float64", found ${showValue(dtype)}`, { field: 'dtype' });
  const parameters = ownField(json, 'parameters');
  const expected = parameterCountOf(config);
  if (parameters !== expected) fileError(CONFIG_FILE, `expected ${expected} (from the model config), found ${showValue(parameters)}`, { field: 'parameters' });
  return { config, dtype, parameters: expected, quantization: quantization === undefined ? null : quantization };
}

/**
 * The parameter count of a checked config, in closed form (a billion layers cost nothing to count).
 * @throws CheckpointError naming config.json's `model` when the count is too large to be exact.
 */
function parameterCountOf(config: GPTConfig): number {
  try {
    return countParameters(config);
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    fileError(CONFIG_FILE, error.message.replace(/^config: /, ''), { field: 'model' });
  }
}

/** The `model` field as a checked GPTConfig: all fields present, none unknown, every value valid. */
function readConfig(model: unknown): GPTConfig {
  if (!isPlainObject(model)) fileError(CONFIG_FILE, `expected an object of config fields, found ${showValue(model)}`, { field: 'model' });
  for (const key of Object.keys(model)) {
    if (!CONFIG_FIELDS.includes(key)) fileError(CONFIG_FILE, `unknown field; known fields: ${CONFIG_FIELDS.join(', ')}`, { field: `model.${key}` });
  }
  for (const key of CONFIG_FIELDS) {
    const value = ownField(model, key);
    if (value === undefined) fileError(CONFIG_FILE, 'missing', { field: `model.${key}` });
    // validateConfig prints values; only JSON scalars can be valid, and objects could fail to print.
    if (typeof value === 'object') fileError(CONFIG_FILE, `expected a number, string or boolean, found ${showValue(value)}`, { field: `model.${key}` });
  }
  const config = model as unknown as GPTConfig;
  try {
    validateConfig(config);
  } catch (error) {
    if (!(error instanceof ModelError)) throw error;
    const reason = error.message.replace(/^config: /, '');
    const field = /^\w+/.exec(reason)?.[0] ?? '';
    fileError(CONFIG_FILE, reason, { field: `model${field === '' ? '' : `.${field}`}` });
  }
  return { ...config };
}
