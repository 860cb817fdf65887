// Fill and strided copy: the kernels that views, concat, split and dtype casts are built on.
import type { CopyArgs, FillArgs } from '../../backend';
import { dataOf, elementIndices } from './storage';

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
