// Gradient clipping by global norm (torch.nn.utils.clip_grad_norm_): one norm over every gradient, and all
// of them scaled down together when it is too large, so the update keeps its direction. The norm is computed on
// the gradients' backend and read back once (asynchronously, so a GPU is not stalled per gradient); a trainer that
// reads its loss too reads both together (`gradNorm`, then `clipGradients`).
import * as T from '@microgpt/tensor';
import { acquire, release } from '../pool';
import { type Params, paramVars } from './params';

/**
 * The global L2 norm of the gradients as they are at this call: sqrt of the sum over every gradient's Σg² (each
 * gradient's sum computed on its backend in its own dtype, into pooled buffers; the sums read back with one
 * asynchronous read per backend and dtype, and accumulated across parameters in float64 in order). Work issued after
 * the call does not change the result. Parameters with a null grad are ignored; a Var listed twice counts once.
 * @param params a Var[] or record of Vars, or optimizer-style groups (for example `optimizer.params`).
 * @returns the norm (0 when there are no gradients); NaN or Infinity when a gradient holds one or overflows.
 */
export function gradNorm(params: Params): Promise<number> {
  // Gradients grouped by backend and dtype, one read per group; `places` is where each gradient's sum lands.
  const groups = new Map<T.Backend, Map<T.DType, T.Tensor[]>>();
  const places: { grads: T.Tensor[]; index: number }[] = [];
  for (const v of paramVars(params)) {
    const g = v.grad;
    if (!g) continue;
    let byDtype = groups.get(g.backend);
    if (!byDtype) groups.set(g.backend, (byDtype = new Map<T.DType, T.Tensor[]>()));
    let grads = byDtype.get(g.dtype);
    if (!grads) byDtype.set(g.dtype, (grads = []));
    places.push({ grads, index: grads.length });
    grads.push(g);
  }
  const lists = [...groups.values()].flatMap((byDtype) => [...byDtype.values()]);
  return Promise.all(lists.map(sumsOfSquares)).then((sums) => {
    let total = 0;
    for (const { grads, index } of places) total += sums[lists.indexOf(grads)]![index]!;
    return Math.sqrt(total);
  });
}

/**
 * Σg² of each gradient of `grads` (one backend and dtype) into one pooled (n) buffer, read back with one
 * asynchronous read. The read takes its copy before it returns, so the buffers go back to the pool at once.
 */
function sumsOfSquares(grads: readonly T.Tensor[]): Promise<T.TypedArray> {
  const { backend, dtype } = grads[0]!;
  const sums = acquire([grads.length], dtype, backend, false);
  grads.forEach((g, i) => {
    const squares = acquire(g.shape, dtype, backend, false);
    const out = T.Tensor.view(sums.storage, [], [], sums.offset + i);
    T.mul(g, g, squares);
    T.sum(squares, null, { out });
    out.dispose();
    release(squares);
  });
  const read = backend.readAsync(sums.storage, sums.offset, grads.length);
  release(sums);
  return read;
}

/**
 * Scales every gradient in place by maxNorm / (norm + 1e-6), PyTorch's coefficient, when `norm` (from
 * {@link gradNorm}) is finite and exceeds `maxNorm`; otherwise changes nothing, so a caller that finds a non-finite
 * norm can stop or skip the step.
 * @returns whether the gradients were scaled.
 * @throws {RangeError} when maxNorm is negative or NaN (Infinity never clips).
 */
export function clipGradients(params: Params, norm: number, maxNorm: number): boolean {
  checkMaxNorm('clipGradients', maxNorm);
  if (!(Number.isFinite(norm) && norm > maxNorm)) return false;
  const scale = maxNorm / (norm + 1e-6);
  for (const v of paramVars(params)) if (v.grad) T.mul(v.grad, scale, v.grad);
  return true;
}

/**
 * Clips gradients by their global L2 norm, in place: {@link gradNorm}, awaited, then {@link clipGradients}. A
 * non-finite norm (an overflow or NaN in some gradient) is returned and nothing is scaled.
 * @param params a Var[] or record of Vars, or optimizer-style groups (for example `optimizer.params`).
 * @returns the total norm before clipping (0 when there are no gradients).
 * @throws {RangeError} (as a rejection) when maxNorm is negative or NaN (Infinity only measures the norm).
 */
export async function clipGradNorm(params: Params, maxNorm: number): Promise<number> {
  checkMaxNorm('clipGradNorm', maxNorm);
  const norm = await gradNorm(params);
  clipGradients(params, norm, maxNorm);
  return norm;
}

function checkMaxNorm(op: string, maxNorm: number): void {
  if (!(maxNorm >= 0)) throw new RangeError(`${op}: maxNorm must be ≥ 0, found ${maxNorm}`);
}
