// A microgpt config from a Hugging Face GPT-2 config.json: every field GPT2LMHeadModel's logits depend on is
// checked, HF's defaults fill the missing ones, and anything GPT-2 computes that microgpt does not is refused.
import { type GPTConfig, validateConfig } from '../config';
import { ModelError } from '../errors';
import { fileError, isPlainObject, ownField, showValue } from '../checkpoint/file-check';
import { GPT2_ACTIVATIONS, type SpecialIds } from './export-config';

/** The config file's name in an HF folder. */
export const HF_CONFIG_FILE = 'config.json';

/** microgpt's activation for each HF `activation_function` it computes (gelu_pytorch_tanh is gelu_new's formula). */
const FROM_HF_ACTIVATION: Readonly<Record<string, string>> = Object.freeze({
  ...Object.fromEntries(Object.entries(GPT2_ACTIVATIONS).map(([ours, hf]) => [hf, ours])),
  gelu_pytorch_tanh: 'gelu_tanh',
  swish: 'silu',
});

/** What config.json describes: the model's config and the tokenizer's special ids. */
export interface Gpt2ConfigFile {
  /** The microgpt config that computes what the GPT-2 config describes. */
  readonly config: GPTConfig;
  /** `bos_token_id` and `eos_token_id`, null where config.json has none. */
  readonly ids: SpecialIds;
}

function bad(field: string, expected: string, found: unknown): never {
  return fileError(HF_CONFIG_FILE, `expected ${expected}, found ${showValue(found)}`, { field });
}

/** Field `key` of `data`, or HF's `fallback` when absent. */
function field(data: Record<string, unknown>, key: string, fallback: unknown): unknown {
  const value = ownField(data, key);
  return value === undefined ? fallback : value;
}

function positiveInteger(data: Record<string, unknown>, key: string, fallback: number): number {
  const value = field(data, key, fallback);
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value > 0)) bad(key, 'a positive integer', value);
  return value;
}

function number(data: Record<string, unknown>, key: string, fallback: number, ok: (x: number) => boolean, expected: string): number {
  const value = field(data, key, fallback);
  if (!(typeof value === 'number' && ok(value))) bad(key, expected, value);
  return value;
}

function flag(data: Record<string, unknown>, key: string, fallback: boolean, required?: boolean): boolean {
  const value = field(data, key, fallback);
  if (typeof value !== 'boolean') bad(key, 'true or false', value);
  if (required !== undefined && value !== required) fileError(HF_CONFIG_FILE, `must be ${required}: microgpt computes GPT-2's attention with it ${required}, found ${String(value)}`, { field: key });
  return value;
}

function tokenId(data: Record<string, unknown>, key: string, vocabSize: number): number | null {
  const value = field(data, key, null);
  if (value === null) return null;
  if (!(typeof value === 'number' && Number.isSafeInteger(value) && value >= 0 && value < vocabSize)) bad(key, `null or an id in [0, ${vocabSize})`, value);
  return value;
}

/**
 * The microgpt config of a GPT-2 config.json (parsed), with HF's GPT2Config defaults for missing fields:
 * LayerNorm with gains and biases, a final norm, learned positions, biases everywhere, the head tied unless
 * `tie_word_embeddings` is false. microgpt has one dropout rate: `resid_pdrop` (training only; logits do not
 * depend on it). A `bos_token_id`/`eos_token_id` outside the vocabulary is refused; an absent one is null (HF's
 * default, 50256, names an id only in GPT-2's own vocabulary).
 * @throws CheckpointError naming config.json and the field: not an object, `model_type` other than gpt2,
 * cross-attention, an activation microgpt lacks, attention scaled differently from 1/sqrt(head size), n_inner
 * not a whole multiple microgpt can express, or any bad value.
 */
export function configFromGpt2(data: unknown): Gpt2ConfigFile {
  if (!isPlainObject(data)) fileError(HF_CONFIG_FILE, `expected a JSON object, found ${showValue(data)}`);
  const modelType = field(data, 'model_type', 'gpt2');
  if (modelType !== 'gpt2') fileError(HF_CONFIG_FILE, `expected "gpt2" (GPT2LMHeadModel's layout), found ${showValue(modelType)}`, { field: 'model_type' });
  flag(data, 'add_cross_attention', false, false);
  flag(data, 'scale_attn_weights', true, true);
  flag(data, 'scale_attn_by_inverse_layer_idx', false, false);
  const vocabSize = positiveInteger(data, 'vocab_size', 50257);
  const nEmbd = positiveInteger(data, 'n_embd', 768);
  const nHead = positiveInteger(data, 'n_head', 12);
  if (nEmbd % nHead !== 0) fileError(HF_CONFIG_FILE, `n_embd (${nEmbd}) must be divisible by n_head (${nHead})`, { field: 'n_head' });
  const innerValue = field(data, 'n_inner', null);
  const inner = innerValue === null ? 4 * nEmbd : positiveInteger(data, 'n_inner', 0);
  const mlpRatio = inner / nEmbd;
  if (mlpRatio * nEmbd !== inner) fileError(HF_CONFIG_FILE, `${inner} is not a multiple of n_embd (${nEmbd}) that microgpt's mlpRatio can express exactly`, { field: 'n_inner' });
  const activationValue = field(data, 'activation_function', 'gelu_new');
  const activation = typeof activationValue === 'string' && Object.hasOwn(FROM_HF_ACTIVATION, activationValue) ? FROM_HF_ACTIVATION[activationValue]! : bad('activation_function', `one of ${Object.keys(FROM_HF_ACTIVATION).join(', ')}`, activationValue);
  const dropout = number(data, 'resid_pdrop', 0.1, (x) => x >= 0 && x < 1, 'a number in [0, 1)');
  const config: GPTConfig = {
    vocabSize,
    nLayer: positiveInteger(data, 'n_layer', 12),
    nHead,
    nEmbd,
    blockSize: positiveInteger(data, 'n_positions', 1024),
    mlpRatio,
    norm: 'layernorm',
    normAffine: true,
    normEps: number(data, 'layer_norm_epsilon', 1e-5, (x) => Number.isFinite(x) && x > 0, 'a finite number > 0'),
    embedNorm: false,
    finalNorm: true,
    activation,
    bias: true,
    tiedHead: flag(data, 'tie_word_embeddings', true),
    posEmb: 'learned',
    dropout,
    initStd: number(data, 'initializer_range', 0.02, (x) => Number.isFinite(x) && x >= 0, 'a finite number ≥ 0'),
    residualInitScale: true,
  };
  try {
    validateConfig(config);
  } catch (error) {
    if (error instanceof ModelError) fileError(HF_CONFIG_FILE, error.message);
    throw error;
  }
  return { config, ids: { bos: tokenId(data, 'bos_token_id', vocabSize), eos: tokenId(data, 'eos_token_id', vocabSize) } };
}
