// Argument checks shared by the ops: each error names the op, the argument, what was expected and what was found.
import type { Backend } from '../backend';
import { queueOf } from '../compose';
import { type DType, type FloatDType, type TypedArray, isFloatDType } from '../dtype';
import { BackendError, DTypeError, IndexError, ShapeError, formatShape } from '../errors';
import { type Shape, sameShape } from '../shape';
import { Tensor } from '../tensor';

/** @throws {DTypeError} unless `t` is float32 or float64. */
export function expectFloat(op: string, name: string, t: Tensor): FloatDType {
  if (!isFloatDType(t.dtype)) throw new DTypeError(`${op}: ${name} must be float32 or float64, found ${t.dtype}`);
  return t.dtype;
}

/** @throws {DTypeError} unless `t` has `dtype`. */
export function expectDType(op: string, name: string, t: Tensor, dtype: DType): void {
  if (t.dtype !== dtype) throw new DTypeError(`${op}: ${name} must be ${dtype}, found ${t.dtype}`);
}

/** @throws {ShapeError} unless `t` has exactly `shape`. */
export function expectShape(op: string, name: string, t: Tensor, shape: Shape): void {
  if (!sameShape(t.shape, shape)) {
    throw new ShapeError(`${op}: ${name} is ${formatShape(t.shape)}, expected ${formatShape(shape)}`);
  }
}

/** @throws {ShapeError} unless `t` has `rank` dimensions. */
export function expectRank(op: string, name: string, t: Tensor, rank: number): void {
  if (t.rank !== rank) throw new ShapeError(`${op}: ${name} must have ${rank} dimensions, found ${formatShape(t.shape)}`);
}

/**
 * Checks a buffer an op writes into or updates in place: its shape, dtype and contiguity.
 * @throws {ShapeError | DTypeError} when it does not fit.
 */
export function expectBuffer(op: string, name: string, t: Tensor, shape: Shape, dtype: DType): void {
  expectShape(op, name, t, shape);
  expectDType(op, name, t, dtype);
  if (!t.isContiguous()) throw new ShapeError(`${op}: ${name} must be contiguous (call .contiguous() or pass none)`);
}

/**
 * The output tensor of an op: `out` after `expectBuffer`, or a new zero tensor.
 * @throws {ShapeError | DTypeError} when a given `out` does not fit.
 */
export function outputTensor(op: string, name: string, out: Tensor | undefined, shape: Shape, dtype: DType, backend: Backend): Tensor {
  if (!out) return Tensor.empty(shape, dtype, backend);
  expectBuffer(op, name, out, shape, dtype);
  return out;
}

/**
 * Checks that an index tensor is int32 with every value in [low, high), before any kernel writes. On a backend that
 * reads only asynchronously the values are checked once read, in order with the work queued there (see
 * withAsyncFallback): the kernels that follow wait for the check, and a bad value rejects the next read instead.
 * @throws {DTypeError} when it is not int32.
 * @throws {IndexError} naming the first bad position and value, e.g. `embedding: ids[1, 0] = 70 is outside [0, 65)`.
 * @throws {BackendError} for a backend without readSync that is not wrapped in withAsyncFallback.
 */
export function checkIndices(op: string, name: string, t: Tensor, low: number, high: number, note = ''): void {
  expectDType(op, name, t, 'int32');
  const check = (values: TypedArray): void => {
    for (let i = 0; i < values.length; i++) {
      const value = values[i]!;
      if (value < low || value >= high) {
        throw new IndexError(`${op}: ${name}${formatIndex(i, t.shape)} = ${value} is outside [${low}, ${high})${note}`);
      }
    }
  };
  if (t.backend.readSync) {
    check(t.toArray());
    return;
  }
  const queue = queueOf(t.backend);
  if (!queue) {
    throw new BackendError(
      `${op}: backend '${t.backend.name}' reads only asynchronously, so ${name} can only be checked in its work queue; return withAsyncFallback(backend) from its factory`,
    );
  }
  const source = t.contiguous();
  queue.defer(async () => {
    check(await queue.base.readAsync(source.storage, source.offset, t.size));
  });
  source.dispose();
}

/** `[1, 2]`: the position of row-major element `flat` in `shape`. */
function formatIndex(flat: number, shape: Shape): string {
  const coords = new Array<number>(shape.length);
  let rest = flat;
  for (let d = shape.length - 1; d >= 0; d--) {
    coords[d] = rest % shape[d]!;
    rest = Math.floor(rest / shape[d]!);
  }
  return `[${coords.join(', ')}]`;
}

/** Calls `fn` with `view(t, shape)`: t reshaped (a view when contiguous, else a copy), disposed after `fn` returns. */
export function withViews<R>(fn: (view: (t: Tensor, shape: Shape) => Tensor) => R): R {
  const views: Tensor[] = [];
  const view = (t: Tensor, shape: Shape): Tensor => {
    const v = t.reshape(shape);
    views.push(v);
    return v;
  };
  try {
    return fn(view);
  } finally {
    for (const v of views) v.dispose();
  }
}

/**
 * Runs `fn` on contiguous versions of `tensors` (views where possible), disposing any temporary copies after.
 */
export function withContiguous<R>(tensors: readonly Tensor[], fn: (...contiguous: Tensor[]) => R): R {
  const temps = tensors.map((t) => t.contiguous());
  try {
    return fn(...temps);
  } finally {
    for (const t of temps) t.dispose();
  }
}
