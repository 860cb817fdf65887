// The Adam / AdamW optimizer step for one parameter tensor, in place. Schedules (learning-rate decay, warmup)
// and gradient clipping are left to the caller, which passes the step's lr.
import { kernel, sameBackend } from '../dispatch';
import type { Tensor } from '../tensor';
import { expectBuffer, expectDType, expectFloat, expectShape, withContiguous } from './checks';

/** Hyperparameters of one `adamUpdate` step. */
export interface AdamOptions {
  /** Learning rate of this step. */
  lr: number;
  /** Decay of the first-moment average (default 0.9). */
  beta1?: number;
  /** Decay of the second-moment average (default 0.999). */
  beta2?: number;
  /** Added to sqrt(v̂) in the denominator (default 1e-8). */
  eps?: number;
  /** Decoupled (AdamW) weight decay: param *= 1 - lr · weightDecay before the update (default 0, plain Adam). */
  weightDecay?: number;
  /** 1-based step number for the bias corrections 1 - beta^step; an integer ≥ 1. */
  step: number;
}

/**
 * One Adam step in place, in microgpt.py's order of operations (float64 runs match it bit for bit wherever
 * CPython's pow rounds correctly):
 *   param *= 1 - lr · weightDecay   (AdamW, as PyTorch; skipped in effect when weightDecay is 0)
 *   m = beta1 · m + (1 - beta1) · grad;  v = beta2 · v + (1 - beta2) · grad²
 *   param -= lr · (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps)
 * @param param any shape, float32 or float64, contiguous; updated.
 * @param grad param's shape and dtype.
 * @param m first-moment average, param's shape and dtype, contiguous, zero before step 1; updated.
 * @param v second-moment average, likewise; updated.
 * @throws {RangeError} when step is not an integer ≥ 1, a beta is outside [0, 1), or lr, eps or weightDecay is
 * not finite (eps must also be ≥ 0).
 * @throws {ShapeError} when grad, m or v differs from param's shape, or param, m or v is not contiguous.
 * @throws {DTypeError} when param is not float or another tensor's dtype differs.
 */
export function adamUpdate(param: Tensor, grad: Tensor, m: Tensor, v: Tensor, options: AdamOptions): void {
  const op = 'adamUpdate';
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = 0, step } = options;
  const backend = sameBackend(op, [param, grad, m, v]);
  const dtype = expectFloat(op, 'param', param);
  expectDType(op, 'grad', grad, dtype);
  expectShape(op, 'grad', grad, param.shape);
  // Updated in place: same checks as an output (shape, dtype, contiguity).
  expectBuffer(op, 'param', param, param.shape, dtype);
  expectBuffer(op, 'm', m, param.shape, dtype);
  expectBuffer(op, 'v', v, param.shape, dtype);
  if (!Number.isInteger(step) || step < 1) throw new RangeError(`${op}: step must be an integer ≥ 1 (1-based), found ${step}`);
  for (const [name, beta] of [['beta1', beta1], ['beta2', beta2]] as const) {
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`${op}: ${name} must be in [0, 1), found ${beta}`);
  }
  for (const [name, value] of [['lr', lr], ['eps', eps], ['weightDecay', weightDecay]] as const) {
    if (!Number.isFinite(value)) throw new RangeError(`${op}: ${name} must be finite, found ${value}`);
  }
  if (eps < 0) throw new RangeError(`${op}: eps must be ≥ 0, found ${eps}`);
  withContiguous([grad], (g) => {
    kernel(backend, 'adam', dtype)({ param, grad: g, m, v, lr, beta1, beta2, eps, weightDecay, step });
  });
}
