// Causal multi-head scaled dot-product attention on (B, H, T, D) tensors, KV-cache aware through `offset`, and
// its backward. Left out: padding masks, dropout, grouped-query heads (k, v have as many heads as q).
import { kernel, sameBackend } from '../dispatch';
import type { FloatDType } from '../dtype';
import { ShapeError, formatShape } from '../errors';
import type { Tensor } from '../tensor';
import { expectDType, expectFloat, expectShape, outputTensor, withContiguous } from './checks';

interface Checked {
  dtype: FloatDType;
  b: number;
  h: number;
  tq: number;
  tk: number;
  d: number;
  scale: number;
  offset: number;
}

/** Checks q, k, v against each other and resolves offset (default Tk - Tq) and scale (default 1 / √D). */
function checkQkv(op: string, q: Tensor, k: Tensor, v: Tensor, options: { offset?: number; scale?: number }): Checked {
  const dtype = expectFloat(op, 'q', q);
  expectDType(op, 'k', k, dtype);
  expectDType(op, 'v', v, dtype);
  const fits = q.rank === 4 && k.rank === 4 && q.shape[0] === k.shape[0] && q.shape[1] === k.shape[1] && q.shape[3] === k.shape[3];
  if (!fits) {
    throw new ShapeError(`${op}: q is ${formatShape(q.shape)}, k is ${formatShape(k.shape)}; expected (B, H, Tq, D) and (B, H, Tk, D)`);
  }
  expectShape(op, 'v', v, k.shape);
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const { offset = tk - tq, scale = 1 / Math.sqrt(d) } = options;
  if (!Number.isInteger(offset) || offset < 0 || tk < offset + tq) {
    throw new ShapeError(
      `${op}: q is ${formatShape(q.shape)}, k is ${formatShape(k.shape)}, offset is ${offset}; ` +
        'need an integer offset ≥ 0 with Tk ≥ offset + Tq',
    );
  }
  return { dtype, b, h, tq, tk, d, scale, offset };
}

/** Options of `attention`. */
export interface AttentionOptions {
  /** Absolute position of the first query: tokens already in the KV cache (default Tk - Tq). */
  offset?: number;
  /** Multiplies q · k before the softmax (default 1 / √D). */
  scale?: number;
  /** Contiguous (B, H, Tq, D) output to write into. */
  out?: Tensor;
  /** Contiguous (B, H, Tq, Tk) tensor for the attention probabilities. */
  att?: Tensor;
}

/**
 * Causal attention: att = softmax(scale · q kᵀ) with query i (absolute position offset + i) seeing keys
 * 0 … offset + i, and out = att v. Masked entries of att are exactly 0. With the default offset Tk - Tq the
 * queries are the last Tq positions of the keys (Tq = Tk: ordinary training; Tq = 1: one step of a KV cache).
 * @param q (B, H, Tq, D) float32 or float64.
 * @param k (B, H, Tk, D) and v (B, H, Tk, D), q's dtype.
 * @returns out (B, H, Tq, D) and att (B, H, Tq, Tk), the probabilities `attentionBackward` needs.
 * @throws {ShapeError} when the shapes do not fit, or offset is not an integer ≥ 0 with Tk ≥ offset + Tq.
 * @throws {DTypeError} when q is not float or another tensor's dtype differs.
 */
export function attention(q: Tensor, k: Tensor, v: Tensor, options: AttentionOptions = {}): {
  /** att · v, (B, H, Tq, D). */
  out: Tensor;
  /** The attention probabilities, (B, H, Tq, Tk), 0 where masked; pass them to `attentionBackward`. */
  att: Tensor;
} {
  const op = 'attention';
  const backend = sameBackend(op, [q, k, v, options.out, options.att]);
  const { dtype, b, h, tq, tk, scale, offset } = checkQkv(op, q, k, v, options);
  const out = outputTensor(op, 'out', options.out, q.shape, dtype, backend);
  const att = outputTensor(op, 'att', options.att, [b, h, tq, tk], dtype, backend);
  withContiguous([q, k, v], (qc, kc, vc) => {
    kernel(backend, 'attention', dtype)({ q: qc, k: kc, v: vc, out, att, scale, offset });
  });
  return { out, att };
}

/** Options of `attentionBackward`: the forward's scale and offset, and gradients to add into. */
export interface AttentionBackwardOptions {
  /** As in the forward (default 1 / √D). */
  scale?: number;
  /** As in the forward (default Tk - Tq). */
  offset?: number;
  /** Contiguous gradient to add ∂L/∂q into, q's shape; allocated (zero) when absent. */
  dq?: Tensor;
  /** Contiguous gradient to add ∂L/∂k into, k's shape; allocated (zero) when absent. */
  dk?: Tensor;
  /** Contiguous gradient to add ∂L/∂v into, v's shape; allocated (zero) when absent. */
  dv?: Tensor;
}

/**
 * Backward of `attention`: dq += ∂L/∂q, dk += ∂L/∂k, dv += ∂L/∂v, given the forward's att and dout = ∂L/∂out.
 * @param q (B, H, Tq, D), k and v (B, H, Tk, D): the forward inputs.
 * @param att (B, H, Tq, Tk) from the forward.
 * @param dout (B, H, Tq, D).
 * @returns dq, dk, dv.
 * @throws {ShapeError} when a shape does not fit q, k or v, or the offset does not fit (as in `attention`).
 * @throws {DTypeError} when q is not float or another tensor's dtype differs.
 */
export function attentionBackward(
  q: Tensor,
  k: Tensor,
  v: Tensor,
  att: Tensor,
  dout: Tensor,
  options: AttentionBackwardOptions = {},
): {
  /** ∂L/∂q, (B, H, Tq, D) (the given `options.dq`, added into, when there is one). */
  dq: Tensor;
  /** ∂L/∂k, (B, H, Tk, D) (the given `options.dk`, added into, when there is one). */
  dk: Tensor;
  /** ∂L/∂v, (B, H, Tk, D) (the given `options.dv`, added into, when there is one). */
  dv: Tensor;
} {
  const op = 'attentionBackward';
  const backend = sameBackend(op, [q, k, v, att, dout, options.dq, options.dk, options.dv]);
  const { dtype, b, h, tq, tk, scale, offset } = checkQkv(op, q, k, v, options);
  expectDType(op, 'att', att, dtype);
  expectShape(op, 'att', att, [b, h, tq, tk]);
  expectDType(op, 'dout', dout, dtype);
  expectShape(op, 'dout', dout, q.shape);
  const dq = outputTensor(op, 'dq', options.dq, q.shape, dtype, backend);
  const dk = outputTensor(op, 'dk', options.dk, k.shape, dtype, backend);
  const dv = outputTensor(op, 'dv', options.dv, v.shape, dtype, backend);
  withContiguous([q, k, v, att, dout], (qc, kc, vc, ac, dc) => {
    kernel(backend, 'attentionBackward', dtype)({ q: qc, k: kc, v: vc, att: ac, dout: dc, dq, dk, dv, scale, offset });
  });
  return { dq, dk, dv };
}
