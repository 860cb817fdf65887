// Shape arithmetic shared by tensors and ops: sizes, row-major strides, broadcasting, axis checks.
import { IndexError, ShapeError, formatShape } from './errors';

/** A tensor's dimensions, outermost first. */
export type Shape = readonly number[];

/** Number of elements of `shape` (1 for a scalar `[]`). */
export function shapeSize(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides of a contiguous tensor of `shape`, in elements. */
export function contiguousStrides(shape: Shape): number[] {
  const strides = new Array<number>(shape.length);
  let stride = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = stride;
    stride *= shape[i]!;
  }
  return strides;
}

/** True when both shapes have the same rank and dimensions. */
export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/**
 * Checks that `shape` is a list of non-negative integers.
 * @throws {ShapeError} naming `op` and the bad dimension.
 */
export function checkShape(op: string, shape: Shape): void {
  for (const [i, d] of shape.entries()) {
    if (!Number.isInteger(d) || d < 0) {
      throw new ShapeError(`${op}: dimension ${i} of ${formatShape(shape)} must be a non-negative integer, found ${d}`);
    }
  }
}

/**
 * The shape both inputs broadcast to, NumPy rules: align on the right, a dimension of 1 stretches.
 * @throws {ShapeError} when a pair of dimensions differs and neither is 1.
 */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const rank = Math.max(a.length, b.length);
  const out = new Array<number>(rank);
  for (let i = 0; i < rank; i++) {
    const da = a[a.length - rank + i] ?? 1;
    const db = b[b.length - rank + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(
        `${op}: shapes ${formatShape(a)} and ${formatShape(b)} do not broadcast (dimension ${i}: ${da} vs ${db})`,
      );
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/**
 * Resolves a possibly negative axis against `rank`.
 * @throws {IndexError} when the axis is outside [-rank, rank).
 */
export function normalizeAxis(op: string, axis: number, rank: number): number {
  const resolved = axis < 0 ? axis + rank : axis;
  if (!Number.isInteger(axis) || resolved < 0 || resolved >= rank) {
    throw new IndexError(`${op}: axis ${axis} is outside [${-rank}, ${rank}) for a rank-${rank} tensor`);
  }
  return resolved;
}
