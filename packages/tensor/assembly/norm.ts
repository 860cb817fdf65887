// RMSNorm and LayerNorm over the rows of (N, C), forward and backward (llm.c style), in f64 lanes with the
// reference's operation order, each result rounded once to T.
//
// Optional tensors (weight, bias, dweight, dbias; address 0 = absent) are bool flags of one body per kernel. Each
// kernel's dispatch is a truth table over the tensors given, calling the body with literal flags: AssemblyScript
// resolves `if (hasWeight)` on a literal when it inlines the body, so every combination gets its own loops and no loop
// tests an address. (Tests inside the loops made these kernels up to 1.8× slower, as V8 does not hoist them; an i32
// mask of flags is not resolved at inlining, and Binaryen then folds the copies back into one loop with the tests.)
import { hsum64, loadPair, rowDot, rowSum, storePair } from './math';

/** Which of up to three optional tensors are given, as bits 1, 2, 4 in argument order: the row of a truth table. */
@inline function given(first: usize, second: usize = 0, third: usize = 0): i32 {
  return (first != 0 ? 1 : 0) | (second != 0 ? 2 : 0) | (third != 0 ? 4 : 0);
}

// ---- RMSNorm ---------------------------------------------------------------------------------------------
// Every helper below works on elements o and o + 1 (`two`) or on element o alone (the odd last one).

/** out = x · r [· w]. */
@inline function rmsOut<T>(two: bool, hasWeight: bool, x: usize, w: usize, out: usize, o: usize, r: v128): void {
  let y = f64x2.mul(loadPair<T>(x + o, two), r);
  if (hasWeight) y = f64x2.mul(y, loadPair<T>(w + o, two));
  storePair<T>(out + o, y, two);
}

@inline function rmsnormRows<T>(hasWeight: bool, x: usize, w: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  const sh = alignof<T>();
  for (let row = start; row < end; row++) {
    const base = <usize>row * <usize>C << sh;
    const xRow = x + base;
    const r = 1 / Math.sqrt(rowDot<T>(xRow, xRow, C) / C + eps);
    store<T>(rstd + (<usize>row << sh), <T>r);
    const rv = f64x2.splat(r);
    let i = 0;
    for (; i + 2 <= C; i += 2) rmsOut<T>(true, hasWeight, xRow, w, out + base, <usize>i << sh, rv);
    if (i < C) rmsOut<T>(false, hasWeight, xRow, w, out + base, <usize>i << sh, rv);
  }
}

function rmsnormOf<T>(x: usize, w: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  if (w) rmsnormRows<T>(true, x, w, out, rstd, C, eps, start, end);
  else rmsnormRows<T>(false, x, w, out, rstd, C, eps, start, end);
}

/** (dout [· w]) · x, summed over the row for the shared term. */
@inline function rmsDot<T>(two: bool, hasWeight: bool, x: usize, w: usize, dout: usize, o: usize): v128 {
  let g = loadPair<T>(dout + o, two);
  if (hasWeight) g = f64x2.mul(g, loadPair<T>(w + o, two));
  return f64x2.mul(g, loadPair<T>(x + o, two));
}

/** dx += r·g - k·x with g = dout [· w]; dweight += dout · x · r. */
@inline function rmsBack<T>(two: bool, hasWeight: bool, hasDweight: bool, x: usize, w: usize, dout: usize, dx: usize, dw: usize, o: usize, r: v128, k: v128): void {
  const xv = loadPair<T>(x + o, two);
  const dv = loadPair<T>(dout + o, two);
  const g = hasWeight ? f64x2.mul(dv, loadPair<T>(w + o, two)) : dv;
  storePair<T>(dx + o, f64x2.add(loadPair<T>(dx + o, two), f64x2.sub(f64x2.mul(r, g), f64x2.mul(k, xv))), two);
  if (hasDweight) storePair<T>(dw + o, f64x2.add(loadPair<T>(dw + o, two), f64x2.mul(f64x2.mul(dv, xv), r)), two);
}

@inline function rmsnormBackwardRows<T>(hasWeight: bool, hasDweight: bool, x: usize, w: usize, rstd: usize, dout: usize, dx: usize, dw: usize, N: i32, C: i32): void {
  const sh = alignof<T>();
  for (let row = 0; row < N; row++) {
    const base = <usize>row * <usize>C << sh;
    const r = <f64>load<T>(rstd + (<usize>row << sh));
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= C; i += 2) acc = f64x2.add(acc, rmsDot<T>(true, hasWeight, x + base, w, dout + base, <usize>i << sh));
    if (i < C) acc = f64x2.add(acc, rmsDot<T>(false, hasWeight, x + base, w, dout + base, <usize>i << sh));
    const k = f64x2.splat((r * r * r * hsum64(acc)) / C);
    const rv = f64x2.splat(r);
    i = 0;
    for (; i + 2 <= C; i += 2) rmsBack<T>(true, hasWeight, hasDweight, x + base, w, dout + base, dx + base, dw, <usize>i << sh, rv, k);
    if (i < C) rmsBack<T>(false, hasWeight, hasDweight, x + base, w, dout + base, dx + base, dw, <usize>i << sh, rv, k);
  }
}

function rmsnormBackwardOf<T>(x: usize, w: usize, rstd: usize, dout: usize, dx: usize, dw: usize, N: i32, C: i32): void {
  // As the reference: dweight only when weight is given too.
  switch (given(w, w ? dw : 0)) {
    case 0b00: rmsnormBackwardRows<T>(false, false, x, w, rstd, dout, dx, dw, N, C); break;
    case 0b01: rmsnormBackwardRows<T>(true, false, x, w, rstd, dout, dx, dw, N, C); break;
    default: rmsnormBackwardRows<T>(true, true, x, w, rstd, dout, dx, dw, N, C);
  }
}

// ---- LayerNorm -------------------------------------------------------------------------------------------

/** (x - mean)², lane 1 zero when only element o is taken. */
@inline function lnSquare<T>(two: bool, x: usize, o: usize, mu: v128): v128 {
  const dv = f64x2.sub(loadPair<T>(x + o, two), mu);
  return two ? f64x2.mul(dv, dv) : f64x2.replace_lane(f64x2.mul(dv, dv), 1, 0);
}

/** out = (x - mean) · r [· w] [+ b]. */
@inline function lnOut<T>(two: bool, hasWeight: bool, hasBias: bool, x: usize, w: usize, b: usize, out: usize, o: usize, mu: v128, r: v128): void {
  let y = f64x2.mul(f64x2.sub(loadPair<T>(x + o, two), mu), r);
  if (hasWeight) y = f64x2.mul(y, loadPair<T>(w + o, two));
  if (hasBias) y = f64x2.add(y, loadPair<T>(b + o, two));
  storePair<T>(out + o, y, two);
}

@inline function layernormRows<T>(hasWeight: bool, hasBias: bool, x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  const sh = alignof<T>();
  for (let row = start; row < end; row++) {
    const base = <usize>row * <usize>C << sh;
    const xRow = x + base;
    const mu = rowSum<T>(xRow, C) / C;
    const muv = f64x2.splat(mu);
    let acc = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= C; i += 2) acc = f64x2.add(acc, lnSquare<T>(true, xRow, <usize>i << sh, muv));
    if (i < C) acc = f64x2.add(acc, lnSquare<T>(false, xRow, <usize>i << sh, muv));
    const r = 1 / Math.sqrt(hsum64(acc) / C + eps);
    store<T>(mean + (<usize>row << sh), <T>mu);
    store<T>(rstd + (<usize>row << sh), <T>r);
    const rv = f64x2.splat(r);
    i = 0;
    for (; i + 2 <= C; i += 2) lnOut<T>(true, hasWeight, hasBias, xRow, w, b, out + base, <usize>i << sh, muv, rv);
    if (i < C) lnOut<T>(false, hasWeight, hasBias, xRow, w, b, out + base, <usize>i << sh, muv, rv);
  }
}

function layernormOf<T>(x: usize, w: usize, b: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  switch (given(w, b)) {
    case 0b00: layernormRows<T>(false, false, x, w, b, out, mean, rstd, C, eps, start, end); break;
    case 0b01: layernormRows<T>(true, false, x, w, b, out, mean, rstd, C, eps, start, end); break;
    case 0b10: layernormRows<T>(false, true, x, w, b, out, mean, rstd, C, eps, start, end); break;
    default: layernormRows<T>(true, true, x, w, b, out, mean, rstd, C, eps, start, end);
  }
}

/** g = dout [· w], for the row sums of g and g · (x - mean) · r. */
@inline function lnGrad<T>(two: bool, hasWeight: bool, w: usize, dout: usize, o: usize): v128 {
  const dv = loadPair<T>(dout + o, two);
  return hasWeight ? f64x2.mul(dv, loadPair<T>(w + o, two)) : dv;
}

/** dx += r · (g - mean(g) - norm · mean(g · norm)); dweight += dout · norm; dbias += dout. */
@inline function lnBack<T>(two: bool, hasWeight: bool, hasDweight: bool, hasDbias: bool, x: usize, w: usize, dout: usize, dx: usize, dw: usize, db: usize, o: usize,
  mu: v128, r: v128, gMean: v128, gNormMean: v128): void {
  const norm = f64x2.mul(f64x2.sub(loadPair<T>(x + o, two), mu), r);
  const dv = loadPair<T>(dout + o, two);
  const g = hasWeight ? f64x2.mul(dv, loadPair<T>(w + o, two)) : dv;
  storePair<T>(dx + o, f64x2.add(loadPair<T>(dx + o, two), f64x2.mul(r, f64x2.sub(f64x2.sub(g, gMean), f64x2.mul(norm, gNormMean)))), two);
  if (hasDweight) storePair<T>(dw + o, f64x2.add(loadPair<T>(dw + o, two), f64x2.mul(dv, norm)), two);
  if (hasDbias) storePair<T>(db + o, f64x2.add(loadPair<T>(db + o, two), dv), two);
}

@inline function layernormBackwardRows<T>(hasWeight: bool, hasDweight: bool, hasDbias: bool, x: usize, w: usize, mean: usize, rstd: usize, dout: usize, dx: usize, dw: usize, db: usize, N: i32, C: i32): void {
  const sh = alignof<T>();
  for (let row = 0; row < N; row++) {
    const base = <usize>row * <usize>C << sh;
    const mu = f64x2.splat(<f64>load<T>(mean + (<usize>row << sh)));
    const r = f64x2.splat(<f64>load<T>(rstd + (<usize>row << sh)));
    let gSum = f64x2.splat(0);
    let gNormSum = f64x2.splat(0);
    let i = 0;
    for (; i + 2 <= C; i += 2) {
      const o = <usize>i << sh;
      const g = lnGrad<T>(true, hasWeight, w, dout + base, o);
      gSum = f64x2.add(gSum, g);
      gNormSum = f64x2.add(gNormSum, f64x2.mul(f64x2.mul(g, f64x2.sub(loadPair<T>(x + base + o, true), mu)), r));
    }
    if (i < C) {
      const o = <usize>i << sh;
      const g = lnGrad<T>(false, hasWeight, w, dout + base, o);
      gSum = f64x2.add(gSum, g);
      // lane 1 of (x - mu) is -mu, but g's lane 1 is 0, so the product adds 0
      gNormSum = f64x2.add(gNormSum, f64x2.mul(f64x2.mul(g, f64x2.sub(loadPair<T>(x + base + o, false), mu)), r));
    }
    const gMean = f64x2.splat(hsum64(gSum) / C);
    const gNormMean = f64x2.splat(hsum64(gNormSum) / C);
    i = 0;
    for (; i + 2 <= C; i += 2) lnBack<T>(true, hasWeight, hasDweight, hasDbias, x + base, w, dout + base, dx + base, dw, db, <usize>i << sh, mu, r, gMean, gNormMean);
    if (i < C) lnBack<T>(false, hasWeight, hasDweight, hasDbias, x + base, w, dout + base, dx + base, dw, db, <usize>i << sh, mu, r, gMean, gNormMean);
  }
}

function layernormBackwardOf<T>(x: usize, w: usize, mean: usize, rstd: usize, dout: usize, dx: usize, dw: usize, db: usize, N: i32, C: i32): void {
  switch (given(w, dw, db)) {
    case 0b000: layernormBackwardRows<T>(false, false, false, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    case 0b001: layernormBackwardRows<T>(true, false, false, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    case 0b010: layernormBackwardRows<T>(false, true, false, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    case 0b011: layernormBackwardRows<T>(true, true, false, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    case 0b100: layernormBackwardRows<T>(false, false, true, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    case 0b101: layernormBackwardRows<T>(true, false, true, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    case 0b110: layernormBackwardRows<T>(false, true, true, x, w, mean, rstd, dout, dx, dw, db, N, C); break;
    default: layernormBackwardRows<T>(true, true, true, x, w, mean, rstd, dout, dx, dw, db, N, C);
  }
}

// ---- exports ---------------------------------------------------------------------------------------------

export function rmsnormF32(x: usize, weight: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  rmsnormOf<f32>(x, weight, out, rstd, C, eps, start, end);
}
export function rmsnormF64(x: usize, weight: usize, out: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  rmsnormOf<f64>(x, weight, out, rstd, C, eps, start, end);
}
export function rmsnormBackwardF32(x: usize, weight: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, N: i32, C: i32): void {
  rmsnormBackwardOf<f32>(x, weight, rstd, dout, dx, dweight, N, C);
}
export function rmsnormBackwardF64(x: usize, weight: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, N: i32, C: i32): void {
  rmsnormBackwardOf<f64>(x, weight, rstd, dout, dx, dweight, N, C);
}
export function layernormF32(x: usize, weight: usize, bias: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  layernormOf<f32>(x, weight, bias, out, mean, rstd, C, eps, start, end);
}
export function layernormF64(x: usize, weight: usize, bias: usize, out: usize, mean: usize, rstd: usize, C: i32, eps: f64, start: i32, end: i32): void {
  layernormOf<f64>(x, weight, bias, out, mean, rstd, C, eps, start, end);
}
export function layernormBackwardF32(x: usize, weight: usize, mean: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, dbias: usize, N: i32, C: i32): void {
  layernormBackwardOf<f32>(x, weight, mean, rstd, dout, dx, dweight, dbias, N, C);
}
export function layernormBackwardF64(x: usize, weight: usize, mean: usize, rstd: usize, dout: usize, dx: usize, dweight: usize, dbias: usize, N: i32, C: i32): void {
  layernormBackwardOf<f64>(x, weight, mean, rstd, dout, dx, dweight, dbias, N, C);
}
