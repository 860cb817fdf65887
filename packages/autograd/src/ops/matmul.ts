// Matmul and its backward. With out = op(a)·op(b): dA = dOut·op(b)ᵀ (transposed back when transA), and
// dB = op(a)ᵀ·dOut likewise; a 2-D operand shared across a batch sums its gradient over the batch.
import * as T from '@microgpt/tensor';
import { release } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use aᵀ: a is (K, M) or (B, K, M). */
  transA?: boolean;
  /** Use bᵀ: b is (N, K) or (B, N, K). */
  transB?: boolean;
}

function productShape(a: T.Tensor, b: T.Tensor, transA: boolean, transB: boolean): number[] {
  const M = a.shape[a.rank - (transA ? 1 : 2)]!;
  const N = b.shape[b.rank - (transB ? 2 : 1)]!;
  if (a.rank === 2 && b.rank === 2) return [M, N];
  const batch = a.rank === 3 ? a.shape[0]! : b.shape[0]!;
  return [batch, M, N];
}

/** Adds `product` into the gradient of a 2-D operand from a batched (B, …) product, summing over B. */
function addBatched(grad: T.Tensor, product: (out: T.Tensor, accumulate: boolean) => void, batchShape: readonly number[]): void {
  if (grad.rank === batchShape.length) {
    product(grad, true);
    return;
  }
  // (B, R, C) products summed over B: compute into a pooled buffer, then reduce into the 2-D gradient.
  const full = output(grad, batchShape);
  product(full, false);
  const summed = output(grad, grad.shape);
  T.sum(full, 0, { out: summed });
  T.add(grad, summed, grad);
  release(full);
  release(summed);
}

/**
 * Differentiable matmul: (M, K)·(K, N) or batched (B, M, K)·(B, K, N), either side transposed, a 2-D side
 * shared across the batch. Shapes and errors as `matmul` in @microgpt/tensor.
 */
export function matmul(a: Var, b: Var, options: MatmulOptions = {}): Var {
  const { transA = false, transB = false } = options;
  const out = output(a.value, productShape(a.value, b.value, transA, transB));
  T.matmul(a.value, b.value, { transA, transB, out });
  return opResult('matmul', [a, b], out, (o) => {
    const dOut = o.grad!;
    if (a.requiresGrad) {
      // dA = dOut·op(b)ᵀ, or (dOut·op(b)ᵀ)ᵀ = op(b)·dOutᵀ when a was transposed.
      const product = (into: T.Tensor, accumulate: boolean): void => {
        if (transA) T.matmul(b.value, dOut, { transA: transB, transB: true, out: into, accumulate });
        else T.matmul(dOut, b.value, { transB: !transB, out: into, accumulate });
      };
      addBatched(gradOf(a), product, dOut.rank === 3 ? [dOut.shape[0]!, ...a.shape.slice(-2)] : a.shape);
    }
    if (b.requiresGrad) {
      // dB = op(a)ᵀ·dOut, or dOutᵀ·op(a) when b was transposed.
      const product = (into: T.Tensor, accumulate: boolean): void => {
        if (transB) T.matmul(dOut, a.value, { transA: true, transB: transA, out: into, accumulate });
        else T.matmul(a.value, dOut, { transA: !transA, out: into, accumulate });
      };
      addBatched(gradOf(b), product, dOut.rank === 3 ? [dOut.shape[0]!, ...b.shape.slice(-2)] : b.shape);
    }
  });
}
