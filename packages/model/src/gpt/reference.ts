// The GPT on one screen: nanoGPT's model.py (token and position embeddings, blocks of norm → attention →
// residual → norm → MLP → residual, final norm, head, cross-entropy) written with @microgpt/autograd ops.
// Read this file first. pass.ts is the fast path: the same model as planned kernel calls with a hand-written
// backward, tested against this one layer by layer and for every gradient. This one builds a graph per call.
import * as A from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { type Activation, getActivation } from '../activations';
import { headSize } from '../config';
import { dropoutKey, fillDropoutMask } from './dropout';
import type { GPT } from './model';

/** Options of {@link referenceLoss}. */
export interface ReferenceOptions {
  /** The planned pass's dropout key (`dropoutKey(seed, step, 0)`): the same masks; without it, no dropout. */
  readonly dropoutKey?: number;
  /** Sees each layer's queries and keys, (B, NH, T, HS), to check attention. */
  readonly onQueryKey?: (layer: number, q: A.Var, k: A.Var) => void;
}

/** What {@link referenceLoss} returns. */
export interface ReferenceLoss {
  /** The mean loss, a scalar Var: `A.backward(loss)` fills the parameters' gradients. */
  readonly loss: A.Var;
  /** Frees the graph and the tensors it made (ids, positions, dropout masks); the parameters stay. */
  dispose(): void;
}

/**
 * The mean cross-entropy of `model` on `ids` → `targets` (both (B, T) row-major; target -1 is ignored), as an
 * autograd graph over the model's own parameter Vars, so backward fills the gradients the planned pass fills.
 * Every config the planned pass takes is supported.
 */
export function referenceLoss(model: GPT, ids: Int32Array, targets: Int32Array, B: number, T_: number, options: ReferenceOptions = {}): ReferenceLoss {
  const { config, params, backend } = model;
  const [C, NH, HS, eps] = [config.nEmbd, config.nHead, headSize(config), config.normEps];
  const p = (name: string): A.Var | null => params[name] ?? null;
  const made: T.Tensor[] = []; // leaves this function makes, freed by dispose
  const idTensor = (values: ArrayLike<number>): T.Tensor => {
    made.push(T.tensor(Int32Array.from(values), { shape: [values.length], backend }));
    return made.at(-1)!;
  };
  const norm = (x: A.Var, name: string): A.Var =>
    config.norm === 'rmsnorm' ? A.rmsnorm(x, p(`${name}.weight`), { eps }) : A.layernorm(x, p(`${name}.weight`), p(`${name}.bias`), { eps });
  const linear = (x: A.Var, name: string): A.Var => {
    const y = A.matmul(x, p(`${name}.weight`)!, { transB: true }); // (N, IC) · (OC, IC)ᵀ
    const bias = p(`${name}.bias`);
    return bias ? A.add(y, bias) : y;
  };
  const heads = (x: A.Var): A.Var => A.transpose(A.reshape(x, [B, T_, NH, HS]), 1, 2); // (B·T, C) → (B, NH, T, HS)
  const dropout = (x: A.Var, layer: number, site: number): A.Var => {
    if (options.dropoutKey === undefined || config.dropout === 0) return x;
    const mask = T.zeros(x.shape, { dtype: x.dtype, backend });
    made.push(mask);
    fillDropoutMask(mask, config.dropout, dropoutKey(options.dropoutKey, layer, site));
    return A.mul(x, A.constant(mask));
  };

  let x = A.embedding(p('wte')!, idTensor(ids)); // (B·T, C)
  if (config.posEmb === 'learned') x = A.add(x, A.embedding(p('wpe')!, idTensor(Array.from({ length: B * T_ }, (_, i) => i % T_))));
  x = dropout(x, config.nLayer, 0);
  if (config.embedNorm) x = norm(x, 'ln_emb');
  for (let l = 0; l < config.nLayer; l++) {
    // x = x + dropout(o(attention(q, k, v of ln_1(x))))
    const h = norm(x, `h.${l}.ln_1`);
    const [q, k, v] = (['q', 'k', 'v'] as const).map((name) => heads(linear(h, `h.${l}.attn.${name}`))) as [A.Var, A.Var, A.Var];
    options.onQueryKey?.(l, q, k);
    const y = A.reshape(A.transpose(A.attention(q, k, v), 1, 2), [B * T_, C]); // heads side by side again
    x = A.add(x, dropout(linear(y, `h.${l}.attn.o`), l, 1));
    // x = x + dropout(fc2(act(fc1(ln_2(x)))))
    const hidden = activate(getActivation(config.activation), linear(norm(x, `h.${l}.ln_2`), `h.${l}.mlp.fc1`));
    x = A.add(x, dropout(linear(hidden, `h.${l}.mlp.fc2`), l, 2));
  }
  if (config.finalNorm) x = norm(x, 'ln_f');
  const logits = A.matmul(x, p(config.tiedHead ? 'wte' : 'lm_head')!, { transB: true }); // (B·T, V)
  const loss = A.crossEntropy(logits, idTensor(targets));
  return {
    loss,
    dispose: () => {
      A.releaseGraph(loss);
      for (const t of made) t.dispose();
    },
  };
}

/** An MLP activation (built-in or registered, see activations.ts) as one autograd op. */
function activate(activation: Activation, x: A.Var): A.Var {
  const out = A.output(x.value, x.shape);
  activation.forward(x.value, out);
  return A.opResult('activation', [x], out, (o) => {
    if (x.requiresGrad) activation.backward(x.value, o.grad!, A.gradOf(x));
  });
}
