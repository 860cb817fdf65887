// Element-by-element comparison that reports the worst element, for tests and the conformance suite.
import type { TypedArray } from '../dtype';
import { Tensor } from '../tensor';

/** Tolerances: an element passes when |actual - expected| <= atol + rtol * |expected|. */
export interface Tolerance {
  /** Absolute tolerance: |actual - expected| ≤ atol + rtol · |expected| passes. */
  atol: number;
  /** Relative tolerance, a fraction of |expected|. */
  rtol: number;
}

/** Float32 kernels against a float64 reference: about 1e-4 relative after a few hundred additions. */
export const FLOAT32_TOLERANCE: Tolerance = { atol: 1e-5, rtol: 1e-4 };
/** Float64 kernels against a float64 reference computed in another order. */
export const FLOAT64_TOLERANCE: Tolerance = { atol: 1e-12, rtol: 1e-10 };

/** What `assertClose` compares: a tensor (read with `toArray()`), a typed array or a plain array of numbers. */
export type Values = Tensor | TypedArray | readonly number[];

function values(v: Values): ArrayLike<number> {
  return v instanceof Tensor ? v.toArray() : v;
}

/**
 * Throws unless `actual` and `expected` have the same length and every element is within tolerance. NaN
 * matches only NaN and ±Infinity only itself. The message names `label`, the worst index, both values,
 * and how many elements failed.
 */
export function assertClose(actual: Values, expected: Values, tolerance: Tolerance, label = 'values'): void {
  const a = values(actual);
  const e = values(expected);
  if (a.length !== e.length) throw new Error(`${label}: ${a.length} elements, expected ${e.length}`);
  let failures = 0;
  let worst = -1;
  let worstExcess = -Infinity;
  for (let i = 0; i < a.length; i++) {
    const x = a[i]!;
    const y = e[i]!;
    let excess: number;
    if (Number.isNaN(y) || Number.isNaN(x) || !Number.isFinite(y) || !Number.isFinite(x)) {
      excess = Object.is(x, y) || x === y ? -1 : Infinity;
    } else {
      excess = Math.abs(x - y) - (tolerance.atol + tolerance.rtol * Math.abs(y));
    }
    if (excess > 0) failures++;
    if (excess > worstExcess) {
      worstExcess = excess;
      worst = i;
    }
  }
  if (failures > 0) {
    throw new Error(
      `${label}: ${failures} of ${a.length} elements differ beyond atol ${tolerance.atol}, rtol ${tolerance.rtol}; ` +
        `worst at [${worst}]: ${a[worst]} vs expected ${e[worst]}`,
    );
  }
}
