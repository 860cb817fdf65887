// Fill, copy, concat and split: moving elements without arithmetic. Concat and split are copies into and
// out of slices, so a backend needs only the strided `copy` kernel for them.
import { kernel, sameBackend } from '../dispatch';
import { ShapeError, formatShape } from '../errors';
import { normalizeAxis, sameShape } from '../shape';
import { Tensor } from '../tensor';

/** Sets every element of `out` (any strides) to `value`; returns `out`. */
export function fill(out: Tensor, value: number): Tensor {
  kernel(sameBackend('fill', [out]), 'fill', out.dtype)({ out, value });
  return out;
}

/**
 * Copies `src` into `dst` (same shape, any strides, dtype converted); returns `dst`.
 * @throws {ShapeError} when the shapes differ.
 */
export function copy(src: Tensor, dst: Tensor): Tensor {
  const backend = sameBackend('copy', [src, dst]);
  if (!sameShape(src.shape, dst.shape)) {
    throw new ShapeError(`copy: src is ${formatShape(src.shape)}, dst is ${formatShape(dst.shape)}; shapes must match`);
  }
  kernel(backend, 'copy', dst.dtype)({ src, dst });
  return dst;
}

/**
 * Joins tensors along `axis` into a new tensor. All must share dtype and every other dimension.
 * @throws {ShapeError} for an empty list or mismatched shapes.
 */
export function concat(tensors: readonly Tensor[], axis = 0): Tensor {
  const first = tensors[0];
  if (!first) throw new ShapeError('concat: needs at least one tensor');
  const backend = sameBackend('concat', tensors);
  const ax = normalizeAxis('concat', axis, first.rank);
  let total = 0;
  for (const [i, t] of tensors.entries()) {
    const fits = t.rank === first.rank && t.dtype === first.dtype && t.shape.every((d, j) => j === ax || d === first.shape[j]);
    if (!fits) {
      throw new ShapeError(`concat: tensor ${i} is ${t.dtype} ${formatShape(t.shape)}, but tensor 0 is ${first.dtype} ${formatShape(first.shape)} (axis ${axis} may differ)`);
    }
    total += t.shape[ax]!;
  }
  const out = Tensor.empty(first.shape.map((d, j) => (j === ax ? total : d)), first.dtype, backend);
  let start = 0;
  for (const t of tensors) {
    const target = out.slice(ax, start, start + t.shape[ax]!);
    copy(t, target);
    target.dispose();
    start += t.shape[ax]!;
  }
  return out;
}

/**
 * Cuts `x` along `axis` into contiguous pieces of the given sizes.
 * @throws {ShapeError} when the sizes do not add up to the dimension.
 */
export function split(x: Tensor, sizes: readonly number[], axis = 0): Tensor[] {
  const ax = normalizeAxis('split', axis, x.rank);
  const total = sizes.reduce((a, b) => a + b, 0);
  if (total !== x.shape[ax] || sizes.some((s) => !Number.isInteger(s) || s < 0)) {
    throw new ShapeError(`split: sizes [${sizes.join(', ')}] do not add up to dimension ${axis} of ${formatShape(x.shape)}`);
  }
  let start = 0;
  return sizes.map((size) => {
    const view = x.slice(ax, start, start + size);
    start += size;
    const piece = view.clone();
    view.dispose();
    return piece;
  });
}
