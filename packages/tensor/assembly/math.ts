// Shared helpers: an f64x2 exp (fdlibm's method, < 1 ulp), Cody's erf/erfc as in the JS reference, f32x4 ↔
// f64x2 conversion, and horizontal sums. Kernels on f32 data compute in f64 like the reference and round once.

// ---- f32x4 <-> f64x2 ------------------------------------------------------------------------------------

/** Lanes 0, 1 of an f32x4 as f64x2. */
@inline export function lo64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v);
}

/** Lanes 2, 3 of an f32x4 as f64x2. */
@inline export function hi64(v: v128): v128 {
  return f64x2.promote_low_f32x4(v128.shuffle<i32>(v, v, 2, 3, 2, 3));
}

/** Two f64x2 rounded back into one f32x4 (a in lanes 0, 1; b in lanes 2, 3). */
@inline export function pack32(a: v128, b: v128): v128 {
  return v128.shuffle<i32>(f32x4.demote_f64x2_zero(a), f32x4.demote_f64x2_zero(b), 0, 1, 4, 5);
}

/** Sum of both lanes of an f64x2. */
@inline export function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}

// ---- exp -------------------------------------------------------------------------------------------------

const LN2_HI: f64 = 6.93147180369123816490e-01;
const LN2_LO: f64 = 1.90821492927058770002e-10;
const INV_LN2: f64 = 1.44269504088896338700e+00;
const P1: f64 = 1.66666666666666019037e-01;
const P2: f64 = -2.77777777770155933842e-03;
const P3: f64 = 6.61375632143793436117e-05;
const P4: f64 = -1.65339022054652515390e-06;
const P5: f64 = 4.13813679705723846039e-08;

/**
 * exp on both lanes of an f64x2 (fdlibm: x = k·ln2 + r, exp(r) by a rational form, then · 2^k). The input is
 * clamped to [-746, 710] (0 and ∞ beyond), and 2^k is applied in two halves so subnormal results round once.
 */
@inline export function expV(x: v128): v128 {
  x = f64x2.min(f64x2.max(x, f64x2.splat(-746.0)), f64x2.splat(710.0));
  const kf = f64x2.nearest(f64x2.mul(x, f64x2.splat(INV_LN2)));
  const hi = f64x2.sub(x, f64x2.mul(kf, f64x2.splat(LN2_HI)));
  const lo = f64x2.mul(kf, f64x2.splat(LN2_LO));
  const r = f64x2.sub(hi, lo);
  const t = f64x2.mul(r, r);
  let p = f64x2.add(f64x2.splat(P4), f64x2.mul(t, f64x2.splat(P5)));
  p = f64x2.add(f64x2.splat(P3), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P2), f64x2.mul(t, p));
  p = f64x2.add(f64x2.splat(P1), f64x2.mul(t, p));
  const c = f64x2.sub(r, f64x2.mul(t, p));
  // y = 1 - ((lo - r·c / (2 - c)) - hi)
  const q = f64x2.div(f64x2.mul(r, c), f64x2.sub(f64x2.splat(2.0), c));
  const y = f64x2.sub(f64x2.splat(1.0), f64x2.sub(f64x2.sub(lo, q), hi));
  // 2^k = 2^k1 · 2^k2 with k1 = k >> 1, built in the exponent bits.
  const k = i64x2.extend_low_i32x4_s(i32x4.trunc_sat_f64x2_s_zero(kf));
  const k1 = i64x2.shr_s(k, 1);
  const k2 = i64x2.sub(k, k1);
  const bias = i64x2.splat(1023);
  const s1 = i64x2.shl(i64x2.add(k1, bias), 52);
  const s2 = i64x2.shl(i64x2.add(k2, bias), 52);
  return f64x2.mul(f64x2.mul(y, s1), s2);
}

/** Scalar exp through the same code as expV, so SIMD bodies and scalar tails agree. */
@inline export function expS(x: f64): f64 {
  return f64x2.extract_lane(expV(f64x2.splat(x)), 0);
}

// ---- erf / erfc (W. J. Cody, as the JS reference) ---------------------------------------------------------

const ERFC_UNDERFLOW: f64 = 26.543;
const INV_SQRT_PI: f64 = 0.5641895835477563;

/** erf(x) for |x| <= 0.46875. */
function erfSmall(x: f64): f64 {
  const xsq = Math.abs(x) > 1.11e-16 ? x * x : 0;
  let num = 0.18577770618460315 * xsq;
  let den = xsq;
  num = (num + 3.1611237438705655) * xsq;
  den = (den + 23.601290952344122) * xsq;
  num = (num + 113.86415415105016) * xsq;
  den = (den + 244.02463793444417) * xsq;
  num = (num + 377.485237685302) * xsq;
  den = (den + 1282.6165260773723) * xsq;
  return (x * (num + 3209.3775891384694)) / (den + 2844.236833439171);
}

/** erfc(y) for y > 0.46875; exp(-y²) is split as exp(-ysq²)·exp(-del) to keep its rounding error small. */
function erfcLarge(y: f64): f64 {
  let r: f64;
  if (y <= 4) {
    let num = 2.1531153547440383e-8 * y;
    let den = y;
    num = (num + 0.5641884969886701) * y;
    den = (den + 15.744926110709835) * y;
    num = (num + 8.883149794388377) * y;
    den = (den + 117.6939508913125) * y;
    num = (num + 66.11919063714163) * y;
    den = (den + 537.1811018620099) * y;
    num = (num + 298.6351381974001) * y;
    den = (den + 1621.3895745666903) * y;
    num = (num + 881.952221241769) * y;
    den = (den + 3290.7992357334597) * y;
    num = (num + 1712.0476126340707) * y;
    den = (den + 4362.619090143247) * y;
    num = (num + 2051.0783778260716) * y;
    den = (den + 3439.3676741437216) * y;
    r = (num + 1230.3393547979972) / (den + 1230.3393548037495);
  } else {
    if (y >= ERFC_UNDERFLOW) return 0;
    const z = 1 / (y * y);
    let num = 0.016315387137302097 * z;
    let den = z;
    num = (num + 0.30532663496123236) * z;
    den = (den + 2.568520192289822) * z;
    num = (num + 0.36034489994980445) * z;
    den = (den + 1.8729528499234604) * z;
    num = (num + 0.12578172611122926) * z;
    den = (den + 0.5279051029514285) * z;
    num = (num + 0.016083785148742275) * z;
    den = (den + 0.06051834131244132) * z;
    r = (INV_SQRT_PI - (z * (num + 0.0006587491615298378)) / (den + 0.0023352049762686918)) / y;
  }
  const ysq = Math.trunc(y * 16) / 16;
  const del = (y - ysq) * (y + ysq);
  return Math.exp(-ysq * ysq) * Math.exp(-del) * r;
}

/** The error function. */
export function erf(x: f64): f64 {
  const y = Math.abs(x);
  if (y <= 0.46875) return erfSmall(x);
  const r = 0.5 - erfcLarge(y) + 0.5;
  return x < 0 ? -r : r;
}

/** 1 - erf(x), accurate where it is tiny. */
export function erfc(x: f64): f64 {
  const y = Math.abs(x);
  if (y <= 0.46875) return 1 - erfSmall(x);
  const r = erfcLarge(y);
  return x < 0 ? 2 - r : r;
}

// ---- row reductions (f64 results; f32 data promoted, products of two f32 exact in f64) ---------------------

/** max over n contiguous T values (-∞ when n = 0, NaN if any is NaN). */
export function rowMax<T>(x: usize, n: i32): f64 {
  const sh = alignof<T>();
  const lanes = <i32>(16 / sizeof<T>());
  let m = v128.splat<T>(<T>-Infinity);
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    m = sizeof<T>() == 4 ? f32x4.max(m, v128.load(x + (<usize>i << sh))) : f64x2.max(m, v128.load(x + (<usize>i << sh)));
  }
  let r: f64;
  if (sizeof<T>() == 4) {
    r = max(max(<f64>f32x4.extract_lane(m, 0), <f64>f32x4.extract_lane(m, 1)), max(<f64>f32x4.extract_lane(m, 2), <f64>f32x4.extract_lane(m, 3)));
  } else {
    r = max(f64x2.extract_lane(m, 0), f64x2.extract_lane(m, 1));
  }
  for (; i < n; i++) r = max(r, <f64>load<T>(x + (<usize>i << sh)));
  return r;
}

/** Σ x[i] over n contiguous T values, in f64. */
export function rowSum<T>(x: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      a = f64x2.add(a, lo64(v));
      b = f64x2.add(b, hi64(v));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      a = f64x2.add(a, v128.load(x + (<usize>i << 3)));
      b = f64x2.add(b, v128.load(x + (<usize>i << 3), 16));
    }
  }
  let sum = hsum64(f64x2.add(a, b));
  for (; i < n; i++) sum += <f64>load<T>(x + (<usize>i << alignof<T>()));
  return sum;
}

/** Σ x[i]·y[i] over n contiguous T values, in f64. */
export function rowDot<T>(x: usize, y: usize, n: i32): f64 {
  let a = f64x2.splat(0);
  let b = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      const u = v128.load(x + o);
      const v = v128.load(y + o);
      a = f64x2.add(a, f64x2.mul(lo64(u), lo64(v)));
      b = f64x2.add(b, f64x2.mul(hi64(u), hi64(v)));
    }
  } else {
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 3;
      a = f64x2.add(a, f64x2.mul(v128.load(x + o), v128.load(y + o)));
      b = f64x2.add(b, f64x2.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
    }
  }
  let sum = hsum64(f64x2.add(a, b));
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    sum += <f64>load<T>(x + o) * <f64>load<T>(y + o);
  }
  return sum;
}

/**
 * Σ exp(x[i] - max) over n contiguous T values, in f64. When `keep`, also writes each exp to e (only used for
 * f64 data, where the stored value is exactly what is summed).
 */
@inline export function rowExpSum<T>(x: usize, n: i32, mx: f64, keep: bool, e: usize): f64 {
  const m = f64x2.splat(mx);
  let a = f64x2.splat(0);
  let i = 0;
  if (sizeof<T>() == 4) {
    let b = f64x2.splat(0);
    for (; i + 4 <= n; i += 4) {
      const v = v128.load(x + (<usize>i << 2));
      a = f64x2.add(a, expV(f64x2.sub(lo64(v), m)));
      b = f64x2.add(b, expV(f64x2.sub(hi64(v), m)));
    }
    a = f64x2.add(a, b);
  } else {
    for (; i + 2 <= n; i += 2) {
      const o = <usize>i << 3;
      const ev = expV(f64x2.sub(v128.load(x + o), m));
      if (keep) v128.store(e + o, ev);
      a = f64x2.add(a, ev);
    }
  }
  let sum = hsum64(a);
  for (; i < n; i++) {
    const o = <usize>i << alignof<T>();
    const ev = expS(<f64>load<T>(x + o) - mx);
    if (keep && sizeof<T>() == 8) store<f64>(e + o, ev);
    sum += ev;
  }
  return sum;
}

// ---- two-lane f64 access to T arrays, for kernels written once over f64x2 --------------------------------
// `two` is a constant at every call site: true loads/stores elements p[0], p[1]; false only p[0] (lane 1 = 0),
// for the odd tail, so one loop body serves both.

/** Elements p[0], p[1] of a T array as f64x2 (only p[0], lane 1 = 0, when not `two`). */
@inline export function loadPair<T>(p: usize, two: bool): v128 {
  if (!two) return f64x2.replace_lane(f64x2.splat(0), 0, <f64>load<T>(p));
  if (sizeof<T>() == 4) return f64x2.promote_low_f32x4(v128.load64_zero(p));
  return v128.load(p);
}

/** Stores both lanes of v, rounded to T, as p[0], p[1] (only lane 0 as p[0] when not `two`). */
@inline export function storePair<T>(p: usize, v: v128, two: bool): void {
  if (!two) store<T>(p, <T>f64x2.extract_lane(v, 0));
  else if (sizeof<T>() == 4) v128.store64_lane(p, f32x4.demote_f64x2_zero(v), 0);
  else v128.store(p, v);
}

// ---- f32x4 exp and the normal CDF (float32 kernels) ---------------------------------------------------------
// Float32 data only needs float32 accuracy: these run four lanes at a time with no division in exp, at a
// relative error of a few 1e-7 (measured against the float64 reference in the tests).

const F_LOG2E: f32 = 1.44269504088896341;
const F_LN2_HI: f32 = 0.693359375;
const F_LN2_LO: f32 = -2.12194440e-4;

/** exp on four f32 lanes (Cephes' expf: x = n·ln2 + r, a degree-6 polynomial for exp(r), then · 2^n); 0 below -87.34, ∞ above 88.72. */
@inline export function expF32x4(input: v128): v128 {
  const x = f32x4.min(f32x4.max(input, f32x4.splat(-87.33654)), f32x4.splat(88.72283));
  const n = f32x4.nearest(f32x4.mul(x, f32x4.splat(F_LOG2E)));
  const r = f32x4.sub(f32x4.sub(x, f32x4.mul(n, f32x4.splat(F_LN2_HI))), f32x4.mul(n, f32x4.splat(F_LN2_LO)));
  let p = f32x4.splat(1.9875691500e-4);
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.3981999507e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(8.3334519073e-3));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(4.1665795894e-2));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(1.6666665459e-1));
  p = f32x4.add(f32x4.mul(p, r), f32x4.splat(5.0000001201e-1));
  p = f32x4.add(f32x4.add(f32x4.mul(f32x4.mul(p, r), r), r), f32x4.splat(1));
  // 2^n by building the exponent field; n is in [-126, 128] after the clamp, so split it in two halves.
  const ni = i32x4.trunc_sat_f32x4_s(n);
  const half = i32x4.shr_s(ni, 1);
  const scale1 = i32x4.shl(i32x4.add(half, i32x4.splat(127)), 23);
  const scale2 = i32x4.shl(i32x4.add(i32x4.sub(ni, half), i32x4.splat(127)), 23);
  const result = f32x4.mul(f32x4.mul(p, scale1), scale2);
  // Past the clamp: 0 below (as expf underflows), ∞ above, NaN stays NaN (the clamp would have eaten it).
  const under = v128.andnot(result, f32x4.lt(input, f32x4.splat(-87.33654)));
  const over = v128.bitselect(f32x4.splat(Infinity), under, f32x4.gt(input, f32x4.splat(88.72283)));
  return v128.bitselect(input, over, f32x4.ne(input, input));
}

const F_INV_SQRT_2: f32 = 0.70710678118654752;
const F_INV_SQRT_2PI: f32 = 0.39894228040143268;

/** exp(-x²/2) on four f32 lanes: the Gaussian shape both Φ and φ need. */
@inline export function gaussF32x4(x: v128): v128 {
  return expF32x4(f32x4.mul(f32x4.splat(-0.5), f32x4.mul(x, x)));
}

/**
 * Φ(x), the standard normal CDF 0.5·erfc(-x/√2), on four f32 lanes given gauss = exp(-x²/2): Abramowitz &
 * Stegun 7.1.26 for erfc(|x|/√2) (absolute error ≤ 1.5e-7), mirrored for x ≥ 0.
 */
@inline export function normalCdfF32x4(x: v128, gauss: v128): v128 {
  const z = f32x4.mul(f32x4.abs(x), f32x4.splat(F_INV_SQRT_2));
  const t = f32x4.div(f32x4.splat(1), f32x4.add(f32x4.splat(1), f32x4.mul(f32x4.splat(0.3275911), z)));
  let poly = f32x4.splat(1.061405429);
  poly = f32x4.add(f32x4.mul(poly, t), f32x4.splat(-1.453152027));
  poly = f32x4.add(f32x4.mul(poly, t), f32x4.splat(1.421413741));
  poly = f32x4.add(f32x4.mul(poly, t), f32x4.splat(-0.284496736));
  poly = f32x4.add(f32x4.mul(poly, t), f32x4.splat(0.254829592));
  const halfTail = f32x4.mul(f32x4.mul(f32x4.splat(0.5), f32x4.mul(poly, t)), gauss); // Φ(-|x|)
  return v128.bitselect(f32x4.sub(f32x4.splat(1), halfTail), halfTail, f32x4.ge(x, f32x4.splat(0)));
}

/** φ(x) = exp(-x²/2)/√(2π) given gauss = exp(-x²/2). */
@inline export function normalPdfF32x4(gauss: v128): v128 {
  return f32x4.mul(f32x4.splat(F_INV_SQRT_2PI), gauss);
}
