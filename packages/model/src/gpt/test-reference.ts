// The slow path the planned passes are tested against: the same GPT written with @microgpt/autograd ops, as
// nanoGPT writes it with torch ops. Test-only (not exported); no dropout.
import * as A from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { headSize } from '../config';
import type { GPT } from './model';

/**
 * The mean cross-entropy of `model` on ids/targets (B, T), as an autograd graph over the model's own
 * parameter Vars (so `backward()` fills the same grads the planned pass does). `onQueryKey` sees each layer's
 * queries and keys, (B, NH, T, HS), for tests of the attention probabilities.
 */
export function referenceLoss(model: GPT, ids: Int32Array, targets: Int32Array, B: number, Tn: number, onQueryKey?: (layer: number, q: A.Var, k: A.Var) => void): A.Var {
  const { config, params } = model;
  const C = config.nEmbd;
  const NH = config.nHead;
  const HS = headSize(config);
  const p = (name: string): A.Var => params[name]!;
  const opt = (name: string): A.Var | null => params[name] ?? null;
  const backend = model.backend;
  const idsT = T.tensor(ids, { shape: [B * Tn], backend });
  const norm = (x: A.Var, name: string): A.Var =>
    config.norm === 'rmsnorm'
      ? A.rmsnorm(x, opt(`${name}.weight`), { eps: config.normEps })
      : A.layernorm(x, opt(`${name}.weight`), opt(`${name}.bias`), { eps: config.normEps });
  const linear = (x: A.Var, name: string): A.Var => {
    const y = A.matmul(x, p(`${name}.weight`), { transB: true });
    const bias = opt(`${name}.bias`);
    return bias ? A.add(y, bias) : y;
  };
  const heads = (x: A.Var): A.Var => A.transpose(A.reshape(x, [B, Tn, NH, HS]), 1, 2); // (B, NH, T, HS)
  let x = A.embedding(p('wte'), idsT); // (B·T, C)
  if (config.posEmb === 'learned') {
    const pos = T.tensor(Int32Array.from({ length: B * Tn }, (_, i) => i % Tn), { backend });
    x = A.add(x, A.embedding(p('wpe'), pos));
  }
  if (config.embedNorm) x = norm(x, 'ln_emb');
  for (let l = 0; l < config.nLayer; l++) {
    const h = norm(x, `h.${l}.ln_1`);
    const [q, k] = [heads(linear(h, `h.${l}.attn.q`)), heads(linear(h, `h.${l}.attn.k`))];
    onQueryKey?.(l, q, k);
    const att = A.attention(q, k, heads(linear(h, `h.${l}.attn.v`)));
    const y = A.reshape(A.transpose(att, 1, 2), [B * Tn, C]);
    x = A.add(x, linear(y, `h.${l}.attn.o`));
    const m = A.unary(activationOp(config.activation), linear(norm(x, `h.${l}.ln_2`), `h.${l}.mlp.fc1`));
    x = A.add(x, linear(m, `h.${l}.mlp.fc2`));
  }
  if (config.finalNorm) x = norm(x, 'ln_f');
  const logits = A.matmul(x, p(config.tiedHead ? 'wte' : 'lm_head'), { transB: true });
  return A.crossEntropy(logits, T.tensor(targets, { shape: [B * Tn], backend }));
}

function activationOp(name: string): T.UnaryOp {
  const ops: Record<string, T.UnaryOp> = { relu: 'relu', gelu: 'gelu_erf', gelu_tanh: 'gelu_tanh', silu: 'silu', squared_relu: 'squared_relu' };
  const op = ops[name];
  if (!op) throw new Error(`reference: no built-in activation '${name}'`);
  return op;
}
