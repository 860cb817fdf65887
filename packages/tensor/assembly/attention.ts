// Causal scaled dot-product attention per (batch, head) block, forward and backward, with the softmax
// probabilities saved in `att`. Query i sits at position offset + i and sees keys 0 … offset + i.
//
// One body per direction, generic over the element type T and computing in T's own lanes, one query row at a time
// through the row operations of attention-rows.ts (dot products against every visible key, sums of key rows
// weighted by a row of att). Float32 and float64 part there and in the helpers right below: float64 takes the
// reference's order (dot products by rowDot, exponentials by expV, a row's probabilities divided by the sum, dq
// summed apart from dq and added once), float32 runs in f32x4 lanes (four keys a step in the dot products) with
// expF32x4 and multiplies by 1/sum, at float32 accuracy (CONTRIBUTING, "Float32 in f32 lanes").
//
// q, k, v, out (and dout, dq, dk, dv) may be strided (B, H, T, D) views with a contiguous last axis: their
// batch, head and row strides, in elements, come in `strides` (an i32 array, three per tensor in argument
// order), so a model can attend straight from its fused qkv rows and write heads side by side.
import { addScaledRows, dots, keepLanesF32, loadPartialF32, storePartialF32, weightedRows, zeroBytes } from './attention-rows';
import { expF32x4, expS, expV } from './math';
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

/** p[0 .. n) = exp(p - mx) for f32 values, returning their sum; the last n % 4 values take one exp of a partial vector. */
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
  if (j < n) {
    const o = <usize>j << 2;
    const e = expF32x4(f32x4.sub(loadPartialF32(p + o, n - j), m));
    storePartialF32(p + o, e, n - j);
    sv = f32x4.add(sv, keepLanesF32(e, n - j));
  }
  return f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3);
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

/** p[0 .. n) = scale · p, returning the largest. */
@inline function scaleMax<T>(p: usize, n: i32, scale: T): T {
  const sh = alignof<T>();
  const L = <i32>(16 / sizeof<T>());
  const sv = v128.splat<T>(scale);
  let mv = v128.splat<T>(<T>-Infinity);
  let j = 0;
  for (; j + L <= n; j += L) {
    const s = v128.mul<T>(v128.load(p + (<usize>j << sh)), sv);
    v128.store(p + (<usize>j << sh), s);
    mv = v128.max<T>(mv, s);
  }
  let mx: T = max<T>(v128.extract_lane<T>(mv, 0), v128.extract_lane<T>(mv, 1));
  if (sizeof<T>() == 4) mx = max<T>(mx, max<T>(v128.extract_lane<T>(mv, 2), v128.extract_lane<T>(mv, 3)));
  for (; j < n; j++) {
    const s: T = load<T>(p + (<usize>j << sh)) * scale;
    store<T>(p + (<usize>j << sh), s);
    mx = max<T>(mx, s);
  }
  return mx;
}

/**
 * p[0 .. n) = p / sum, a row's probabilities from its exponentials: float32 multiplies by 1/sum (f32x4 lanes),
 * float64 divides by the sum (f64x2 division rounds each lane as the reference's scalar division does).
 */
@inline function normalize<T>(p: usize, n: i32, sum: T): void {
  const sh = alignof<T>();
  const L = <i32>(16 / sizeof<T>());
  const inverse: T = 1 / sum;
  const fv = v128.splat<T>(sizeof<T>() == 4 ? inverse : sum);
  let j = 0;
  for (; j + L <= n; j += L) {
    const o = <usize>j << sh;
    v128.store(p + o, sizeof<T>() == 4 ? v128.mul<T>(v128.load(p + o), fv) : v128.div<T>(v128.load(p + o), fv));
  }
  for (; j < n; j++) {
    const o = <usize>j << sh;
    store<T>(p + o, sizeof<T>() == 4 ? load<T>(p + o) * inverse : load<T>(p + o) / sum);
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
 * computed in att's row, then turned into probabilities there; out's row is their weighted sum of v's rows.
 */
function attentionOf<T>(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: T, offset: i32, start: i32, end: i32): void {
  const sh = alignof<T>();
  const qStep = rowBytesOf<T>(strides, Q), kStep = rowBytesOf<T>(strides, K), vStep = rowBytesOf<T>(strides, V), outStep = rowBytesOf<T>(strides, OUT);
  for (let bh = start; bh < end; bh++) {
    const qBlock = blockAt<T>(q, strides, Q, bh, H);
    const kBlock = blockAt<T>(k, strides, K, bh, H);
    const vBlock = blockAt<T>(v, strides, V, bh, H);
    const outBlock = blockAt<T>(out, strides, OUT, bh, H);
    for (let i = 0; i < Tq; i++) {
      const attRow = att + ((<usize>bh * <usize>Tq + <usize>i) * <usize>Tk << sh);
      const count = min(offset + i + 1, Tk);
      dots<T>(qBlock + <usize>i * qStep, kBlock, kStep, D, count, attRow);
      const mx = scaleMax<T>(attRow, count, scale);
      normalize<T>(attRow, count, expShiftSum<T>(attRow, count, mx));
      weightedRows<T>(outBlock + <usize>i * outStep, attRow, vBlock, vStep, count, D, false);
      zeroBytes(attRow + (<usize>count << sh), <usize>(Tk - count) << sh);
    }
  }
}

/** Bytes of scratch attentionBackwardOf<T> takes: datt of one row, then dk and dv of one block. */
@inline function backwardScratchBytes<T>(Tk: i32, D: i32): i32 {
  return (Tk + 2 * Tk * D) * sizeof<T>();
}

/** Σ_{j < n} a[j]·d[j] in T: float32 in f32x4 lanes, float64 in key order (the reference's). */
@inline function weightedSum<T>(a: usize, d: usize, n: i32): T {
  let j = 0;
  let sum: T = 0;
  if (sizeof<T>() == 4) {
    let sv = f32x4.splat(0);
    for (; j + 4 <= n; j += 4) sv = mulAdd<f32>(sv, v128.load(a + (<usize>j << 2)), v128.load(d + (<usize>j << 2)));
    sum = <T>(f32x4.extract_lane(sv, 0) + f32x4.extract_lane(sv, 1) + f32x4.extract_lane(sv, 2) + f32x4.extract_lane(sv, 3));
  }
  for (; j < n; j++) sum += load<T>(a + (<usize>j << alignof<T>())) * load<T>(d + (<usize>j << alignof<T>()));
  return sum;
}

/** d[j] = a[j] · (d[j] - weighted) · scale for j < n: a row's score gradients from its probability gradients. */
@inline function scoreGradients<T>(a: usize, d: usize, n: i32, weighted: T, scale: T): void {
  const sh = alignof<T>();
  const L = <i32>(16 / sizeof<T>());
  const wv = v128.splat<T>(weighted), sv = v128.splat<T>(scale);
  let j = 0;
  for (; j + L <= n; j += L) {
    const o = <usize>j << sh;
    v128.store(d + o, v128.mul<T>(v128.mul<T>(v128.load(a + o), v128.sub<T>(v128.load(d + o), wv)), sv));
  }
  for (; j < n; j++) {
    const o = <usize>j << sh;
    store<T>(d + o, load<T>(a + o) * (load<T>(d + o) - weighted) * scale);
  }
}

/**
 * With datt_ij = dout_i · v_j and ds_ij = att_ij (datt_ij - Σ_l att_il datt_il): dv_j += Σ_i att_ij dout_i,
 * dq_i += scale Σ_j ds_ij k_j, dk_j += scale Σ_i ds_ij q_i. One query row at a time: its datt and ds fill one row of
 * scratch, its dq is summed in registers and added once, and dk and dv are summed per block in scratch and added
 * once.
 */
function attentionBackwardOf<T>(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: T, offset: i32, scratch: usize, start: i32, end: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>D << sh;
  const ds = scratch;
  const dkSum = ds + (<usize>Tk << sh);
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
    zeroBytes(dkSum, <usize>keys * rowBytes);
    zeroBytes(dvSum, <usize>keys * rowBytes);
    for (let i = 0; i < Tq; i++) {
      const qRow = qBlock + <usize>i * qStep;
      const doutRow = doutBlock + <usize>i * doutStep;
      const attRow = att + ((<usize>bh * <usize>Tq + <usize>i) * <usize>Tk << sh);
      const count = min(offset + i + 1, Tk);
      dots<T>(doutRow, vBlock, vStep, D, count, ds); // datt, turned into ds in place
      scoreGradients<T>(attRow, ds, count, weightedSum<T>(attRow, ds, count), scale);
      weightedRows<T>(dqBlock + <usize>i * dqStep, ds, kBlock, kStep, count, D, true);
      addScaledRows<T>(dvSum, attRow, doutRow, dkSum, ds, qRow, rowBytes, count, D);
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
