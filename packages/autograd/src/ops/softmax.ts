// Softmax and log-softmax over the last axis. Their backward needs only the forward output (the tensor
// package's softmaxBackward works from y), so nothing is saved beyond the output itself.
import * as T from '@microgpt/tensor';
import { releasingOnError, withContiguous } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

function rowwise(op: 'softmax' | 'logSoftmax', x: Var): Var {
  const out = output(x.value, x.shape);
  releasingOnError([out], () => {
    withContiguous(x.value, (cx) => (op === 'softmax' ? T.softmax : T.logSoftmax)(cx, out));
  });
  return opResult(op, [x], out, (o) => {
    if (!x.requiresGrad) return;
    (op === 'softmax' ? T.softmaxBackward : T.logSoftmaxBackward)(o.value, o.grad!, gradOf(x));
  });
}

/**
 * Differentiable softmax over the last axis, stable for large logits (computed minus the row max). The
 * backward adds y ⊙ (dy - Σ y·dy) per row into x's gradient.
 * @param x (…, C) float32 or float64, rank ≥ 1 (may be a strided view); e.g. attention scores (B, H, T, T).
 * @returns (…, C), x's dtype; each row sums to 1.
 * @throws {DTypeError} when x is not float.
 * @throws {ShapeError} for a scalar x.
 */
export function softmax(x: Var): Var {
  return rowwise('softmax', x);
}

/**
 * Differentiable log-softmax over the last axis, accurate where log(softmax(x)) would underflow. The backward
 * adds dy - exp(y) · Σ dy per row into x's gradient.
 * @param x (…, C) float32 or float64, rank ≥ 1 (may be a strided view); e.g. logits (B, T, V).
 * @returns (…, C) log-probabilities, x's dtype.
 * @throws {DTypeError} when x is not float.
 * @throws {ShapeError} for a scalar x.
 */
export function logSoftmax(x: Var): Var {
  return rowwise('logSoftmax', x);
}
