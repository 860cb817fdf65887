// Sum, mean and max along one axis of a contiguous tensor viewed as (outer, n, inner). Sums run in float64.
import type { ReduceArgs } from '../../backend';
import { floatsOf } from './storage';

/**
 * out[o, j] = op over k of x[o, k, j]; x contiguous (outer, n, inner), out contiguous (outer, inner). The mean
 * of an empty axis is NaN (0/0); max propagates NaN and gives -∞ for an empty axis (ops reject that case).
 */
export function reduce({ op, x, out, outer, n, inner }: ReduceArgs): void {
  const X = floatsOf(x);
  const O = floatsOf(out);
  // One float64 slot per output column of the current outer index; rows of x are added in storage order.
  const acc = new Float64Array(inner);
  for (let o = 0; o < outer; o++) {
    const base = x.offset + o * n * inner;
    if (op === 'max') {
      acc.fill(-Infinity);
      for (let k = 0; k < n; k++) {
        const row = base + k * inner;
        for (let j = 0; j < inner; j++) {
          const v = X[row + j]!;
          if (v > acc[j]! || Number.isNaN(v)) acc[j] = v;
        }
      }
    } else {
      acc.fill(0);
      for (let k = 0; k < n; k++) {
        const row = base + k * inner;
        for (let j = 0; j < inner; j++) acc[j]! += X[row + j]!;
      }
    }
    const divisor = op === 'mean' ? n : 1;
    const target = out.offset + o * inner;
    for (let j = 0; j < inner; j++) O[target + j] = acc[j]! / divisor;
  }
}
