// Sum, mean and max along the middle axis of a contiguous tensor viewed as (outer, n, inner). Sums run in f64
// (f32 data promoted), max in native lanes (no rounding involved); NaN propagates through max.
import { rowMax, rowSum } from './math';

/** The reductions, by the code the JS side passes as `op` (member names are the TypeScript `ReduceOp` names). */
export const enum ReduceOp { sum, mean, max }

/**
 * out[j .. j+8) for one outer index: 8 columns at a time down the n rows (4 f64x2 accumulators), so that each
 * output column is summed in row order as in the reference.
 */
@inline function reduceColumns8<T>(op: i32, x: usize, out: usize, n: i32, inner: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>inner << sh;
  const init = op == ReduceOp.max ? f64x2.splat(-Infinity) : f64x2.splat(0);
  let a0 = init, a1 = init, a2 = init, a3 = init;
  let p = x;
  for (let k = 0; k < n; k++, p += rowBytes) {
    let v0: v128, v1: v128, v2: v128, v3: v128;
    if (sizeof<T>() == 4) {
      const u = v128.load(p);
      const w = v128.load(p, 16);
      v0 = f64x2.promote_low_f32x4(u);
      v1 = f64x2.promote_low_f32x4(v128.shuffle<i32>(u, u, 2, 3, 2, 3));
      v2 = f64x2.promote_low_f32x4(w);
      v3 = f64x2.promote_low_f32x4(v128.shuffle<i32>(w, w, 2, 3, 2, 3));
    } else {
      v0 = v128.load(p);
      v1 = v128.load(p, 16);
      v2 = v128.load(p, 32);
      v3 = v128.load(p, 48);
    }
    if (op == ReduceOp.max) {
      a0 = f64x2.max(a0, v0); a1 = f64x2.max(a1, v1); a2 = f64x2.max(a2, v2); a3 = f64x2.max(a3, v3);
    } else {
      a0 = f64x2.add(a0, v0); a1 = f64x2.add(a1, v1); a2 = f64x2.add(a2, v2); a3 = f64x2.add(a3, v3);
    }
  }
  if (op == ReduceOp.mean) {
    const d = f64x2.splat(<f64>n);
    a0 = f64x2.div(a0, d); a1 = f64x2.div(a1, d); a2 = f64x2.div(a2, d); a3 = f64x2.div(a3, d);
  }
  if (sizeof<T>() == 4) {
    v128.store(out, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a0), f32x4.demote_f64x2_zero(a1), 0, 1, 4, 5));
    v128.store(out, v128.shuffle<i32>(f32x4.demote_f64x2_zero(a2), f32x4.demote_f64x2_zero(a3), 0, 1, 4, 5), 16);
  } else {
    v128.store(out, a0); v128.store(out, a1, 16); v128.store(out, a2, 32); v128.store(out, a3, 48);
  }
}

/** One output column j (the tail after the 8-wide blocks). */
@inline function reduceColumn<T>(op: i32, x: usize, n: i32, inner: i32): f64 {
  const rowBytes = <usize>inner << alignof<T>();
  let acc: f64 = op == ReduceOp.max ? -Infinity : 0;
  for (let k = 0; k < n; k++, x += rowBytes) {
    const v = <f64>load<T>(x);
    if (op == ReduceOp.max) acc = max(acc, v);
    else acc += v;
  }
  return op == ReduceOp.mean ? acc / <f64>n : acc;
}

@inline function reduceOuter<T>(op: i32, x: usize, out: usize, n: i32, inner: i32): void {
  const sh = alignof<T>();
  let j = 0;
  for (; j + 8 <= inner; j += 8) reduceColumns8<T>(op, x + (<usize>j << sh), out + (<usize>j << sh), n, inner);
  for (; j < inner; j++) store<T>(out + (<usize>j << sh), <T>reduceColumn<T>(op, x + (<usize>j << sh), n, inner));
}

function reduceImpl<T>(op: i32, x: usize, out: usize, outer: i32, n: i32, inner: i32, start: i32, end: i32): void {
  const sh = alignof<T>();
  for (let o = start; o < end; o++) {
    const xo = x + (<usize>o * <usize>n * <usize>inner << sh);
    const oo = out + (<usize>o * <usize>inner << sh);
    if (inner == 1) store<T>(oo, <T>(op == ReduceOp.max ? rowMax<T>(xo, n) : op == ReduceOp.mean ? rowSum<T>(xo, n) / <f64>n : rowSum<T>(xo, n)));
    else if (op == ReduceOp.sum) reduceOuter<T>(ReduceOp.sum, xo, oo, n, inner);
    else if (op == ReduceOp.mean) reduceOuter<T>(ReduceOp.mean, xo, oo, n, inner);
    else reduceOuter<T>(ReduceOp.max, xo, oo, n, inner);
  }
}

export function reduceF32(op: i32, x: usize, out: usize, outer: i32, n: i32, inner: i32, start: i32, end: i32): void {
  reduceImpl<f32>(op, x, out, outer, n, inner, start, end);
}
export function reduceF64(op: i32, x: usize, out: usize, outer: i32, n: i32, inner: i32, start: i32, end: i32): void {
  reduceImpl<f64>(op, x, out, outer, n, inner, start, end);
}
