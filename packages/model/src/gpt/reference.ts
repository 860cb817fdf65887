// The GPT written to be read: nanoGPT's model.py on @microgpt/autograd ops, each part a small function (norm,
// linear, attention, MLP, block) and then the model. Read this file first. It is the definition: the fast path,
// gpt/pass.ts, computes the same loss and gradients with planned buffers and direct kernel calls (its opening
// table maps each of its steps to the parts here), and is tested against this. Slow (every op records a tape
// entry) and training only through `loss.backward()`; train with createTrainer. No KV cache.
import * as A from '@microgpt/autograd';
import { type Tensor, formatShape } from '@microgpt/tensor';
import { getActivation } from '../activations';
import { headSize } from '../config';
import { ModelError } from '../errors';
import { dropoutKey, fillDropoutMask } from './dropout';
import type { GPT } from './model';

/** Options of {@link referenceForward}. */
export interface ReferenceOptions {
  /**
   * With config.dropout > 0: drop what the planned training pass with this `dropoutKey` drops (the same masks).
   * Omitted: no dropout, as nanoGPT's `model.eval()` and our inference.
   */
  readonly dropoutKey?: number;
  /** Sees each layer's queries and keys, (B, NH, T, HS): for reading attention. */
  readonly onQueryKey?: (layer: number, q: A.Var, k: A.Var) => void;
}

/**
 * nanoGPT's `GPT.forward(idx, targets)`: the logits of every position, and the mean cross-entropy when targets
 * are given, as an autograd graph over the model's own parameter Vars, so `loss.backward()` adds into the same
 * `grad`s the planned pass fills. Every config option the planned pass supports is here: rmsnorm or layernorm,
 * learned gains and biases, an embedding and a final norm, biases, a tied head, no positions, any built-in or
 * registered activation, and dropout (see `dropoutKey`; there is none on the attention probabilities, as the
 * planned pass has none). Replaced linear layers (`withLinearOperators`) are not used: this reads the parameters.
 * `A.releaseGraph(loss)` (or of `logits`) gives every intermediate, dropout masks included, back to the pool.
 * @param idx (B, T) int32 token ids on the model's backend, T ≤ blockSize.
 * @param targets (B, T) int32 next-token ids, -1 for positions without a loss; null for logits only.
 * @returns logits (B, T, V) and the loss (a scalar Var), or null without targets.
 * @throws {ModelError} when idx is not (B, T) with 1 ≤ T ≤ blockSize; the ops' errors for ids or targets outside
 * the vocabulary.
 */
export function referenceForward(model: GPT, idx: Tensor, targets: Tensor | null = null, options: ReferenceOptions = {}): {
  /** (B, T, V) logits, a Var of the graph. */
  logits: A.Var;
  /** The mean cross-entropy over targets that are not -1 (a scalar Var to call `backward()` on); null without targets. */
  loss: A.Var | null;
} {
  const { config, params } = model;
  const [B, T] = idx.shape as [number, number];
  if (idx.rank !== 2 || !(T >= 1 && T <= config.blockSize)) {
    throw new ModelError(`reference: idx is ${formatShape(idx.shape)}; expected (B, T) with 1 ≤ T ≤ blockSize ${config.blockSize}`);
  }
  const [C, NH, HS] = [config.nEmbd, config.nHead, headSize(config)];
  const param = (name: string): A.Var | null => params[name] ?? null; // null: the config has no such parameter

  const norm = (x: A.Var, name: string): A.Var =>
    config.norm === 'rmsnorm'
      ? A.rmsnorm(x, param(`${name}.weight`), { eps: config.normEps })
      : A.layernorm(x, param(`${name}.weight`), param(`${name}.bias`), { eps: config.normEps });
  const linear = (x: A.Var, name: string): A.Var => {
    const y = A.matmul(x, param(`${name}.weight`)!, { transB: true }); // (B, T, OC) = x · Wᵀ, W (OC, IC)
    const bias = param(`${name}.bias`);
    return bias ? A.add(y, bias) : y;
  };
  const dropout = (x: A.Var, layer: number, site: number): A.Var => {
    if (options.dropoutKey === undefined || config.dropout === 0) return x;
    const mask = A.acquire(x.shape, x.dtype, model.backend, false); // 0 or 1/(1-p): the planned pass's draw
    fillDropoutMask(mask, config.dropout, dropoutKey(options.dropoutKey, layer, site));
    return A.mul(x, A.opResult('dropoutMask', [], mask, () => {})); // not a leaf, so releaseGraph frees it
  };
  const heads = (x: A.Var): A.Var => A.transpose(A.reshape(x, [B, T, NH, HS]), 1, 2); // (B, NH, T, HS)

  const attention = (x: A.Var, l: number): A.Var => {
    const [q, k, v] = ['q', 'k', 'v'].map((part) => heads(linear(x, `h.${l}.attn.${part}`))) as [A.Var, A.Var, A.Var];
    options.onQueryKey?.(l, q, k);
    const y = A.attention(q, k, v); // (B, NH, T, HS): softmax(q·kᵀ/√HS, causal) · v
    return dropout(linear(A.reshape(A.transpose(y, 1, 2), [B, T, C]), `h.${l}.attn.o`), l, 1); // heads side by side
  };
  const mlp = (x: A.Var, l: number): A.Var => {
    const h = activate(linear(x, `h.${l}.mlp.fc1`), config.activation); // (B, T, F)
    return dropout(linear(h, `h.${l}.mlp.fc2`), l, 2);
  };
  const block = (x: A.Var, l: number): A.Var => {
    const res1 = A.add(x, attention(norm(x, `h.${l}.ln_1`), l));
    return A.add(res1, mlp(norm(res1, `h.${l}.ln_2`), l));
  };

  let x = A.embedding(params.wte!, idx); // (B, T, C) token embeddings
  if (config.posEmb === 'learned') x = A.add(x, A.slice(params.wpe!, 0, 0, T)); // + (T, C) positions, over B
  x = dropout(x, config.nLayer, 0);
  if (config.embedNorm) x = norm(x, 'ln_emb');
  for (let l = 0; l < config.nLayer; l++) x = block(x, l);
  if (config.finalNorm) x = norm(x, 'ln_f');
  const logits = A.matmul(x, params[config.tiedHead ? 'wte' : 'lm_head']!, { transB: true }); // (B, T, V)
  return { logits, loss: targets ? A.crossEntropy(logits, targets) : null };
}

/** The config's activation (a built-in kernel or a registered pair) as one tape entry on (N, F) rows. */
function activate(h: A.Var, name: string): A.Var {
  const activation = getActivation(name);
  const x = A.reshape(h, [-1, h.shape.at(-1)!]); // (N, F): what an Activation is given
  const out = A.output(x.value, x.shape);
  activation.forward(x.value, out);
  const y = A.opResult(name, [x], out, (o) => {
    if (x.requiresGrad) activation.backward(x.value, o.grad!, A.gradOf(x));
  });
  return A.reshape(y, h.shape);
}
