// Test helpers for the optimizers: set a parameter's gradient, read values, and a fixed gradient schedule that
// the optimizer under test and the plain reference loop in each test share.
import { type Var, gradOf } from '../var';

/** Writes `values` into v's gradient (created if needed). */
export function setGrad(v: Var, values: readonly number[]): void {
  const g = gradOf(v);
  g.backend.write(g.storage, g.offset, v.dtype === 'float32' ? Float32Array.from(values) : Float64Array.from(values));
}

/** The values of a parameter as plain numbers. */
export const valuesOf = (v: Var): number[] => Array.from(v.value.toArray());

/** Gradient of element i at step k: varied signs and sizes, the same in the optimizer and the loop. */
export const gradAt = (k: number, n: number): number[] => Array.from({ length: n }, (_, i) => Math.sin(3 * k + i + 1) * (i + 1) * 0.25);
