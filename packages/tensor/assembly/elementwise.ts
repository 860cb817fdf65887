// Elementwise add, sub, mul, div: contiguous, strided (broadcast views have stride 0) and with an f64 scalar.
// f32 + - × ÷ of two f32 values rounds exactly like the reference's f64 op rounded to f32, so f32x4 is exact.
import { lo64, hi64, pack32 } from './math';
import { advancingAxis, innerLength, innerStride, rowOffset, rowStep } from './strided-walk';

/** The operators, by the code the JS side passes as `op` (member names are the TypeScript `BinaryOp` names). */
export const enum BinaryOp { add, sub, mul, div }

@inline function opV<T>(op: i32, x: v128, y: v128): v128 {
  if (sizeof<T>() == 4) {
    if (op == BinaryOp.add) return f32x4.add(x, y);
    if (op == BinaryOp.sub) return f32x4.sub(x, y);
    if (op == BinaryOp.mul) return f32x4.mul(x, y);
    return f32x4.div(x, y);
  } else {
    if (op == BinaryOp.add) return f64x2.add(x, y);
    if (op == BinaryOp.sub) return f64x2.sub(x, y);
    if (op == BinaryOp.mul) return f64x2.mul(x, y);
    return f64x2.div(x, y);
  }
}

@inline function opS<T>(op: i32, x: T, y: T): T {
  if (op == BinaryOp.add) return x + y;
  if (op == BinaryOp.sub) return x - y;
  if (op == BinaryOp.mul) return x * y;
  return x / y;
}

/**
 * out[i] = a[i·sa] op b[i·sb] for i < n. Inlined with a constant op (see `row`) so that the optimizer drops the
 * op test from every loop; strides 1/1, 1/0 and 0/1 get SIMD loops.
 */
@inline function rowOp<T>(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  const sh = alignof<T>();
  const lanes = <i32>(16 / sizeof<T>());
  let i = 0;
  if (sa == 1 && sb == 1) {
    for (; i + lanes <= n; i += lanes) {
      const o = <usize>i << sh;
      v128.store(out + o, opV<T>(op, v128.load(a + o), v128.load(b + o)));
    }
  } else if (sa == 1 && sb == 0) {
    const y = v128.splat<T>(load<T>(b));
    for (; i + lanes <= n; i += lanes) {
      const o = <usize>i << sh;
      v128.store(out + o, opV<T>(op, v128.load(a + o), y));
    }
  } else if (sa == 0 && sb == 1) {
    const x = v128.splat<T>(load<T>(a));
    for (; i + lanes <= n; i += lanes) {
      const o = <usize>i << sh;
      v128.store(out + o, opV<T>(op, x, v128.load(b + o)));
    }
  }
  for (; i < n; i++) {
    store<T>(out + (<usize>i << sh), opS<T>(op, load<T>(a + (<usize>(i * sa) << sh)), load<T>(b + (<usize>(i * sb) << sh))));
  }
}

function row<T>(op: i32, a: usize, sa: i32, b: usize, sb: i32, out: usize, n: i32): void {
  if (op == BinaryOp.add) rowOp<T>(BinaryOp.add, a, sa, b, sb, out, n);
  else if (op == BinaryOp.sub) rowOp<T>(BinaryOp.sub, a, sa, b, sb, out, n);
  else if (op == BinaryOp.mul) rowOp<T>(BinaryOp.mul, a, sa, b, sb, out, n);
  else rowOp<T>(BinaryOp.div, a, sa, b, sb, out, n);
}

function binaryContigImpl<T>(op: i32, a: usize, b: usize, out: usize, start: i32, end: i32): void {
  if (end <= start) return;
  const o = <usize>start << alignof<T>();
  row<T>(op, a + o, 1, b + o, 1, out + o, end - start);
}

/** Elements [start, end) of out in row-major order; a and b are walked with their strides, a row at a time. */
function binaryStridedImpl<T>(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  if (end <= start) return;
  const sh = alignof<T>();
  const inner = innerLength(meta, rank);
  const sa = innerStride(meta, rank, 1);
  const sb = innerStride(meta, rank, 2);
  let r = start / inner;
  let col = start - r * inner;
  let aRow = rowOffset(meta, rank, 1, r);
  let bRow = rowOffset(meta, rank, 2, r);
  for (let e = start; e < end; r++) {
    const n = min(inner, col + end - e) - col;
    row<T>(op, a + (<usize>(aRow + col * sa) << sh), sa, b + (<usize>(bRow + col * sb) << sh), sb, out + (<usize>e << sh), n);
    e += n;
    col = 0;
    if (e < end) {
      const axis = advancingAxis(meta, rank, r);
      aRow += rowStep(meta, rank, 1, axis);
      bRow += rowStep(meta, rank, 2, axis);
    }
  }
}

// ---- with a scalar ----------------------------------------------------------------------------------------

/** out = a op s (or s op a when `first`), native lanes: exact for f64, and for f32 when s is an f32 value. */
@inline function scalarOp<T>(op: i32, first: bool, a: usize, s: T, out: usize, n: i32): void {
  const sh = alignof<T>();
  const lanes = <i32>(16 / sizeof<T>());
  const y = v128.splat<T>(s);
  let i = 0;
  for (; i + lanes <= n; i += lanes) {
    const o = <usize>i << sh;
    const x = v128.load(a + o);
    v128.store(out + o, first ? opV<T>(op, y, x) : opV<T>(op, x, y));
  }
  for (; i < n; i++) {
    const o = <usize>i << sh;
    const x = load<T>(a + o);
    store<T>(out + o, first ? opS<T>(op, s, x) : opS<T>(op, x, s));
  }
}

/** f32 data with an f64 scalar that f32 cannot hold: compute in f64 like the reference, round once. */
@inline function scalarOpWide(op: i32, first: bool, a: usize, s: f64, out: usize, n: i32): void {
  const y = f64x2.splat(s);
  let i = 0;
  for (; i + 4 <= n; i += 4) {
    const o = <usize>i << 2;
    const x = v128.load(a + o);
    const l = lo64(x);
    const h = hi64(x);
    v128.store(out + o, first ? pack32(opV<f64>(op, y, l), opV<f64>(op, y, h)) : pack32(opV<f64>(op, l, y), opV<f64>(op, h, y)));
  }
  for (; i < n; i++) {
    const o = <usize>i << 2;
    const x = <f64>load<f32>(a + o);
    store<f32>(out + o, <f32>(first ? opS<f64>(op, s, x) : opS<f64>(op, x, s)));
  }
}

function scalarRow<T>(op: i32, first: bool, a: usize, s: T, out: usize, n: i32): void {
  if (op == BinaryOp.add) scalarOp<T>(BinaryOp.add, false, a, s, out, n);
  else if (op == BinaryOp.mul) scalarOp<T>(BinaryOp.mul, false, a, s, out, n);
  else if (op == BinaryOp.sub) {
    if (first) scalarOp<T>(BinaryOp.sub, true, a, s, out, n);
    else scalarOp<T>(BinaryOp.sub, false, a, s, out, n);
  } else {
    if (first) scalarOp<T>(BinaryOp.div, true, a, s, out, n);
    else scalarOp<T>(BinaryOp.div, false, a, s, out, n);
  }
}

function scalarRowWide(op: i32, first: bool, a: usize, s: f64, out: usize, n: i32): void {
  if (op == BinaryOp.add) scalarOpWide(BinaryOp.add, false, a, s, out, n);
  else if (op == BinaryOp.mul) scalarOpWide(BinaryOp.mul, false, a, s, out, n);
  else if (op == BinaryOp.sub) {
    if (first) scalarOpWide(BinaryOp.sub, true, a, s, out, n);
    else scalarOpWide(BinaryOp.sub, false, a, s, out, n);
  } else {
    if (first) scalarOpWide(BinaryOp.div, true, a, s, out, n);
    else scalarOpWide(BinaryOp.div, false, a, s, out, n);
  }
}

// ---- exports -------------------------------------------------------------------------------------------------

export function binaryContigF32(op: i32, a: usize, b: usize, out: usize, start: i32, end: i32): void {
  binaryContigImpl<f32>(op, a, b, out, start, end);
}
export function binaryContigF64(op: i32, a: usize, b: usize, out: usize, start: i32, end: i32): void {
  binaryContigImpl<f64>(op, a, b, out, start, end);
}
export function binaryStridedF32(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  binaryStridedImpl<f32>(op, a, b, out, rank, meta, start, end);
}
export function binaryStridedF64(op: i32, a: usize, b: usize, out: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  binaryStridedImpl<f64>(op, a, b, out, rank, meta, start, end);
}
export function binaryScalarF32(op: i32, a: usize, scalar: f64, scalarFirst: i32, out: usize, start: i32, end: i32): void {
  if (end <= start) return;
  const o = <usize>start << 2;
  const s32 = <f32>scalar;
  if (<f64>s32 == scalar || isNaN(scalar)) scalarRow<f32>(op, scalarFirst != 0, a + o, s32, out + o, end - start);
  else scalarRowWide(op, scalarFirst != 0, a + o, scalar, out + o, end - start);
}
export function binaryScalarF64(op: i32, a: usize, scalar: f64, scalarFirst: i32, out: usize, start: i32, end: i32): void {
  if (end <= start) return;
  const o = <usize>start << 3;
  scalarRow<f64>(op, scalarFirst != 0, a + o, scalar, out + o, end - start);
}
