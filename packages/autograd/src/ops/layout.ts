// Reshape, transpose, slice, concat and split: moving elements without arithmetic. Reshape (of contiguous data),
// transpose and slice are views of their input; their backward adds the gradient back in the input's layout.
import * as T from '@microgpt/tensor';
import { release } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/** `shape` with its one allowed -1 inferred from `from`'s size. @throws {ShapeError} when the sizes differ. */
function resolveShape(from: T.Tensor, shape: T.Shape): number[] {
  const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
  const inferred = shape.filter((d) => d === -1).length;
  const resolved = shape.map((d) => (d === -1 && known !== 0 ? from.size / known : d));
  const valid = inferred <= 1 && resolved.every((d) => Number.isInteger(d) && d >= 0) && T.shapeSize(resolved) === from.size;
  if (!valid) {
    throw new T.ShapeError(`reshape: cannot view ${T.formatShape(from.shape)} (${from.size} elements) as ${T.formatShape(shape)}`);
  }
  return resolved;
}

/**
 * Differentiable reshape: the same elements in a new shape (one dimension may be -1, inferred). A view of x's
 * value when it is contiguous; otherwise (a transposed x) a pooled copy. The backward adds the output gradient,
 * viewed in x's shape, into x's gradient.
 * @param x any shape; shape: the new shape, with x's number of elements.
 * @throws {ShapeError} when the element counts differ or -1 cannot be inferred.
 */
export function reshape(x: Var, shape: T.Shape): Var {
  const resolved = resolveShape(x.value, shape);
  const backward = (o: Var): void => {
    if (!x.requiresGrad) return;
    const dx = gradOf(x);
    const back = o.grad!.reshape(x.shape); // o.grad is a pooled contiguous buffer: always a view
    T.add(dx, back, dx);
    back.dispose();
  };
  if (x.value.isContiguous()) return opResult('reshape', [x], x.value.reshape(resolved), backward, { view: true });
  const out = output(x.value, resolved);
  const asX = out.reshape(x.shape);
  T.copy(x.value, asX);
  asX.dispose();
  return opResult('reshape', [x], out, backward);
}

/**
 * Differentiable transpose: a view of x with dimensions dim0 and dim1 swapped (default the last two, negative
 * counting from the end). The backward adds the output gradient, transposed back, into x's gradient.
 * @param x rank ≥ 2 for the defaults; e.g. (B, T, H, D) with dims 1, 2 gives (B, H, T, D).
 * @throws {ShapeError} for an axis outside x's rank.
 */
export function transpose(x: Var, dim0 = -2, dim1 = -1): Var {
  const value = x.value.transpose(dim0, dim1);
  return opResult(
    'transpose',
    [x],
    value,
    (o) => {
      if (!x.requiresGrad) return;
      const dx = gradOf(x);
      const back = o.grad!.transpose(dim0, dim1);
      T.add(dx, back, dx);
      back.dispose();
    },
    { view: true },
  );
}

/** Adds `contribution` into `target`, which may be a strided view (the tensor ops write only contiguous outputs). */
function addInto(target: T.Tensor, contribution: T.Tensor): void {
  if (target.isContiguous()) {
    T.add(target, contribution, target);
    return;
  }
  const sum = output(contribution, contribution.shape);
  T.add(target, contribution, sum);
  T.copy(sum, target);
  release(sum);
}

/**
 * Differentiable slice: a view of indices [start, end) of x along `axis` (negative values count from the end).
 * The backward adds the output gradient into that slice of x's gradient.
 * @param x any shape of rank ≥ 1; e.g. (B, T, 3C) sliced along -1 from C to 2C gives (B, T, C).
 * @throws {ShapeError} for an axis outside x's rank.
 * @throws {IndexError} when the range is outside the dimension.
 */
export function slice(x: Var, axis: number, start: number, end?: number): Var {
  const value = x.value.slice(axis, start, end);
  return opResult(
    'slice',
    [x],
    value,
    (o) => {
      if (!x.requiresGrad) return;
      const part = gradOf(x).slice(axis, start, end);
      addInto(part, o.grad!);
      part.dispose();
    },
    { view: true },
  );
}

/**
 * Differentiable concat of `xs` along `axis` into a pooled output; the backward adds each slice of the output
 * gradient into the gradient of the input it came from. A Var may appear more than once.
 * @param xs one or more Vars of one dtype and backend with equal dimensions except along `axis` (any may have
 * size 0 there); e.g. three (B, T, C) along -1 give (B, T, 3C).
 * @throws {ShapeError} for an empty list, mismatched shapes or dtypes, or an axis outside the rank.
 * @throws {BackendError} for Vars on different backends.
 */
export function concat(xs: readonly Var[], axis = 0): Var {
  const first = xs[0]?.value;
  if (!first) throw new T.ShapeError('concat: needs at least one Var');
  T.sameBackend('concat', xs.map((x) => x.value));
  const ax = T.normalizeAxis('concat', axis, first.rank);
  let total = 0;
  for (const [i, x] of xs.entries()) {
    const t = x.value;
    const fits = t.rank === first.rank && t.dtype === first.dtype && t.shape.every((d, j) => j === ax || d === first.shape[j]);
    if (!fits) {
      throw new T.ShapeError(
        `concat: Var ${i} is ${t.dtype} ${T.formatShape(t.shape)}, but Var 0 is ${first.dtype} ${T.formatShape(first.shape)} (axis ${axis} may differ)`,
      );
    }
    total += t.shape[ax]!;
  }
  const out = output(first, first.shape.map((d, j) => (j === ax ? total : d)));
  // Each input's [start, end) along the axis, for the forward copies and the backward slices.
  const ranges: [number, number][] = [];
  let start = 0;
  for (const x of xs) {
    const end = start + x.shape[ax]!;
    ranges.push([start, end]);
    const target = out.slice(ax, start, end);
    T.copy(x.value, target);
    target.dispose();
    start = end;
  }
  return opResult('concat', xs, out, (o) => {
    for (const [i, x] of xs.entries()) {
      if (!x.requiresGrad) continue;
      const [from, to] = ranges[i]!;
      const part = o.grad!.slice(ax, from, to);
      const dx = gradOf(x);
      T.add(dx, part, dx);
      part.dispose();
    }
  });
}

/**
 * Differentiable split of x along `axis` into consecutive pieces of the given sizes: one {@link slice} view per
 * piece, so each piece's backward adds into its own part of x's gradient.
 * @param x any shape of rank ≥ 1; e.g. (B, T, 3C) with sizes [C, C, C] along -1 gives three (B, T, C).
 * @throws {ShapeError} when the sizes are not integers ≥ 0 adding up to the dimension, or for a bad axis.
 */
export function split(x: Var, sizes: readonly number[], axis = 0): Var[] {
  const ax = T.normalizeAxis('split', axis, x.value.rank);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x.shape[ax] || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new T.ShapeError(`split: sizes [${sizes.join(', ')}] do not add up to dimension ${axis} of ${T.formatShape(x.shape)}`);
  }
  let start = 0;
  return sizes.map((size) => {
    const piece = slice(x, ax, start, start + size);
    start += size;
    return piece;
  });
}
