// Sum, mean and max over one axis or over everything, and `reduceToShape`, which sums a broadcast gradient
// back to an operand's shape. Reductions over several chosen axes are left out (chain single-axis calls).
import type { ReduceOp } from '../backend';
import { kernel, sameBackend } from '../dispatch';
import { ShapeError, formatShape } from '../errors';
import { type Shape, normalizeAxis, shapeSize } from '../shape';
import type { Tensor } from '../tensor';
import { expectFloat, outputTensor, withContiguous } from './checks';

/** Options of {@link sum}, {@link mean} and {@link max}. */
export interface ReduceOptions {
  /** Keep the reduced axis (or every axis, when reducing everything) with size 1. */
  keepdims?: boolean;
  /** Write the result here (contiguous, of the result's shape and x's dtype). */
  out?: Tensor;
}

function reduceOp(op: ReduceOp, x: Tensor, axis: number | null | undefined, options: ReduceOptions): Tensor {
  const backend = sameBackend(op, [x, options.out]);
  const dtype = expectFloat(op, 'x', x);
  const keepdims = options.keepdims ?? false;
  let outer = 1;
  let n = x.size;
  let inner = 1;
  let shape: number[];
  if (axis === null || axis === undefined) {
    shape = keepdims ? x.shape.map(() => 1) : [];
    if (op === 'max' && n === 0) {
      throw new ShapeError(`max: x is ${formatShape(x.shape)} with no elements; the max of nothing is undefined`);
    }
  } else {
    const ax = normalizeAxis(op, axis, x.rank);
    outer = shapeSize(x.shape.slice(0, ax));
    n = x.shape[ax]!;
    inner = shapeSize(x.shape.slice(ax + 1));
    shape = keepdims ? x.shape.map((d, i) => (i === ax ? 1 : d)) : x.shape.filter((_, i) => i !== ax);
    if (op === 'max' && n === 0) {
      throw new ShapeError(`max: axis ${axis} of x ${formatShape(x.shape)} is empty; the max of nothing is undefined`);
    }
  }
  const out = outputTensor(op, 'out', options.out, shape, dtype, backend);
  withContiguous([x], (cx) => {
    kernel(backend, 'reduce', dtype)({ op, x: cx, out, outer, n, inner });
  });
  return out;
}

/**
 * Sum of x along `axis` (negative counts from the end), or of every element when `axis` is null or absent.
 * x: any shape, float. Result: x's shape without that axis (size 1 with `keepdims`), or [] (all ones with
 * `keepdims`) for a full reduction. An empty axis sums to 0.
 * @throws {IndexError} when `axis` is outside the rank.
 * @throws {DTypeError} when x is not float.
 * @throws {ShapeError} when `out` does not fit.
 */
export function sum(x: Tensor, axis?: number | null, options: ReduceOptions = {}): Tensor {
  return reduceOp('sum', x, axis, options);
}

/**
 * Mean of x along `axis`, or of every element; shapes and errors as {@link sum}. An empty axis gives NaN,
 * as in NumPy.
 */
export function mean(x: Tensor, axis?: number | null, options: ReduceOptions = {}): Tensor {
  return reduceOp('mean', x, axis, options);
}

/**
 * Maximum of x along `axis`, or of every element; shapes and errors as {@link sum}. NaN wins, as in NumPy.
 * @throws {ShapeError} also when the reduced axis (or the whole tensor) is empty.
 */
export function max(x: Tensor, axis?: number | null, options: ReduceOptions = {}): Tensor {
  return reduceOp('max', x, axis, options);
}

/**
 * Sums `grad`, the gradient of a result that `shape` was broadcast into, back down to `shape`: over the
 * leading axes `shape` lacks and over axes where `shape` has 1 and grad does not. grad: the broadcast shape,
 * float. Returns a new tensor of `shape` (a copy of grad when nothing needs summing).
 * @throws {ShapeError} when `shape` does not broadcast to grad's shape.
 */
export function reduceToShape(grad: Tensor, shape: Shape): Tensor {
  const lead = grad.rank - shape.length;
  if (lead < 0 || !shape.every((d, i) => d === 1 || d === grad.shape[lead + i])) {
    throw new ShapeError(`reduceToShape: ${formatShape(shape)} does not broadcast to the gradient's shape ${formatShape(grad.shape)}`);
  }
  expectFloat('reduceToShape', 'grad', grad);
  let current = lead === 0 ? grad.clone() : grad.reshape([shapeSize(grad.shape.slice(0, lead)), ...grad.shape.slice(lead)]);
  if (lead > 0) {
    const summed = sum(current, 0);
    current.dispose();
    current = summed;
  }
  for (const [i, d] of shape.entries()) {
    if (d === 1 && current.shape[i] !== 1) {
      const summed = sum(current, i, { keepdims: true });
      current.dispose();
      current = summed;
    }
  }
  return current;
}
