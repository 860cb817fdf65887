// Central finite differences, the reference every backward kernel is checked against (in float64).
import type { Tensor } from '../tensor';

/**
 * ∂f/∂x for every element of `x` by central differences (f(x + h) - f(x - h)) / 2h, perturbing `x` in place
 * and restoring it. `x` should be a contiguous float64 tensor so that h = 1e-6 gives about 1e-8 accuracy.
 */
export function numericGradient(f: () => number, x: Tensor, h = 1e-6): Float64Array {
  const gradient = new Float64Array(x.size);
  const base = x.toArray();
  const probe = base.slice();
  const set = (i: number, value: number): void => {
    probe[i] = value;
    x.backend.write(x.storage, x.offset, probe);
  };
  for (let i = 0; i < x.size; i++) {
    const xi = base[i]!;
    set(i, xi + h);
    const up = f();
    set(i, xi - h);
    const down = f();
    set(i, xi);
    gradient[i] = (up - down) / (2 * h);
  }
  return gradient;
}

/** Σ out[i] · weights[i]: a scalar loss whose gradient with respect to `out` is `weights`. */
export function weightedSum(out: Tensor, weights: Tensor): number {
  const a = out.toArray();
  const w = weights.toArray();
  let total = 0;
  for (let i = 0; i < a.length; i++) total += a[i]! * w[i]!;
  return total;
}
