// The unary kernel family in one place: its ops (each with the inputs it is defined for), its argument types, and
// the JS reference forward and backward side by side, plus erf/erfc (W. J. Cody's rational approximations) for the
// exact GELU. One loop per function so that no inner loop branches on the op. The wasm kernels (assembly/unary.ts)
// must give every op here a code (a type error otherwise), and the conformance suite runs every op here
// (unary.cases.ts).
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/**
 * Every elementwise unary function, with the inputs it is defined for: `positive` ones (log, sqrt, rsqrt, and pow
 * with a fractional exponent) are NaN or infinite at x ≤ 0, so tests draw x > 0 for them. `pow` raises to `param`;
 * `gelu_tanh` is GPT-2's tanh approximation, `gelu_erf` the exact form; `squared_relu` is relu(x)².
 */
export const UNARY_OP_DOMAINS = {
  /** -x. */
  neg: 'real',
  /** e^x. */
  exp: 'real',
  /** Natural logarithm, defined for x > 0. */
  log: 'positive',
  /** √x, defined for x ≥ 0 (tests draw x > 0). */
  sqrt: 'positive',
  /** 1 / √x, infinite at 0. */
  rsqrt: 'positive',
  /** Hyperbolic tangent. */
  tanh: 'real',
  /** x^param; a fractional exponent makes negative x NaN, so tests draw x > 0. */
  pow: 'positive',
  /** max(x, 0). */
  relu: 'real',
  /** GELU with GPT-2's tanh approximation: 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))). */
  gelu_tanh: 'real',
  /** Exact GELU: 0.5·x·(1 + erf(x / √2)). */
  gelu_erf: 'real',
  /** x · sigmoid(x) (SiLU, a.k.a. swish). */
  silu: 'real',
  /** relu(x)². */
  squared_relu: 'real',
} as const satisfies Record<string, 'real' | 'positive'>;

/** Elementwise unary functions (the keys of {@link UNARY_OP_DOMAINS}). */
export type UnaryOp = keyof typeof UNARY_OP_DOMAINS;

/** `out = f(x)`. x, out: contiguous, same shape. `param` is the exponent for `pow`, ignored otherwise. */
export interface UnaryArgs {
  /** Which function to apply. */
  op: UnaryOp;
  /** Input, contiguous. */
  x: Tensor;
  /** Result, x's shape, contiguous, overwritten. */
  out: Tensor;
  /** The exponent for `pow`; ignored by every other op. */
  param: number;
}

/** `dx += dout * f'(x)`, recomputing f' from x. x, dout, dx: contiguous, same shape. */
export interface UnaryBackwardArgs {
  /** The forward's function. */
  op: UnaryOp;
  /** The forward's input (f' is recomputed from it). */
  x: Tensor;
  /** Gradient with respect to the forward's output. */
  dout: Tensor;
  /** Gradient with respect to `x`, accumulated into (+=). */
  dx: Tensor;
  /** The forward's exponent for `pow`; ignored otherwise. */
  param: number;
}

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);
const INV_SQRT_2 = Math.SQRT1_2;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);
const GELU_CUBIC = 0.044715;

// Cody, "Rational Chebyshev approximations for the error function", Math. Comp. 23 (1969), as in Netlib
// SPECFUN CALERF (coefficients as the nearest float64): A/B give erf on |x| <= 0.46875, C/D erfc on
// (0.46875, 4], P/Q erfc on (4, ∞).
const A = [3.1611237438705655, 113.86415415105016, 377.485237685302, 3209.3775891384694, 0.18577770618460315];
const B = [23.601290952344122, 244.02463793444417, 1282.6165260773723, 2844.236833439171];
const C = [
  0.5641884969886701, 8.883149794388377, 66.11919063714163, 298.6351381974001, 881.952221241769,
  1712.0476126340707, 2051.0783778260716, 1230.3393547979972, 2.1531153547440383e-8,
];
const D = [
  15.744926110709835, 117.6939508913125, 537.1811018620099, 1621.3895745666903, 3290.7992357334597,
  4362.619090143247, 3439.3676741437216, 1230.3393548037495,
];
const P = [0.30532663496123236, 0.36034489994980445, 0.12578172611122926, 0.016083785148742275, 0.0006587491615298378, 0.016315387137302097];
const Q = [2.568520192289822, 1.8729528499234604, 0.5279051029514285, 0.06051834131244132, 0.0023352049762686918];
const INV_SQRT_PI = 0.5641895835477563;
/** Beyond this erfc(y) underflows to 0 in float64. */
const ERFC_UNDERFLOW = 26.543;

/** erf(x) for |x| <= 0.46875. */
function erfSmall(x: number): number {
  const xsq = Math.abs(x) > 1.11e-16 ? x * x : 0;
  let num = A[4]! * xsq;
  let den = xsq;
  for (let i = 0; i < 3; i++) {
    num = (num + A[i]!) * xsq;
    den = (den + B[i]!) * xsq;
  }
  return (x * (num + A[3]!)) / (den + B[3]!);
}

/** erfc(y) for y > 0.46875; exp(-y²) is split as exp(-ysq²)·exp(-del) to keep its rounding error small. */
function erfcLarge(y: number): number {
  let r: number;
  if (y <= 4) {
    let num = C[8]! * y;
    let den = y;
    for (let i = 0; i < 7; i++) {
      num = (num + C[i]!) * y;
      den = (den + D[i]!) * y;
    }
    r = (num + C[7]!) / (den + D[7]!);
  } else {
    if (y >= ERFC_UNDERFLOW) return 0;
    const z = 1 / (y * y);
    let num = P[5]! * z;
    let den = z;
    for (let i = 0; i < 4; i++) {
      num = (num + P[i]!) * z;
      den = (den + Q[i]!) * z;
    }
    r = (INV_SQRT_PI - (z * (num + P[4]!)) / (den + Q[4]!)) / y;
  }
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * r;
}

/** The error function erf(x) = 2/√π ∫₀ˣ e^(-t²) dt, within a few 1e-16 relative in float64. */
export function erf(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

/** The complementary error function 1 - erf(x), accurate in relative terms where it is tiny (large x). */
export function erfc(x: number): number {
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

/** `out = f(x)` for contiguous x and out of the same shape. */
export function unary({ op, x, out, param }: UnaryArgs): void {
  const n = x.size;
  const X = floatsOf(x).subarray(x.offset, x.offset + n);
  const O = floatsOf(out).subarray(out.offset, out.offset + n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) O[i] = -X[i]!;
      return;
    case 'exp':
      for (let i = 0; i < n; i++) O[i] = Math.exp(X[i]!);
      return;
    case 'log':
      for (let i = 0; i < n; i++) O[i] = Math.log(X[i]!);
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) O[i] = Math.sqrt(X[i]!);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) O[i] = 1 / Math.sqrt(X[i]!);
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) O[i] = Math.tanh(X[i]!);
      return;
    case 'pow':
      for (let i = 0; i < n; i++) O[i] = Math.pow(X[i]!, param);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) O[i] = X[i]! > 0 ? X[i]! : 0;
      return;
    case 'gelu_tanh':
      // 0.5·v·(1 + tanh(u)) = v·σ(2u), computed in the second form to avoid cancellation for negative v.
      for (let i = 0; i < n; i++) {
        const v = X[i]!;
        O[i] = v / (1 + Math.exp(-2 * SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v)));
      }
      return;
    case 'gelu_erf':
      // 1 + erf(v/√2) written as erfc(-v/√2) keeps the tiny values for very negative v.
      for (let i = 0; i < n; i++) O[i] = 0.5 * X[i]! * erfc(-X[i]! * INV_SQRT_2);
      return;
    case 'silu':
      for (let i = 0; i < n; i++) O[i] = X[i]! / (1 + Math.exp(-X[i]!));
      return;
    case 'squared_relu':
      for (let i = 0; i < n; i++) O[i] = X[i]! > 0 ? X[i]! * X[i]! : 0;
      return;
    default:
      throw new Error(`unary: unknown op '${String(op satisfies never)}'`);
  }
}

/** `dx += dout * f'(x)` for contiguous x, dout and dx of the same shape; f' is recomputed from x. */
export function unaryBackward({ op, x, dout, dx, param }: UnaryBackwardArgs): void {
  const n = x.size;
  const X = floatsOf(x).subarray(x.offset, x.offset + n);
  const G = floatsOf(dout).subarray(dout.offset, dout.offset + n);
  const DX = floatsOf(dx).subarray(dx.offset, dx.offset + n);
  switch (op) {
    case 'neg':
      for (let i = 0; i < n; i++) DX[i]! -= G[i]!;
      return;
    case 'exp':
      for (let i = 0; i < n; i++) DX[i]! += G[i]! * Math.exp(X[i]!);
      return;
    case 'log':
      for (let i = 0; i < n; i++) DX[i]! += G[i]! / X[i]!;
      return;
    case 'sqrt':
      for (let i = 0; i < n; i++) DX[i]! += (0.5 * G[i]!) / Math.sqrt(X[i]!);
      return;
    case 'rsqrt':
      for (let i = 0; i < n; i++) {
        const r = 1 / Math.sqrt(X[i]!);
        DX[i]! += -0.5 * G[i]! * r * r * r;
      }
      return;
    case 'tanh':
      for (let i = 0; i < n; i++) {
        const t = Math.tanh(X[i]!);
        DX[i]! += G[i]! * (1 - t * t);
      }
      return;
    case 'pow':
      // d/dx x⁰ is 0 everywhere, including x = 0 where 0 · x⁻¹ would give NaN.
      if (param === 0) return;
      for (let i = 0; i < n; i++) DX[i]! += G[i]! * param * Math.pow(X[i]!, param - 1);
      return;
    case 'relu':
      for (let i = 0; i < n; i++) if (X[i]! > 0) DX[i]! += G[i]!;
      return;
    case 'gelu_tanh':
      // f = v·s with s = σ(2u): f' = s + 2·v·s(1 - s)·u'. Once s(1 - s) is 0 the second term is 0, but u'
      // may have overflowed to ∞ (0 · ∞ = NaN), so it is skipped.
      for (let i = 0; i < n; i++) {
        const v = X[i]!;
        const s = 1 / (1 + Math.exp(-2 * SQRT_2_OVER_PI * (v + GELU_CUBIC * v * v * v)));
        const ds = s * (1 - s);
        const curve = ds === 0 ? 0 : 2 * ds * v * SQRT_2_OVER_PI * (1 + 3 * GELU_CUBIC * v * v);
        DX[i]! += G[i]! * (s + curve);
      }
      return;
    case 'gelu_erf':
      for (let i = 0; i < n; i++) {
        const v = X[i]!;
        DX[i]! += G[i]! * (0.5 * erfc(-v * INV_SQRT_2) + v * INV_SQRT_2PI * Math.exp(-0.5 * v * v));
      }
      return;
    case 'silu':
      for (let i = 0; i < n; i++) {
        const v = X[i]!;
        const s = 1 / (1 + Math.exp(-v));
        DX[i]! += G[i]! * s * (1 + v * (1 - s));
      }
      return;
    case 'squared_relu':
      for (let i = 0; i < n; i++) if (X[i]! > 0) DX[i]! += 2 * G[i]! * X[i]!;
      return;
    default:
      throw new Error(`unaryBackward: unknown op '${String(op satisfies never)}'`);
  }
}
