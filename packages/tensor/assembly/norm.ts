// RMSNorm and LayerNorm over the rows of (N, C), forward and backward (llm.c style), in f64 lanes with the
// reference's operation order. Optional weight/bias/dweight (pointer 0 = none) are specialized out of loops.
import { L2, S2, hsum64, rowDot, rowSum } from './math';

// ---- RMSNorm ---------------------------------------------------------------------------------------------

/** out[i .. i+2) = x · r [· w]. */
@inline function rmsOut<T>(two: bool, hasW: bool, x: usize, w: usize, out: usize, o: usize, r: v128): void {
  let y = f64x2.mul(L2<T>(x + o, two), r);
  if (hasW) y = f64x2.mul(y, L2<T>(w + o, two));
  S2<T>(out + o, y, two);
}

@inline function rmsnormRows<T>(hasW: bool, x: usize, w: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  const sh = alignof<T>();
  for (let row = start; row < end; row++) {
    const base = <usize>row * <usize>C << sh;
    const xr = x + base;
    const r = 1 / Math.sqrt(rowDot<T>(xr, xr, C) / C + eps);
    store<T>(rstd + (<usize>row << sh), <T>r);
    const rv = f64x2.splat(r);
    let i = 0;
    for (; i + 2 <= C; i += 2) rmsOut<T>(true, hasW, xr, w, out + base, <usize>i << sh, rv);
    if (i < C) rmsOut<T>(false, hasW, xr, w, out + base, <usize>i << sh, rv);
  }
}

function rmsnormImpl<T>(x: usize, w: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  if (w) rmsnormRows<T>(true, x, w, out, rstd, C, eps, start, end);
  else rmsnormRows<T>(false, x, w, out, rstd, C, eps, start, end);
}

/** Σ (dout · w) · x for two lanes. */
@inline function rmsDot<T>(two: bool, hasW: bool, x: usize, w: usize, d: usize, o: usize): v128 {
  let g = L2<T>(d + o, two);
  if (hasW) g = f64x2.mul(g, L2<T>(w + o, two));
  return f64x2.mul(g, L2<T>(x + o, two));
}

/** dx += r·g - k·x; dweight += dout · x · r. */
@inline function rmsBack<T>(two: bool, hasW: bool, hasDw: bool, x: usize, w: usize, d: usize, dx: usize, dw: usize, o: usize, r: v128, k: v128): void {
  const xv = L2<T>(x + o, two);
  const dv = L2<T>(d + o, two);
  const g = hasW ? f64x2.mul(dv, L2<T>(w + o, two)) : dv;
  S2<T>(dx + o, f64x2.add(L2<T>(dx + o, two), f64x2.sub(f64x2.mul(r, g), f64x2.mul(k, xv))), two);
  if (hasDw) S2<T>(dw + o, f64x2.add(L2<T>(dw + o, two), f64x2.mul(f64x2.mul(dv, xv), r)), two);
}

@inline function rmsnormBackwardRows<T>(hasW: bool, hasDw: bool, x: usize, w: usize, rstd: usize, d: usize, dx: usize, dw: usize, N: i32, C: i32): void {
  const sh = alignof<T>();
  for (let row = 0; row < N; row++) {
    const base = <usize>row * <usize>C << sh;
    const r = <f64>load<T>(rstd + (<usize>row << sh));
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= C; i += 2) acc = f64x2.add(acc, rmsDot<T>(true, hasW, x + base, w, d + base, <usize>i << sh));
    if (i < C) acc = f64x2.add(acc, rmsDot<T>(false, hasW, x + base, w, d + base, <usize>i << sh));
    const k = f64x2.splat((r * r * r * hsum64(acc)) / C);
    const rv = f64x2.splat(r);
    i = 0;
    for (; i + 2 <= C; i += 2) rmsBack<T>(true, hasW, hasDw, x + base, w, d + base, dx + base, dw, <usize>i << sh, rv, k);
    if (i < C) rmsBack<T>(false, hasW, hasDw, x + base, w, d + base, dx + base, dw, <usize>i << sh, rv, k);
  }
}

function rmsnormBackwardImpl<T>(x: usize, w: usize, rstd: usize, d: usize, dx: usize, dw: usize, N: i32, C: i32): void {
  // As the reference: dweight only when weight is given too.
  if (w && dw) rmsnormBackwardRows<T>(true, true, x, w, rstd, d, dx, dw, N, C);
  else if (w) rmsnormBackwardRows<T>(true, false, x, w, rstd, d, dx, dw, N, C);
  else rmsnormBackwardRows<T>(false, false, x, w, rstd, d, dx, dw, N, C);
}

// ---- LayerNorm -------------------------------------------------------------------------------------------

@inline function lnSq<T>(two: bool, x: usize, o: usize, mu: v128): v128 {
  const dv = f64x2.sub(L2<T>(x + o, two), mu);
  return two ? f64x2.mul(dv, dv) : f64x2.replace_lane(f64x2.mul(dv, dv), 1, 0);
}

@inline function lnOut<T>(two: bool, hasW: bool, hasB: bool, x: usize, w: usize, b: usize, out: usize, o: usize, mu: v128, r: v128): void {
  let y = f64x2.mul(f64x2.sub(L2<T>(x + o, two), mu), r);
  if (hasW) y = f64x2.mul(y, L2<T>(w + o, two));
  if (hasB) y = f64x2.add(y, L2<T>(b + o, two));
  S2<T>(out + o, y, two);
}

@inline function layernormRows<T>(hasW: bool, hasB: bool, x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  const sh = alignof<T>();
  for (let row = start; row < end; row++) {
    const base = <usize>row * <usize>C << sh;
    const xr = x + base;
    const mu = rowSum<T>(xr, C) / C;
    const muv = f64x2.splat(mu);
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= C; i += 2) acc = f64x2.add(acc, lnSq<T>(true, xr, <usize>i << sh, muv));
    if (i < C) acc = f64x2.add(acc, lnSq<T>(false, xr, <usize>i << sh, muv));
    const r = 1 / Math.sqrt(hsum64(acc) / C + eps);
    store<T>(mean + (<usize>row << sh), <T>mu);
    store<T>(rstd + (<usize>row << sh), <T>r);
    const rv = f64x2.splat(r);
    i = 0;
    for (; i + 2 <= C; i += 2) lnOut<T>(true, hasW, hasB, xr, w, b, out + base, <usize>i << sh, muv, rv);
    if (i < C) lnOut<T>(false, hasW, hasB, xr, w, b, out + base, <usize>i << sh, muv, rv);
  }
}

function layernormImpl<T>(x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  if (w && b) layernormRows<T>(true, true, x, w, b, out, mean, rstd, C, eps, start, end);
  else if (w) layernormRows<T>(true, false, x, w, b, out, mean, rstd, C, eps, start, end);
  else if (b) layernormRows<T>(false, true, x, w, b, out, mean, rstd, C, eps, start, end);
  else layernormRows<T>(false, false, x, w, b, out, mean, rstd, C, eps, start, end);
}

@inline function lnBack<T>(two: bool, hasW: bool, hasDw: bool, hasDb: bool, x: usize, w: usize, d: usize, dx: usize, dw: usize, db: usize, o: usize, mu: v128, r: v128, gm: v128, gnm: v128): void {
  const norm = f64x2.mul(f64x2.sub(L2<T>(x + o, two), mu), r);
  const dv = L2<T>(d + o, two);
  const g = hasW ? f64x2.mul(dv, L2<T>(w + o, two)) : dv;
  S2<T>(dx + o, f64x2.add(L2<T>(dx + o, two), f64x2.mul(r, f64x2.sub(f64x2.sub(g, gm), f64x2.mul(norm, gnm)))), two);
  if (hasDw) S2<T>(dw + o, f64x2.add(L2<T>(dw + o, two), f64x2.mul(dv, norm)), two);
  if (hasDb) S2<T>(db + o, f64x2.add(L2<T>(db + o, two), dv), two);
}

@inline function layernormBackwardRows<T>(hasW: bool, hasDw: bool, hasDb: bool, x: usize, w: usize, mean: usize, rstd: usize, d: usize, dx: usize, dw: usize, db: usize, N: i32, C: i32): void {
  const sh = alignof<T>();
  for (let row = 0; row < N; row++) {
    const base = <usize>row * <usize>C << sh;
    const mu = f64x2.splat(<f64>load<T>(mean + (<usize>row << sh)));
    const r = f64x2.splat(<f64>load<T>(rstd + (<usize>row << sh)));
    let gSum = f64x2.splat(0);
    let gnSum = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= C; i += 2) {
      const o = <usize>i << sh;
      const g = hasW ? f64x2.mul(L2<T>(d + base + o, true), L2<T>(w + o, true)) : L2<T>(d + base + o, true);
      gSum = f64x2.add(gSum, g);
      gnSum = f64x2.add(gnSum, f64x2.mul(f64x2.mul(g, f64x2.sub(L2<T>(x + base + o, true), mu)), r));
    }
    if (i < C) {
      const o = <usize>i << sh;
      const g = hasW ? f64x2.mul(L2<T>(d + base + o, false), L2<T>(w + o, false)) : L2<T>(d + base + o, false);
      gSum = f64x2.add(gSum, g);
      // lane 1 of (x - mu) is -mu, but g's lane 1 is 0, so the product adds 0
      gnSum = f64x2.add(gnSum, f64x2.mul(f64x2.mul(g, f64x2.sub(L2<T>(x + base + o, false), mu)), r));
    }
    const gm = f64x2.splat(hsum64(gSum) / C);
    const gnm = f64x2.splat(hsum64(gnSum) / C);
    i = 0;
    for (; i + 2 <= C; i += 2) lnBack<T>(true, hasW, hasDw, hasDb, x + base, w, d + base, dx + base, dw, db, <usize>i << sh, mu, r, gm, gnm);
    if (i < C) lnBack<T>(false, hasW, hasDw, hasDb, x + base, w, d + base, dx + base, dw, db, <usize>i << sh, mu, r, gm, gnm);
  }
}

function layernormBackwardImpl<T>(x: usize, w: usize, mean: usize, rstd: usize, d: usize, dx: usize, dw: usize, db: usize, N: i32, C: i32): void {
  const hasW = w != 0;
  if (hasW) {
    if (dw && db) layernormBackwardRows<T>(true, true, true, x, w, mean, rstd, d, dx, dw, db, N, C);
    else if (dw) layernormBackwardRows<T>(true, true, false, x, w, mean, rstd, d, dx, dw, db, N, C);
    else if (db) layernormBackwardRows<T>(true, false, true, x, w, mean, rstd, d, dx, dw, db, N, C);
    else layernormBackwardRows<T>(true, false, false, x, w, mean, rstd, d, dx, dw, db, N, C);
  } else {
    if (dw && db) layernormBackwardRows<T>(false, true, true, x, w, mean, rstd, d, dx, dw, db, N, C);
    else if (dw) layernormBackwardRows<T>(false, true, false, x, w, mean, rstd, d, dx, dw, db, N, C);
    else if (db) layernormBackwardRows<T>(false, false, true, x, w, mean, rstd, d, dx, dw, db, N, C);
    else layernormBackwardRows<T>(false, false, false, x, w, mean, rstd, d, dx, dw, db, N, C);
  }
}

export function rmsnormF32(x: usize, weight: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  rmsnormImpl<f32>(x, weight, out, rstd, C, eps, start, end);
}
export function rmsnormF64(x: usize, weight: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  rmsnormImpl<f64>(x, weight, out, rstd, C, eps, start, end);
}
export function rmsnormBackwardF32(x: usize, weight: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, N: i32, C: i32): void {
  rmsnormBackwardImpl<f32>(x, weight, rstd, dout, dx, dweight, N, C);
}
export function rmsnormBackwardF64(x: usize, weight: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, N: i32, C: i32): void {
  rmsnormBackwardImpl<f64>(x, weight, rstd, dout, dx, dweight, N, C);
}
export function layernormF32(x: usize, weight: usize, bias: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  layernormImpl<f32>(x, weight, bias, out, mean, rstd, C, eps, start, end);
}
export function layernormF64(x: usize, weight: usize, bias: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  layernormImpl<f64>(x, weight, bias, out, mean, rstd, C, eps, start, end);
}
export function layernormBackwardF32(x: usize, weight: usize, mean: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, dbias: usize, N: i32, C: i32): void {
  layernormBackwardImpl<f32>(x, weight, mean, rstd, dout, dx, dweight, dbias, N, C);
}
export function layernormBackwardF64(x: usize, weight: usize, mean: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, dbias: usize, N: i32, C: i32): void {
  layernormBackwardImpl<f64>(x, weight, mean, rstd, dout, dx, dweight, dbias, N, C);
}
