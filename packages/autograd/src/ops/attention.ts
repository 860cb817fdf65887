// Causal multi-head attention on (B, H, T, D) Vars as one tape entry: the forward saves the softmax
// probabilities `att` in a pooled buffer and the backward is the tensor package's fused attentionBackward.
import * as T from '@microgpt/tensor';
import { release, releasingOnError } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/** Options of {@link attention}. */
export interface AttentionOptions {
  /** Absolute position of the first query: tokens already in the KV cache (default Tk - Tq). */
  offset?: number;
  /** Multiplies q · k before the softmax (default 1 / √D). */
  scale?: number;
}

/**
 * `v.value` when contiguous; otherwise a pooled contiguous copy (pushed onto `copies`), so that neither the
 * forward nor the backward kernel allocates one of its own for a transposed view of q, k or v.
 */
function contiguousOf(v: Var, copies: T.Tensor[]): T.Tensor {
  if (v.value.isContiguous()) return v.value;
  const copy = output(v.value, v.shape);
  T.copy(v.value, copy);
  copies.push(copy);
  return copy;
}

/**
 * Differentiable causal scaled dot-product attention: att = softmax(scale · q kᵀ) with query i (absolute
 * position offset + i) seeing keys 0 … offset + i, and out = att v. With the default offset Tk - Tq the queries
 * are the last Tq positions (Tq = Tk in training).
 * @param q (B, H, Tq, D) float32 or float64.
 * @param k (B, H, Tk, D) and v (B, H, Tk, D), q's dtype; any of q, k, v may be the same Var.
 * @returns (B, H, Tq, D).
 * @throws {ShapeError} when the shapes do not fit, or offset is not an integer ≥ 0 with Tk ≥ offset + Tq.
 * @throws {DTypeError} when q is not float or k or v has another dtype.
 */
export function attention(q: Var, k: Var, v: Var, options: AttentionOptions = {}): Var {
  if (q.value.rank !== 4 || k.value.rank !== 4) {
    throw new T.ShapeError(
      `attention: q is ${T.formatShape(q.shape)}, k is ${T.formatShape(k.shape)}; expected (B, H, Tq, D) and (B, H, Tk, D)`,
    );
  }
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  // Resolved here so that the backward is certain to use the forward's values.
  const { offset = tk - tq, scale = 1 / Math.sqrt(d) } = options;
  const out = output(q.value, q.shape);
  const att = output(q.value, [b, h, tq, tk]);
  const saved = [att];
  // q, k and v may be one Var (self-attention): copy a non-contiguous one once, into a saved pooled buffer.
  const vars = [q, k, v];
  const inputs: T.Tensor[] = [];
  for (const x of vars) inputs.push(inputs[vars.indexOf(x)] ?? contiguousOf(x, saved));
  releasingOnError([out, ...saved], () => {
    T.attention(inputs[0]!, inputs[1]!, inputs[2]!, { offset, scale, out, att });
  });
  const [qc, kc, vc] = inputs as [T.Tensor, T.Tensor, T.Tensor];
  return opResult(
    'attention',
    [q, k, v],
    out,
    (o) => {
      // The kernel computes dq, dk and dv together; one that is not wanted goes into a pooled scratch.
      const scratch: T.Tensor[] = [];
      const gradOrScratch = (x: Var): T.Tensor => {
        if (x.requiresGrad) return gradOf(x);
        const t = output(x.value, x.shape);
        scratch.push(t);
        return t;
      };
      const dout = o.grad!;
      T.attentionBackward(qc, kc, vc, att, dout, { scale, offset, dq: gradOrScratch(q), dk: gradOrScratch(k), dv: gradOrScratch(v) });
      for (const t of scratch) release(t);
    },
    { saved },
  );
}
