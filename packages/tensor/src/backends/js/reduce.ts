// Sum, mean and max along one axis of a contiguous tensor viewed as (outer, n, inner). Sums run in float64.
// Argument types first, then the JS kernels; the family's conformance cases are in reduce.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/** Reductions along one axis. */
export type ReduceOp = 'sum' | 'mean' | 'max';

/**
 * x contiguous, read as (outer, n, inner) whatever its shape; out contiguous, read as (outer, inner) = op over
 * the n axis. Ops never send `max` an empty axis (n = 0); sum gives 0 and mean NaN there.
 */
export interface ReduceArgs {
  /** The reduction: sum, mean or max. */
  op: ReduceOp;
  /** Input, contiguous, read as (outer, n, inner). */
  x: Tensor;
  /** Result, contiguous, read as (outer, inner), overwritten. */
  out: Tensor;
  /** Product of the axes before the reduced one (1 if none). */
  outer: number;
  /** Length of the reduced axis. */
  n: number;
  /** Product of the axes after the reduced one (1 if none). */
  inner: number;
}

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
