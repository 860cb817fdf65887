// One Adam / AdamW step in place over contiguous param, grad, m, v, in the floating-point order of Karpathy's
// microgpt.py, so that float64 runs track it to the last bit wherever the C library's pow is correctly rounded.
// Argument types first, then the JS kernels; the family's conformance cases are in adam.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/**
 * One Adam/AdamW step in place, with bias correction for `step` (1-based); `weightDecay` is decoupled
 * (AdamW, as PyTorch: param *= 1 - lr * weightDecay, before the Adam step); 0 gives plain Adam. param, grad, m, v:
 * same shape, contiguous.
 */
export interface AdamArgs {
  /** The parameters, updated in place. */
  param: Tensor;
  /** The gradient of the loss with respect to `param`; read only. */
  grad: Tensor;
  /** First-moment (mean of gradients) running average, same shape as `param`, updated in place; zeros before step 1. */
  m: Tensor;
  /**
   * Second-moment (mean of squared gradients) running average, same shape as `param`, updated in place; zeros
   * before step 1.
   */
  v: Tensor;
  /** Learning rate for this step (the caller applies any schedule). */
  lr: number;
  /** Decay of the first moment `m` per step, in [0, 1). */
  beta1: number;
  /** Decay of the second moment `v` per step, in [0, 1). */
  beta2: number;
  /** Added to sqrt(v̂) in the denominator so that a zero second moment does not divide by zero. */
  eps: number;
  /** Decoupled weight decay factor (AdamW); 0 gives plain Adam. */
  weightDecay: number;
  /** 1-based number of this step, for the bias corrections 1 - beta1^step and 1 - beta2^step. */
  step: number;
}

/** 2^27 + 1: Dekker's constant that splits a double into two 26-bit halves. */
const SPLIT = 134217729;

/**
 * base ** n for 0 ≤ base ≤ 1 and an integer n ≥ 0, by squaring in double-double arithmetic: correctly rounded
 * unless the exact power lies within a relative n · 2^-104 of a rounding boundary. V8's `**` misrounds
 * beta ** step about 1 time in 10, where glibc's pow (CPython's `beta1 ** step`) rounds correctly, and the
 * bias correction scales every element of the update. A backend's adam kernel takes its bias corrections
 * 1 - beta ** step from here too, so that it matches the reference.
 */
export function powCorrectlyRounded(base: number, n: number): number {
  // Every parameter of a step asks for the same two powers: remember the last few.
  for (const hit of recentPowers) if (hit.base === base && hit.n === n) return hit.value;
  const value = powByDoubleDouble(base, n);
  recentPowers[nextSlot] = { base, n, value };
  nextSlot = (nextSlot + 1) % recentPowers.length;
  return value;
}

const recentPowers: { base: number; n: number; value: number }[] = Array.from({ length: 4 }, () => ({ base: NaN, n: -1, value: NaN }));
let nextSlot = 0;

/**
 * Binary powering in double-double arithmetic (relative error about 2^-104 per product). Each product is
 * Dekker's exact product of the high parts (JS has no fused multiply-add) plus the cross terms, renormalized;
 * written out on scalars rather than [hi, lo] pairs because each step's bias corrections miss the cache of
 * {@link powCorrectlyRounded}, and allocating the pairs took about half their cold time and most of their warm time.
 */
function powByDoubleDouble(base: number, n: number): number {
  let resultHi = 1;
  let resultLo = 0;
  let squareHi = base;
  let squareLo = 0;
  for (let k = n; k > 0; k = Math.floor(k / 2)) {
    const sSplit = SPLIT * squareHi;
    const sHi = sSplit - (sSplit - squareHi);
    const sLo = squareHi - sHi;
    if (k % 2 === 1) {
      const p = resultHi * squareHi;
      const rSplit = SPLIT * resultHi;
      const rHi = rSplit - (rSplit - resultHi);
      const rLo = resultHi - rHi;
      const e = rHi * sHi - p + rHi * sLo + rLo * sHi + rLo * sLo + resultHi * squareLo + resultLo * squareHi;
      resultHi = p + e;
      resultLo = e - (resultHi - p);
    }
    const p = squareHi * squareHi;
    const e = sHi * sHi - p + sHi * sLo + sLo * sHi + sLo * sLo + squareHi * squareLo + squareLo * squareHi;
    squareHi = p + e;
    squareLo = e - (squareHi - p);
  }
  return resultHi;
}

/**
 * AdamW, as PyTorch applies decoupled weight decay (p *= 1 - lr · weightDecay, before the update; a factor of
 * exactly 1 when weightDecay is 0), then microgpt.py's Adam line by line:
 *   m = beta1 · m + (1 - beta1) · g;  v = beta2 · v + (1 - beta2) · g²
 *   p -= lr · (m / (1 - beta1^step)) / (sqrt(v / (1 - beta2^step)) + eps)
 * Python's `g ** 2` and `v_hat ** 0.5` call C's pow; g · g and Math.sqrt are the correctly rounded values,
 * which glibc's pow returns for all but about 1 argument in 1000.
 */
export function adam({ param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step }: AdamArgs): void {
  const ps = floatsOf(param);
  const gs = floatsOf(grad);
  const ms = floatsOf(m);
  const vs = floatsOf(v);
  const bias1 = 1 - powCorrectlyRounded(beta1, step);
  const bias2 = 1 - powCorrectlyRounded(beta2, step);
  const decay = 1 - lr * weightDecay;
  const n = param.size;
  for (let i = 0; i < n; i++) {
    const g = gs[grad.offset + i]!;
    const mi = beta1 * ms[m.offset + i]! + (1 - beta1) * g;
    const vi = beta2 * vs[v.offset + i]! + (1 - beta2) * (g * g);
    ms[m.offset + i] = mi;
    vs[v.offset + i] = vi;
    const mHat = mi / bias1;
    const vHat = vi / bias2;
    ps[param.offset + i] = ps[param.offset + i]! * decay - (lr * mHat) / (Math.sqrt(vHat) + eps);
  }
}
