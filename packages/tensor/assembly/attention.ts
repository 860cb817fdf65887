// Causal scaled dot-product attention per (batch, head) block, forward and backward, with the softmax
// probabilities saved in `att`. Query i sits at position offset + i and sees keys 0 … offset + i.
//
// One body per direction, generic over the element type T and computing in T's own lanes. The helpers right below
// are where float32 and float64 part: float64 takes the reference's order (dot products by rowDot, exponentials by
// expV, a row's probabilities divided by the sum, dq summed in scratch and added once), float32 runs in f32x4 lanes
// with expF32x4 and multiplies by 1/sum, at float32 accuracy (CONTRIBUTING, "Float32 in f32 lanes").
//
// q, k, v, out (and dout, dq, dk, dv) may be strided (B, H, T, D) views with a contiguous last axis: their
// batch, head and row strides, in elements, come in `strides` (an i32 array, three per tensor in argument
// order), so a model can attend straight from its fused qkv rows and write heads side by side.
import { expF32x4, expS, expV, rowDot } from './math';
import { mulAdd } from './multiply-add';

// Positions of the tensors in `strides`: forward (q, k, v, out), backward (q, k, v, dout, dq, dk, dv).
const Q = 0;
const K = 1;
const V = 2;
const OUT = 3;
const DOUT = 3;
const DQ = 4;
const DK = 5;
const DV = 6;

/** Byte address of row 0 of block bh (= b·H + h) of the tensor at `base`, tensor `which` of `strides`. */
@inline function blockAt<T>(base: usize, strides: usize, which: i32, bh: i32, H: i32): usize {
  const b = bh / H;
  const s = strides + (<usize>which * 12);
  return base + ((<usize>b * <usize>load<i32>(s) + <usize>(bh - b * H) * <usize>load<i32>(s, 4)) << alignof<T>());
}

/** Bytes between consecutive rows of tensor `which` of `strides`. */
@inline function rowBytesOf<T>(strides: usize, which: i32): usize {
  return <usize>load<i32>(strides + (<usize>which * 12), 8) << alignof<T>();
}

// ---- where float32 and float64 differ ------------------------------------------------------------------------

/** Σ x[e]·y[e] over D f32 values, eight lanes a step in two f32x4 sums. */
@inline function dotF32(x: usize, y: usize, D: i32): f32 {
  let a = f32x4.splat(0);
  let b = f32x4.splat(0);
  let e = 0;
  for (; e + 8 <= D; e += 8) {
    const o = <usize>e << 2;
    a = mulAdd<f32>(a, v128.load(x + o), v128.load(y + o));
    b = mulAdd<f32>(b, v128.load(x + o, 16), v128.load(y + o, 16));
  }
  for (; e + 4 <= D; e += 4) a = mulAdd<f32>(a, v128.load(x + (<usize>e << 2)), v128.load(y + (<usize>e << 2)));
  a = f32x4.add(a, b);
  let sum = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
  for (; e < D; e++) sum += load<f32>(x + (<usize>e << 2)) * load<f32>(y + (<usize>e << 2));
  return sum;
}

/** Σ x[e]·y[e] over D values of T. */
@inline function dot<T>(x: usize, y: usize, D: i32): T {
  if (sizeof<T>() == 4) return <T>dotF32(x, y, D);
  return <T>rowDot<f64>(x, y, D);
}

/** p[0 .. n) = exp(p - mx) for f32 values, returning their sum. */
@inline function expShiftSumF32(p: usize, n: i32, mx: f32): f32 {
  const m = f32x4.splat(mx);
  let sv = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= n; j += 4) {
    const o = <usize>j << 2;
    const e = expF32x4(f32x4.sub(v128.load(p + o), m));
    v128.store(p + o, e);
    sv = f32x4.add(sv, e);
  }
  let sum = f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
  for (; j < n; j++) {
    const e = f32x4.extract_lane(expF32x4(f32x4.splat(load<f32>(p + (<usize>j << 2)) - mx)), 0);
    store<f32>(p + (<usize>j << 2), e);
    sum += e;
  }
  return sum;
}

/** p[0 .. n) = exp(p - mx) for f64 values, returning their sum. */
@inline function expShiftSumF64(p: usize, n: i32, mx: f64): f64 {
  const m = f64x2.splat(mx);
  let sv = f64x2.splat(0);
  let j = 0;
  for (; j + 2 <= n; j += 2) {
    const o = <usize>j << 3;
    const e = expV(f64x2.sub(v128.load(p + o), m));
    v128.store(p + o, e);
    sv = f64x2.add(sv, e);
  }
  let sum = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
  if (j < n) {
    const e = expS(load<f64>(p + (<usize>j << 3)) - mx);
    store<f64>(p + (<usize>j << 3), e);
    sum += e;
  }
  return sum;
}

/** p[0 .. n) = exp(p - mx) for values of T, returning their sum. */
@inline function expShiftSum<T>(p: usize, n: i32, mx: T): T {
  if (sizeof<T>() == 4) return <T>expShiftSumF32(p, n, <f32>mx);
  return <T>expShiftSumF64(p, n, <f64>mx);
}

/** A row's probability from its exponential: float32 multiplies by 1/sum (`inverse`), float64 divides by the sum. */
@inline function probability<T>(e: T, sum: T, inverse: T): T {
  return sizeof<T>() == 4 ? e * inverse : e / sum;
}

// ---- shared by both ---------------------------------------------------------------------------------------------

/** acc[0 .. D) += a · src[0 .. D), all T. */
@inline function axpy<T>(acc: usize, a: T, src: usize, D: i32): void {
  const sh = alignof<T>();
  const lanes = <i32>(16 / sizeof<T>());
  const av = v128.splat<T>(a);
  let e = 0;
  for (; e + lanes <= D; e += lanes) {
    const o = <usize>e << sh;
    v128.store(acc + o, mulAdd<T>(v128.load(acc + o), av, v128.load(src + o)));
  }
  for (; e < D; e++) {
    const o = <usize>e << sh;
    store<T>(acc + o, load<T>(acc + o) + a * load<T>(src + o));
  }
}

/** dst[0 .. D) += sum[0 .. D), all T. */
@inline function addInto<T>(dst: usize, sum: usize, D: i32): void {
  const sh = alignof<T>();
  const lanes = <i32>(16 / sizeof<T>());
  let e = 0;
  for (; e + lanes <= D; e += lanes) {
    const o = <usize>e << sh;
    v128.store(dst + o, v128.add<T>(v128.load(dst + o), v128.load(sum + o)));
  }
  for (; e < D; e++) {
    const o = <usize>e << sh;
    store<T>(dst + o, load<T>(dst + o) + load<T>(sum + o));
  }
}

/**
 * att[i, j] = softmax_j(scale · q_i · k_j) for j ≤ offset + i, else 0; out_i = Σ_j att_ij v_j. The scores are
 * computed in att's row, then turned into probabilities there; out's row is the sum.
 */
function attentionOf<T>(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: T, offset: i32, start: i32, end: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>D << sh;
  const qStep = rowBytesOf<T>(strides, Q), kStep = rowBytesOf<T>(strides, K), vStep = rowBytesOf<T>(strides, V), outStep = rowBytesOf<T>(strides, OUT);
  for (let bh = start; bh < end; bh++) {
    const qBlock = blockAt<T>(q, strides, Q, bh, H);
    const kBlock = blockAt<T>(k, strides, K, bh, H);
    const vBlock = blockAt<T>(v, strides, V, bh, H);
    const outBlock = blockAt<T>(out, strides, OUT, bh, H);
    for (let i = 0; i < Tq; i++) {
      const qRow = qBlock + <usize>i * qStep;
      const attRow = att + ((<usize>bh * <usize>Tq + <usize>i) * <usize>Tk << sh);
      const outRow = outBlock + <usize>i * outStep;
      const count = min(offset + i + 1, Tk);
      let mx = <T>-Infinity;
      for (let j = 0; j < count; j++) {
        const s: T = dot<T>(qRow, kBlock + <usize>j * kStep, D) * scale;
        store<T>(attRow + (<usize>j << sh), s);
        mx = max(mx, s);
      }
      const sum = expShiftSum<T>(attRow, count, mx);
      const inverse: T = 1 / sum;
      memory.fill(outRow, 0, rowBytes);
      for (let j = 0; j < count; j++) {
        const p = probability<T>(load<T>(attRow + (<usize>j << sh)), sum, inverse);
        store<T>(attRow + (<usize>j << sh), p);
        axpy<T>(outRow, p, vBlock + <usize>j * vStep, D);
      }
      if (count < Tk) memory.fill(attRow + (<usize>count << sh), 0, <usize>(Tk - count) << sh);
    }
  }
}

/** Bytes of scratch attentionBackwardOf<T> takes: datt of one row, a dq row, then dk and dv of one block. */
@inline function backwardScratchBytes<T>(Tk: i32, D: i32): i32 {
  return (Tk + D + 2 * Tk * D) * sizeof<T>();
}

/**
 * With datt_ij = dout_i · v_j and ds_ij = att_ij (datt_ij - Σ_l att_il datt_il): dv_j += Σ_i att_ij dout_i,
 * dq_i += scale Σ_j ds_ij k_j, dk_j += scale Σ_i ds_ij q_i. dk and dv are summed per block in scratch and added
 * once; dq rows too for float64 (the reference's order), while float32 adds into dq directly.
 */
function attentionBackwardOf<T>(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: T, offset: i32, scratch: usize, start: i32, end: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>D << sh;
  const datt = scratch;
  const dqSum = datt + (<usize>Tk << sh);
  const dkSum = dqSum + rowBytes;
  const dvSum = dkSum + <usize>Tk * rowBytes;
  const keys = min(offset + Tq, Tk); // keys any query of the block can see
  const qStep = rowBytesOf<T>(strides, Q), kStep = rowBytesOf<T>(strides, K), vStep = rowBytesOf<T>(strides, V), doutStep = rowBytesOf<T>(strides, DOUT);
  const dqStep = rowBytesOf<T>(strides, DQ), dkStep = rowBytesOf<T>(strides, DK), dvStep = rowBytesOf<T>(strides, DV);
  for (let bh = start; bh < end; bh++) {
    const qBlock = blockAt<T>(q, strides, Q, bh, H);
    const kBlock = blockAt<T>(k, strides, K, bh, H);
    const vBlock = blockAt<T>(v, strides, V, bh, H);
    const doutBlock = blockAt<T>(dout, strides, DOUT, bh, H);
    const dqBlock = blockAt<T>(dq, strides, DQ, bh, H);
    const dkBlock = blockAt<T>(dk, strides, DK, bh, H);
    const dvBlock = blockAt<T>(dv, strides, DV, bh, H);
    memory.fill(dkSum, 0, <usize>keys * rowBytes);
    memory.fill(dvSum, 0, <usize>keys * rowBytes);
    for (let i = 0; i < Tq; i++) {
      const qRow = qBlock + <usize>i * qStep;
      const doutRow = doutBlock + <usize>i * doutStep;
      const dqRow = dqBlock + <usize>i * dqStep;
      const attRow = att + ((<usize>bh * <usize>Tq + <usize>i) * <usize>Tk << sh);
      const count = min(offset + i + 1, Tk);
      let weighted: T = 0;
      for (let j = 0; j < count; j++) {
        const a = load<T>(attRow + (<usize>j << sh));
        const d = dot<T>(doutRow, vBlock + <usize>j * vStep, D);
        axpy<T>(dvSum + <usize>j * rowBytes, a, doutRow, D);
        store<T>(datt + (<usize>j << sh), d);
        weighted += a * d;
      }
      const dqTarget = sizeof<T>() == 8 ? dqSum : dqRow;
      if (sizeof<T>() == 8) memory.fill(dqSum, 0, rowBytes);
      for (let j = 0; j < count; j++) {
        const ds: T = load<T>(attRow + (<usize>j << sh)) * (load<T>(datt + (<usize>j << sh)) - weighted) * scale;
        axpy<T>(dqTarget, ds, kBlock + <usize>j * kStep, D);
        axpy<T>(dkSum + <usize>j * rowBytes, ds, qRow, D);
      }
      if (sizeof<T>() == 8) addInto<T>(dqRow, dqSum, D);
    }
    for (let j = 0; j < keys; j++) {
      addInto<T>(dkBlock + <usize>j * dkStep, dkSum + <usize>j * rowBytes, D);
      addInto<T>(dvBlock + <usize>j * dvStep, dvSum + <usize>j * rowBytes, D);
    }
  }
}

// ---- exports ---------------------------------------------------------------------------------------------------

export function attentionF32(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: f64, offset: i32, start: i32, end: i32): void {
  attentionOf<f32>(q, k, v, out, att, strides, H, Tq, Tk, D, <f32>scale, offset, start, end);
}
export function attentionF64(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: f64, offset: i32, start: i32, end: i32): void {
  attentionOf<f64>(q, k, v, out, att, strides, H, Tq, Tk, D, scale, offset, start, end);
}
/** Bytes of scratch one attentionBackwardF32 call needs per thread. */
export function attentionBackwardScratchBytesF32(Tk: i32, D: i32): i32 {
  return backwardScratchBytes<f32>(Tk, D);
}
/** Bytes of scratch one attentionBackwardF64 call needs per thread. */
export function attentionBackwardScratchBytesF64(Tk: i32, D: i32): i32 {
  return backwardScratchBytes<f64>(Tk, D);
}
export function attentionBackwardF32(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionBackwardOf<f32>(q, k, v, att, dout, dq, dk, dv, strides, H, Tq, Tk, D, <f32>scale, offset, scratch, start, end);
}
export function attentionBackwardF64(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionBackwardOf<f64>(q, k, v, att, dout, dq, dk, dv, strides, H, Tq, Tk, D, scale, offset, scratch, start, end);
}
