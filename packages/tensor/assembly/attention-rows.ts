// The row operations of attention.ts: dot products of one row against many key rows, and sums of many rows
// weighted by a row of probabilities. They are laid out for small head sizes (the names preset attends with
// D = 4, shakespeare-cpu with D = 32), where a loop over D per (query, key) pair costs more than the arithmetic:
// float32 dot products take four keys at once and finish with one transposing reduction instead of a horizontal
// sum per key, and the weighted sums keep a slice of the result in registers across every key instead of adding
// into memory once per key. Float64 keeps the reference's order (rowDot per key, sums in key order), so its
// results are those of the per-key loops these replace.
import { rowDot } from './math';
import { mulAdd } from './multiply-add';

/** Elements of T in one v128. */
// @ts-ignore: decorator
@inline function lanes<T>(): i32 { return <i32>(16 / sizeof<T>()); }

/**
 * The four dot products x · r0 … x · r3 over D f32 values, as one f32x4 (lane j = x · rj): each row keeps its own
 * f32x4 sum, and one transposing reduction (six shuffles, three adds) turns the four sums into the four lanes.
 */
// @ts-ignore: decorator
@inline function dot4F32(x: usize, r0: usize, r1: usize, r2: usize, r3: usize, D: i32): v128 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let e = 0;
  for (; e + 4 <= D; e += 4) {
    const o = <usize>e << 2;
    const xv = v128.load(x + o);
    a0 = mulAdd<f32>(a0, xv, v128.load(r0 + o));
    a1 = mulAdd<f32>(a1, xv, v128.load(r1 + o));
    a2 = mulAdd<f32>(a2, xv, v128.load(r2 + o));
    a3 = mulAdd<f32>(a3, xv, v128.load(r3 + o));
  }
  // [a0₀+a0₂, a1₀+a1₂, a0₁+a0₃, a1₁+a1₃] and the same for a2, a3; then lane j gathers the rest of row j.
  const t01 = f32x4.add(v128.shuffle<f32>(a0, a1, 0, 4, 1, 5), v128.shuffle<f32>(a0, a1, 2, 6, 3, 7));
  const t23 = f32x4.add(v128.shuffle<f32>(a2, a3, 0, 4, 1, 5), v128.shuffle<f32>(a2, a3, 2, 6, 3, 7));
  let s = f32x4.add(v128.shuffle<f32>(t01, t23, 0, 1, 4, 5), v128.shuffle<f32>(t01, t23, 2, 3, 6, 7));
  if (e < D) {
    let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0;
    for (; e < D; e++) {
      const o = <usize>e << 2;
      const xe = load<f32>(x + o);
      t0 += xe * load<f32>(r0 + o);
      t1 += xe * load<f32>(r1 + o);
      t2 += xe * load<f32>(r2 + o);
      t3 += xe * load<f32>(r3 + o);
    }
    const t = f32x4.replace_lane(f32x4.replace_lane(f32x4.replace_lane(f32x4.splat(t0), 1, t1), 2, t2), 3, t3);
    s = f32x4.add(s, t);
  }
  return s;
}

/** Lanes 0 … n-1 (n in 1 … 3) of f32 values at p; the other lanes repeat p[0], so that any arithmetic on them stays finite. */
// @ts-ignore: decorator
@inline export function loadPartialF32(p: usize, n: i32): v128 {
  const x0 = load<f32>(p);
  let v = f32x4.splat(x0);
  if (n > 1) v = f32x4.replace_lane(v, 1, load<f32>(p, 4));
  if (n > 2) v = f32x4.replace_lane(v, 2, load<f32>(p, 8));
  return v;
}

/** Stores lanes 0 … n-1 (n in 1 … 3) of v at p. */
// @ts-ignore: decorator
@inline export function storePartialF32(p: usize, v: v128, n: i32): void {
  v128.store_lane<f32>(p, v, 0);
  if (n > 1) v128.store_lane<f32>(p, v, 1, 4);
  if (n > 2) v128.store_lane<f32>(p, v, 2, 8);
}

/** v with lanes n … 3 (n in 1 … 3) set to 0. */
// @ts-ignore: decorator
@inline export function keepLanesF32(v: v128, n: i32): v128 {
  return v128.and(v, i32x4.lt_s(i32x4(0, 1, 2, 3), i32x4.splat(n)));
}

/** Zeroes `bytes` bytes at p: a store loop, where memory.fill would be a call out of the module for a few bytes. */
export function zeroBytes(p: usize, bytes: usize): void {
  const end = p + bytes;
  const zero = v128.splat<i32>(0);
  for (; p + 16 <= end; p += 16) v128.store(p, zero);
  for (; p < end; p++) store<u8>(p, 0);
}

/**
 * out[j] = x · rows_j for j < count, where rows_j (D values of T) starts at rows + j·step bytes. Float32 takes four
 * rows at a time; float64 takes rowDot per row, the reference's order.
 */
export function dots<T>(x: usize, rows: usize, step: usize, D: i32, count: i32, out: usize): void {
  let j = 0;
  if (sizeof<T>() == 4) {
    for (; j + 4 <= count; j += 4) {
      const r0 = rows + <usize>j * step;
      v128.store(out + (<usize>j << 2), dot4F32(x, r0, r0 + step, r0 + 2 * step, r0 + 3 * step, D));
    }
    if (j < count) {
      // the last 1 to 3 rows as one more group of four, the missing rows standing in for by the first
      const r0 = rows + <usize>j * step, rem = count - j;
      const r1 = rem > 1 ? r0 + step : r0, r2 = rem > 2 ? r0 + 2 * step : r0;
      storePartialF32(out + (<usize>j << 2), dot4F32(x, r0, r1, r2, r0, D), rem);
    }
  } else {
    for (; j < count; j++) store<f64>(out + (<usize>j << 3), rowDot<f64>(x, rows + <usize>j * step, D));
  }
}

/**
 * dst[0 .. D) = Σ_{j < count} w[j] · rows_j (or dst += that sum when `add`), rows_j at rows + j·step bytes, all T.
 * Two vectors of dst, then one, then single elements, are summed in registers over every j and written once; each
 * element's sum runs in key order from zero, as the per-key loop it replaces did.
 */
export function weightedRows<T>(dst: usize, w: usize, rows: usize, step: usize, count: i32, D: i32, add: bool): void {
  const sh = alignof<T>();
  const L = lanes<T>();
  let e = 0;
  for (; e + 2 * L <= D; e += 2 * L) {
    const o = <usize>e << sh;
    let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0);
    let r = rows + o;
    for (let j = 0; j < count; j++) {
      const p = v128.load_splat<T>(w + (<usize>j << sh));
      s0 = mulAdd<T>(s0, p, v128.load(r));
      s1 = mulAdd<T>(s1, p, v128.load(r, 16));
      r += step;
    }
    if (add) {
      s0 = v128.add<T>(v128.load(dst + o), s0);
      s1 = v128.add<T>(v128.load(dst + o, 16), s1);
    }
    v128.store(dst + o, s0);
    v128.store(dst + o, s1, 16);
  }
  for (; e + L <= D; e += L) {
    const o = <usize>e << sh;
    let s0 = v128.splat<T>(0);
    let r = rows + o;
    for (let j = 0; j < count; j++) {
      s0 = mulAdd<T>(s0, v128.load_splat<T>(w + (<usize>j << sh)), v128.load(r));
      r += step;
    }
    v128.store(dst + o, add ? v128.add<T>(v128.load(dst + o), s0) : s0);
  }
  for (; e < D; e++) {
    const o = <usize>e << sh;
    let s: T = 0;
    let r = rows + o;
    for (let j = 0; j < count; j++) {
      s += load<T>(w + (<usize>j << sh)) * load<T>(r);
      r += step;
    }
    store<T>(dst + o, add ? load<T>(dst + o) + s : s);
  }
}

/**
 * For j < count: a_j[0 .. D) += wa[j] · xa and b_j[0 .. D) += wb[j] · xb, where a_j and b_j start at a and b +
 * j·rowBytes: the backward's per-key sums of one query's contribution, both in one pass. xa and xb are read once
 * per vector of D and stay in registers over every key.
 */
export function addScaledRows<T>(a: usize, wa: usize, xa: usize, b: usize, wb: usize, xb: usize, rowBytes: usize,
  count: i32, D: i32): void {
  const sh = alignof<T>();
  const L = lanes<T>();
  let e = 0;
  for (; e + L <= D; e += L) {
    const o = <usize>e << sh;
    const va = v128.load(xa + o), vb = v128.load(xb + o);
    let pa = a + o, pb = b + o;
    for (let j = 0; j < count; j++) {
      const jo = <usize>j << sh;
      v128.store(pa, mulAdd<T>(v128.load(pa), v128.load_splat<T>(wa + jo), va));
      v128.store(pb, mulAdd<T>(v128.load(pb), v128.load_splat<T>(wb + jo), vb));
      pa += rowBytes;
      pb += rowBytes;
    }
  }
  for (; e < D; e++) {
    const o = <usize>e << sh;
    const sa = load<T>(xa + o), sb = load<T>(xb + o);
    let pa = a + o, pb = b + o;
    for (let j = 0; j < count; j++) {
      const jo = <usize>j << sh;
      store<T>(pa, load<T>(pa) + load<T>(wa + jo) * sa);
      store<T>(pb, load<T>(pb) + load<T>(wb + jo) * sb);
      pa += rowBytes;
      pb += rowBytes;
    }
  }
}
