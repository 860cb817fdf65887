// config.json of a Hugging Face GPT-2 folder from a microgpt config: which configs GPT2LMHeadModel can compute
// exactly (some through a documented mapping, listed in GPT2_MAPPINGS), and the fields it needs.
import { type GPTConfig, mlpHidden } from '../config';
import { ModelError } from '../errors';
import { HF_ACTIVATIONS } from '../checkpoint/config-file';

/** A config that GPT-2's architecture cannot express; `field` is the microgpt config field at fault. */
export class HuggingFaceExportError extends ModelError {
  /** Always `'HuggingFaceExportError'`, so a caller can tell an unexportable config from other model errors. */
  override readonly name = 'HuggingFaceExportError';
  /** The GPTConfig field (or `tokenizer`) that has no GPT-2 counterpart. */
  readonly field: string;

  /** An error about `field`; the message starts with `huggingface export:`. */
  constructor(field: string, message: string) {
    super(`huggingface export: ${field}: ${message}`);
    this.field = field;
  }
}

/** HF's `activation_function` (ACT2FN names) for each microgpt activation GPT-2 has. */
export const GPT2_ACTIVATIONS: Readonly<Record<string, string>> = HF_ACTIVATIONS;

/**
 * Configs exported through an exact mapping rather than as is (the model card lists the ones a model used):
 * GPT-2 always has these parameters, and these values make them compute nothing.
 */
export const GPT2_MAPPINGS = Object.freeze({
  /** A model without biases: GPT-2's biases are written as zeros. */
  bias: 'bias false: the linear and LayerNorm biases are written as zeros',
  /** Norms without a learned gain and bias: GPT-2's LayerNorm gains are ones and biases zeros. */
  normAffine: 'normAffine false: the LayerNorm gains are written as ones (and biases as zeros)',
  /** A model without learned positions: GPT-2's position embedding is written as zeros. */
  posEmb: "posEmb 'none': transformer.wpe.weight is written as zeros",
});

/** The ids config.json names for the tokenizer's begin and end tokens (null when there is none). */
export interface SpecialIds {
  /** config.json's `bos_token_id`: the begin-of-sequence id, or null. */
  readonly bos: number | null;
  /** config.json's `eos_token_id`: the end-of-sequence id (GPT-2's `<|endoftext|>`), or null. */
  readonly eos: number | null;
}

/**
 * The mappings of {@link GPT2_MAPPINGS} that `config` needs.
 * @returns the mapping descriptions, empty for a config GPT-2 computes as is.
 */
export function gpt2Mappings(config: GPTConfig): string[] {
  const used: string[] = [];
  if (!config.bias) used.push(GPT2_MAPPINGS.bias);
  if (!config.normAffine) used.push(GPT2_MAPPINGS.normAffine);
  if (config.posEmb === 'none') used.push(GPT2_MAPPINGS.posEmb);
  return used;
}

/**
 * Throws unless GPT2LMHeadModel computes what a model with `config` computes (up to the mappings of
 * {@link GPT2_MAPPINGS}).
 * @throws HuggingFaceExportError naming the first field GPT-2 has no counterpart for: RMSNorm, a norm after the
 * embeddings, no final norm, an activation HF's GPT-2 does not have.
 */
export function checkGpt2Compatible(config: GPTConfig): void {
  if (config.norm !== 'layernorm') throw new HuggingFaceExportError('norm', `GPT-2 uses LayerNorm, found '${config.norm}' (retrain with norm 'layernorm', e.g. the shakespeare-cpu or gpt2 preset)`);
  if (config.embedNorm) throw new HuggingFaceExportError('embedNorm', 'GPT-2 has no norm right after the embeddings, found embedNorm true');
  if (!config.finalNorm) throw new HuggingFaceExportError('finalNorm', 'GPT-2 always has a final LayerNorm (ln_f), found finalNorm false');
  if (!Object.hasOwn(GPT2_ACTIVATIONS, config.activation)) {
    throw new HuggingFaceExportError('activation', `GPT-2's activation_function has counterparts for ${Object.keys(GPT2_ACTIVATIONS).join(', ')}, found '${config.activation}'`);
  }
}

/**
 * config.json for `config` as transformers' GPT2Config writes it for GPT2LMHeadModel (the dropouts are
 * microgpt's: `embd_pdrop` and `resid_pdrop` are its dropout, `attn_pdrop` 0, since microgpt drops no attention
 * weights; HF's default when absent is 0.1, so they are always written).
 * @param dtype the dtype of model.safetensors (`torch_dtype`).
 * @throws HuggingFaceExportError as {@link checkGpt2Compatible}.
 */
export function gpt2ConfigJson(config: GPTConfig, ids: SpecialIds, dtype: 'float32' | 'float64'): Record<string, unknown> {
  checkGpt2Compatible(config);
  const inner = mlpHidden(config);
  return {
    activation_function: GPT2_ACTIVATIONS[config.activation],
    architectures: ['GPT2LMHeadModel'],
    attn_pdrop: 0.0,
    bos_token_id: ids.bos,
    embd_pdrop: config.dropout,
    eos_token_id: ids.eos,
    initializer_range: config.initStd,
    layer_norm_epsilon: config.normEps,
    model_type: 'gpt2',
    n_embd: config.nEmbd,
    n_head: config.nHead,
    n_inner: inner === 4 * config.nEmbd ? null : inner,
    n_layer: config.nLayer,
    n_positions: config.blockSize,
    reorder_and_upcast_attn: false,
    resid_pdrop: config.dropout,
    scale_attn_by_inverse_layer_idx: false,
    scale_attn_weights: true,
    summary_activation: null,
    summary_first_dropout: 0.1,
    summary_proj_to_labels: true,
    summary_type: 'cls_index',
    summary_use_proj: true,
    tie_word_embeddings: config.tiedHead,
    torch_dtype: dtype,
    use_cache: true,
    vocab_size: config.vocabSize,
  };
}
