// gradCheck: the analytic gradient of a scalar function against float64 central differences, element by
// element, reporting the worst element. Every op's backward is tested with it.
import { DTypeError, type Tensor } from '@microgpt/tensor';
import { type Var, noGrad, param, releaseGraph } from './var';

/** Tolerances and step of {@link gradCheck}. */
export interface GradCheckOptions {
  /** Finite-difference step (default 1e-6). */
  eps?: number;
  /** An element passes when |analytic - numeric| <= atol + rtol·|numeric| (defaults 1e-6, 1e-5). */
  atol?: number;
  /** Relative part of the tolerance, a fraction of |numeric| (default 1e-5). */
  rtol?: number;
}

/** The worst element found by {@link gradCheck}. */
export interface GradCheckResult {
  /** Whether every element of every input passed (the worst excess is ≤ 0); false when a difference is NaN. */
  ok: boolean;
  /** Which input (index into `inputs`) and which element of it. */
  input: number;
  /** Flat (row-major) index of the worst element within its input. */
  index: number;
  /** The worst element's gradient from `backward()`. */
  analytic: number;
  /** The worst element's central-difference estimate. */
  numeric: number;
  /** |analytic - numeric| - (atol + rtol·|numeric|): positive means the element failed. */
  excess: number;
  /** A one-line report, e.g. `gradCheck: input 1 [3]: analytic 0.5 vs numeric 0.49; ok`. */
  message: string;
}

/**
 * Compares ∂fn/∂input from `backward()` with central differences (fn(x + eps) - fn(x - eps)) / 2eps for every
 * element of every input. `fn` receives the inputs as parameters and must return a scalar Var. Inputs must be
 * contiguous float64 tensors (they are perturbed in place and restored). A debugging and testing tool: it reads
 * the loss after every perturbation, synchronously, so it needs a backend with `readSync` (js, wasm).
 * @throws {DTypeError} for an input that is not float64; BackendError on a backend that reads only asynchronously.
 */
export function gradCheck(fn: (...inputs: Var[]) => Var, inputs: readonly Tensor[], options: GradCheckOptions = {}): GradCheckResult {
  const { eps = 1e-6, atol = 1e-6, rtol = 1e-5 } = options;
  for (const [i, t] of inputs.entries()) {
    if (t.dtype !== 'float64') throw new DTypeError(`gradCheck: input ${i} must be float64, found ${t.dtype}`);
  }
  const params = inputs.map((t) => param(t));
  const loss = fn(...params);
  loss.backward();
  const analytic = params.map((p) => (p.grad ? Float64Array.from(p.grad.toArray()) : new Float64Array(p.value.size)));
  releaseGraph(loss);
  const evaluate = (): number =>
    noGrad(() => {
      const out = fn(...params);
      const value = out.value.item();
      releaseGraph(out);
      return value;
    });
  let worst: Omit<GradCheckResult, 'ok' | 'message'> = { input: -1, index: -1, analytic: 0, numeric: 0, excess: -Infinity };
  for (const [i, t] of inputs.entries()) {
    const values = Float64Array.from(t.toArray());
    const probe = values.slice();
    for (let j = 0; j < values.length; j++) {
      probe[j] = values[j]! + eps;
      t.backend.write(t.storage, t.offset, probe);
      const up = evaluate();
      probe[j] = values[j]! - eps;
      t.backend.write(t.storage, t.offset, probe);
      const down = evaluate();
      probe[j] = values[j]!;
      t.backend.write(t.storage, t.offset, probe);
      const numeric = (up - down) / (2 * eps);
      const a = analytic[i]![j]!;
      const excess = Number.isNaN(a - numeric) ? Infinity : Math.abs(a - numeric) - (atol + rtol * Math.abs(numeric));
      if (excess > worst.excess) worst = { input: i, index: j, analytic: a, numeric, excess };
    }
  }
  const ok = worst.excess <= 0;
  return {
    ...worst,
    ok,
    message: `gradCheck: input ${worst.input} [${worst.index}]: analytic ${worst.analytic} vs numeric ${worst.numeric}; ${ok ? 'ok' : 'FAILED'}`,
  };
}
