// Fill and strided copy: the kernels that views, concat, split and dtype casts are built on.
// Argument types first, then the JS kernels; the family's conformance cases are in layout.cases.ts.
import type { Tensor } from '../../tensor';
import { dataOf, elementIndices } from './storage';

/** Sets every element of `out` (any strides) to `value`. */
export interface FillArgs {
  /** The tensor to overwrite, any strides. */
  out: Tensor;
  /** The value every element gets (converted to out's dtype). */
  value: number;
}

/** dst = src elementwise, any strides on both, same shape; converts between dtypes (float → int truncates). */
export interface CopyArgs {
  /** Source, any strides and dtype. */
  src: Tensor;
  /** Destination, src's shape, any strides and dtype, overwritten. */
  dst: Tensor;
}

/** Sets every element of `out` (any strides) to `value`. */
export function fill({ out, value }: FillArgs): void {
  const data = dataOf(out);
  if (out.isContiguous()) {
    data.fill(value, out.offset, out.offset + out.size);
    return;
  }
  for (const i of elementIndices(out)) data[i] = value;
}

/** dst = src for any strides; typed-array assignment converts dtypes (float → int truncates toward zero). */
export function copy({ src, dst }: CopyArgs): void {
  const from = dataOf(src);
  const to = dataOf(dst);
  if (src.isContiguous() && dst.isContiguous() && src.dtype === dst.dtype) {
    to.set(from.subarray(src.offset, src.offset + src.size), dst.offset);
    return;
  }
  const fromIndices = src.isContiguous() ? null : elementIndices(src);
  const toIndices = dst.isContiguous() ? null : elementIndices(dst);
  for (let i = 0; i < src.size; i++) {
    to[toIndices ? toIndices[i]! : dst.offset + i] = from[fromIndices ? fromIndices[i]! : src.offset + i]!;
  }
}
