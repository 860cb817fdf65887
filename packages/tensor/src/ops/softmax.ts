// Softmax and log-softmax over the last axis, and their backward passes. Only the last axis: move another axis
// there with transpose first. Cross-entropy fuses its own softmax (ops/cross-entropy.ts).
import { kernel, sameBackend } from '../dispatch';
import { ShapeError } from '../errors';
import { shapeSize } from '../shape';
import type { Tensor } from '../tensor';
import { expectDType, expectFloat, expectShape, outputTensor, withViews } from './checks';

function forward(op: string, x: Tensor, out: Tensor | undefined, log: boolean): Tensor {
  const backend = sameBackend(op, [x, out]);
  const dtype = expectFloat(op, 'x', x);
  if (x.rank < 1) throw new ShapeError(`${op}: x must have at least 1 dimension, found []`);
  const result = outputTensor(op, 'out', out, x.shape, dtype, backend);
  const rows = [shapeSize(x.shape.slice(0, -1)), x.shape[x.rank - 1]!];
  withViews((view) => {
    kernel(backend, 'softmax', dtype)({ x: view(x, rows), out: view(result, rows), log });
  });
  return result;
}

function backward(op: string, y: Tensor, dy: Tensor, dx: Tensor | undefined, log: boolean): Tensor {
  const backend = sameBackend(op, [y, dy, dx]);
  const dtype = expectFloat(op, 'y', y);
  if (y.rank < 1) throw new ShapeError(`${op}: y must have at least 1 dimension, found []`);
  expectDType(op, 'dy', dy, dtype);
  expectShape(op, 'dy', dy, y.shape);
  const grad = outputTensor(op, 'dx', dx, y.shape, dtype, backend);
  const rows = [shapeSize(y.shape.slice(0, -1)), y.shape[y.rank - 1]!];
  withViews((view) => {
    kernel(backend, 'softmaxBackward', dtype)({ y: view(y, rows), dy: view(dy, rows), dx: view(grad, rows), log });
  });
  return grad;
}

/**
 * Softmax over the last axis: out[…, j] = exp(x[…, j] - max) / Σ_k exp(x[…, k] - max). Subtracting the row max
 * keeps every finite input finite (logits of ±1000 are fine). A row that is all -Infinity gives NaN (0 / 0); a
 * row containing +Infinity gives NaN in every entry (Infinity - Infinity), as does a row containing NaN.
 * @param x (…, C) float32 or float64, rank ≥ 1.
 * @param out optional (…, C) contiguous tensor of x's dtype to write into.
 * @returns out, (…, C), x's dtype.
 * @throws {DTypeError} when x is not float or out's dtype differs.
 * @throws {ShapeError} for a scalar x or a misfit out.
 */
export function softmax(x: Tensor, out?: Tensor): Tensor {
  return forward('softmax', x, out, false);
}

/**
 * Log-softmax over the last axis: out[…, j] = x[…, j] - max - log Σ_k exp(x[…, k] - max), accurate where
 * log(softmax(x)) underflows to -Infinity. Same edge cases as `softmax` (all -Infinity or any +Infinity/NaN: NaN row).
 * @param x (…, C) float32 or float64, rank ≥ 1.
 * @param out optional (…, C) contiguous tensor of x's dtype.
 * @returns out, (…, C).
 * @throws {DTypeError} when x is not float or out's dtype differs.
 * @throws {ShapeError} for a scalar x or a misfit out.
 */
export function logSoftmax(x: Tensor, out?: Tensor): Tensor {
  return forward('logSoftmax', x, out, true);
}

/**
 * Backward of `softmax` from its output: dx += y ⊙ (dy - Σ_k y_k dy_k) per row.
 * @param y (…, C) the forward output.
 * @param dy (…, C) gradient of the loss with respect to y, y's dtype.
 * @param dx optional contiguous (…, C) gradient to add into; a zero tensor is allocated when absent.
 * @returns dx.
 * @throws {DTypeError} for non-float y or dtypes that differ.
 * @throws {ShapeError} when dy or dx differ from y's shape.
 */
export function softmaxBackward(y: Tensor, dy: Tensor, dx?: Tensor): Tensor {
  return backward('softmaxBackward', y, dy, dx, false);
}

/**
 * Backward of `logSoftmax` from its output: dx += dy - exp(y) · Σ_k dy_k per row.
 * @param y (…, C) the forward output (log-probabilities).
 * @param dy (…, C) gradient with respect to y, y's dtype.
 * @param dx optional contiguous (…, C) gradient to add into; a zero tensor is allocated when absent.
 * @returns dx.
 * @throws {DTypeError} for non-float y or dtypes that differ.
 * @throws {ShapeError} when dy or dx differ from y's shape.
 */
export function logSoftmaxBackward(y: Tensor, dy: Tensor, dx?: Tensor): Tensor {
  return backward('logSoftmaxBackward', y, dy, dx, true);
}
