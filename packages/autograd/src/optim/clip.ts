// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): one norm over every gradient, and all
// of them scaled down together when it is too large, so the update keeps its direction.
import * as T from '@microgpt/tensor';
import { acquire, release } from '../pool';
import { type Params, paramVars } from './params';

/** Sum of g² over a gradient, with the squares and the sum in pooled buffers (no allocation once warm). */
function sumOfSquares(g: T.Tensor): number {
  const squares = acquire(g.shape, g.dtype, g.backend, false);
  const total = acquire([], g.dtype, g.backend, false);
  T.mul(g, g, squares);
  T.sum(squares, null, { out: total });
  const value = g.backend.readSync!(total.storage, total.offset, 1)[0]!;
  release(squares);
  release(total);
  return value;
}

/**
 * Clips gradients by their global L2 norm, in place. The norm is sqrt of the sum over every gradient's
 * Σg² (each gradient's sum in its own dtype, accumulated across parameters in float64). When it exceeds
 * `maxNorm`, every gradient is multiplied by maxNorm / (norm + 1e-6), PyTorch's coefficient; otherwise none
 * is changed. A non-finite norm (an overflow or NaN in some gradient) is returned and nothing is scaled, so
 * the caller can stop or skip the step. Parameters with a null grad are ignored; a Var listed twice counts
 * once.
 * @param params a Var[] or record of Vars, or optimizer-style groups (for example `optimizer.params`).
 * @returns the total norm before clipping (0 when there are no gradients).
 * @throws {RangeError} when maxNorm is negative or NaN (Infinity only measures the norm).
 */
export function clipGradNorm(params: Params, maxNorm: number): number {
  if (!(maxNorm >= 0)) throw new RangeError(`clipGradNorm: maxNorm must be ≥ 0, found ${maxNorm}`);
  const vars = paramVars(params);
  let total = 0;
  for (const v of vars) if (v.grad) total += sumOfSquares(v.grad);
  const norm = Math.sqrt(total);
  if (Number.isFinite(norm) && norm > maxNorm) {
    const scale = maxNorm / (norm + 1e-6);
    for (const v of vars) if (v.grad) T.mul(v.grad, scale, v.grad);
  }
  return norm;
}
