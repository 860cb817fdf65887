// Causal scaled dot-product attention per (batch, head) block, forward and backward, with the softmax
// probabilities saved in `att`. Query i sits at position offset + i and sees keys 0 … offset + i.
// Both kernels take a per-call f64 scratch buffer (scores / gradient sums), since kernels may not allocate.
// q, k, v, out (and dout, dq, dk, dv) may be strided (B, H, T, D) views with a contiguous last axis: their
// batch, head and row strides, in elements, come in `strides` (an i32 array, three per tensor in argument
// order), so a model can attend straight from its fused qkv rows and write heads side by side.

/** Byte address of row 0 of block bh (= b·H + h) of the tensor at `base` whose strides are tensor `which` of `strides`. */
@inline function blockAt<T>(base: usize, strides: usize, which: i32, bh: i32, H: i32): usize {
  const b = bh / H;
  const s = strides + (<usize>which * 12);
  return base + ((<usize>b * <usize>load<i32>(s) + <usize>(bh - b * H) * <usize>load<i32>(s, 4)) << alignof<T>());
}

/** Bytes between consecutive rows of tensor `which` of `strides`. */
@inline function rowBytesOf<T>(strides: usize, which: i32): usize {
  return <usize>load<i32>(strides + (<usize>which * 12), 8) << alignof<T>();
}
import { L2, S2, expF32x4, expV, rowDot } from './math';

/** acc[0 .. D) += a · src[0 .. D) (acc f64, src T). */
@inline function axpy<T>(acc: usize, a: f64, src: usize, D: i32): void {
  const av = f64x2.splat(a);
  const sh = alignof<T>();
  let e = 0;
  for (; e + 2 <= D; e += 2) {
    const o = <usize>e << 3;
    v128.store(acc + o, f64x2.add(v128.load(acc + o), f64x2.mul(av, L2<T>(src + (<usize>e << sh), true))));
  }
  if (e < D) store<f64>(acc + (<usize>e << 3), load<f64>(acc + (<usize>e << 3)) + a * <f64>load<T>(src + (<usize>e << sh)));
}

/** dst[0 .. n) += acc[0 .. n) (dst T, acc f64), rounded once. */
@inline function addInto<T>(dst: usize, acc: usize, n: i32): void {
  const sh = alignof<T>();
  let e = 0;
  for (; e + 2 <= n; e += 2) S2<T>(dst + (<usize>e << sh), f64x2.add(L2<T>(dst + (<usize>e << sh), true), v128.load(acc + (<usize>e << 3))), true);
  if (e < n) store<T>(dst + (<usize>e << sh), <T>(<f64>load<T>(dst + (<usize>e << sh)) + load<f64>(acc + (<usize>e << 3))));
}

/**
 * att[i, j] = softmax_j(scale · q_i · k_j) for j ≤ offset + i, else 0; out_i = Σ_j att_ij v_j.
 * scratch: (Tk + D) f64 — the scores of one query row, then its output accumulator.
 */
function attentionImpl<T>(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  const sh = alignof<T>();
  const p = scratch;
  const acc = scratch + (<usize>Tk << 3);
  for (let bh = start; bh < end; bh++) {
    const qBlk = blockAt<T>(q, strides, 0, bh, H);
    const kBlk = blockAt<T>(k, strides, 1, bh, H);
    const vBlk = blockAt<T>(v, strides, 2, bh, H);
    const outBlk = blockAt<T>(out, strides, 3, bh, H);
    const qStep = rowBytesOf<T>(strides, 0), kStep = rowBytesOf<T>(strides, 1), vStep = rowBytesOf<T>(strides, 2), outStep = rowBytesOf<T>(strides, 3);
    for (let i = 0; i < Tq; i++) {
      const qi = <usize>bh * <usize>Tq + <usize>i;
      const qRow = qBlk + <usize>i * qStep;
      const aRow = att + (qi * <usize>Tk << sh);
      const oRow = (outBlk + <usize>i * outStep);
      const count = min(offset + i + 1, Tk);
      let mx: f64 = -Infinity;
      for (let j = 0; j < count; j++) {
        const s = rowDot<T>(qRow, (kBlk + <usize>j * kStep), D) * scale;
        store<f64>(p + (<usize>j << 3), s);
        mx = max(mx, s);
      }
      const m = f64x2.splat(mx);
      let sv = f64x2.splat(0);
      let j = 0;
      for (; j + 2 <= count; j += 2) {
        const e = expV(f64x2.sub(v128.load(p + (<usize>j << 3)), m));
        v128.store(p + (<usize>j << 3), e);
        sv = f64x2.add(sv, e);
      }
      let sum = f64x2.extract_lane(sv, 0) + f64x2.extract_lane(sv, 1);
      if (j < count) {
        const e = f64x2.extract_lane(expV(f64x2.splat(load<f64>(p + (<usize>j << 3)) - mx)), 0);
        store<f64>(p + (<usize>j << 3), e);
        sum += e;
      }
      memory.fill(acc, 0, <usize>D << 3);
      for (j = 0; j < count; j++) {
        const pj = load<f64>(p + (<usize>j << 3)) / sum;
        store<T>(aRow + (<usize>j << sh), <T>pj);
        axpy<T>(acc, pj, (vBlk + <usize>j * vStep), D);
      }
      if (count < Tk) memory.fill(aRow + (<usize>count << sh), 0, <usize>(Tk - count) << sh);
      let e = 0;
      for (; e + 2 <= D; e += 2) S2<T>(oRow + (<usize>e << sh), v128.load(acc + (<usize>e << 3)), true);
      if (e < D) store<T>(oRow + (<usize>e << sh), <T>load<f64>(acc + (<usize>e << 3)));
    }
  }
}

/**
 * With datt_ij = dout_i · v_j and ds_ij = att_ij (datt_ij - Σ_l att_il datt_il): dv_j += Σ_i att_ij dout_i,
 * dq_i += scale Σ_j ds_ij k_j, dk_j += scale Σ_i ds_ij q_i, summed in f64 per block and added once.
 * scratch: (Tk + D + 2·Tk·D) f64 — datt of one row, dq of one row, dk and dv of the block.
 */
function attentionBackwardImpl<T>(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  const sh = alignof<T>();
  const datt = scratch;
  const dqAcc = datt + (<usize>Tk << 3);
  const dkAcc = dqAcc + (<usize>D << 3);
  const dvAcc = dkAcc + (<usize>Tk * <usize>D << 3);
  const accRow = <usize>D << 3;
  const keys = min(offset + Tq, Tk); // keys any query of the block can see
  for (let bh = start; bh < end; bh++) {
    const qBlk = blockAt<T>(q, strides, 0, bh, H);
    const kBlk = blockAt<T>(k, strides, 1, bh, H);
    const vBlk = blockAt<T>(v, strides, 2, bh, H);
    const doutBlk = blockAt<T>(dout, strides, 3, bh, H);
    const dqBlk = blockAt<T>(dq, strides, 4, bh, H);
    const dkBlk = blockAt<T>(dk, strides, 5, bh, H);
    const dvBlk = blockAt<T>(dv, strides, 6, bh, H);
    const qStep = rowBytesOf<T>(strides, 0), kStep = rowBytesOf<T>(strides, 1), vStep = rowBytesOf<T>(strides, 2), doutStep = rowBytesOf<T>(strides, 3), dqStep = rowBytesOf<T>(strides, 4), dkStep = rowBytesOf<T>(strides, 5), dvStep = rowBytesOf<T>(strides, 6);
    memory.fill(dkAcc, 0, <usize>keys * accRow);
    memory.fill(dvAcc, 0, <usize>keys * accRow);
    for (let i = 0; i < Tq; i++) {
      const qi = <usize>bh * <usize>Tq + <usize>i;
      const qRow = qBlk + <usize>i * qStep;
      const doRow = (doutBlk + <usize>i * doutStep);
      const aRow = att + (qi * <usize>Tk << sh);
      const count = min(offset + i + 1, Tk);
      let weighted: f64 = 0;
      for (let j = 0; j < count; j++) {
        const a = <f64>load<T>(aRow + (<usize>j << sh));
        const dot = rowDot<T>(doRow, (vBlk + <usize>j * vStep), D);
        axpy<T>(dvAcc + <usize>j * accRow, a, doRow, D);
        store<f64>(datt + (<usize>j << 3), dot);
        weighted += a * dot;
      }
      memory.fill(dqAcc, 0, accRow);
      for (let j = 0; j < count; j++) {
        const ds = <f64>load<T>(aRow + (<usize>j << sh)) * (load<f64>(datt + (<usize>j << 3)) - weighted) * scale;
        axpy<T>(dqAcc, ds, (kBlk + <usize>j * kStep), D);
        axpy<T>(dkAcc + <usize>j * accRow, ds, qRow, D);
      }
      addInto<T>((dqBlk + <usize>i * dqStep), dqAcc, D);
    }
    for (let j = 0; j < keys; j++) {
      addInto<T>((dkBlk + <usize>j * dkStep), dkAcc + <usize>j * accRow, D);
      addInto<T>((dvBlk + <usize>j * dvStep), dvAcc + <usize>j * accRow, D);
    }
  }
}

// ---- float32 in f32 lanes -----------------------------------------------------------------------------------
// Float32 attention needs float32 accuracy only: dot products, the softmax (expF32x4) and the sums run four
// lanes at a time in f32, about four times the f64 path's speed. The float64 kernels above stay exact-minded.

/** Σ x[e]·y[e] over D f32 values, four lanes at a time. */
@inline function dotF32(x: usize, y: usize, D: i32): f32 {
  let a = f32x4.splat(0);
  let b = f32x4.splat(0);
  let e = 0;
  for (; e + 8 <= D; e += 8) {
    const o = <usize>e << 2;
    a = f32x4.add(a, f32x4.mul(v128.load(x + o), v128.load(y + o)));
    b = f32x4.add(b, f32x4.mul(v128.load(x + o, 16), v128.load(y + o, 16)));
  }
  for (; e + 4 <= D; e += 4) a = f32x4.add(a, f32x4.mul(v128.load(x + (<usize>e << 2)), v128.load(y + (<usize>e << 2))));
  a = f32x4.add(a, b);
  let sum = f32x4.extract_lane(a, 0) + f32x4.extract_lane(a, 1) + f32x4.extract_lane(a, 2) + f32x4.extract_lane(a, 3);
  for (; e < D; e++) sum += load<f32>(x + (<usize>e << 2)) * load<f32>(y + (<usize>e << 2));
  return sum;
}

/** acc[0 .. D) += a · src[0 .. D), all f32. */
@inline function axpyF32(acc: usize, a: f32, src: usize, D: i32): void {
  const av = f32x4.splat(a);
  let e = 0;
  for (; e + 4 <= D; e += 4) {
    const o = <usize>e << 2;
    v128.store(acc + o, f32x4.add(v128.load(acc + o), f32x4.mul(av, v128.load(src + o))));
  }
  for (; e < D; e++) store<f32>(acc + (<usize>e << 2), load<f32>(acc + (<usize>e << 2)) + a * load<f32>(src + (<usize>e << 2)));
}

/** p[0 .. n) = exp(p - mx), returning the sum; f32. */
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

/** attentionImpl for f32 data in f32 lanes; att rows hold the probabilities directly (no scratch for scores). */
function attentionF32Lanes(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: f32, offset: i32, start: i32, end: i32): void {
  const rowBytes = <usize>D << 2;
  for (let bh = start; bh < end; bh++) {
    const qBlk = blockAt<f32>(q, strides, 0, bh, H);
    const kBlk = blockAt<f32>(k, strides, 1, bh, H);
    const vBlk = blockAt<f32>(v, strides, 2, bh, H);
    const outBlk = blockAt<f32>(out, strides, 3, bh, H);
    const qStep = rowBytesOf<f32>(strides, 0), kStep = rowBytesOf<f32>(strides, 1), vStep = rowBytesOf<f32>(strides, 2), outStep = rowBytesOf<f32>(strides, 3);
    for (let i = 0; i < Tq; i++) {
      const qi = <usize>bh * <usize>Tq + <usize>i;
      const qRow = qBlk + <usize>i * qStep;
      const aRow = att + (qi * <usize>Tk << 2);
      const oRow = (outBlk + <usize>i * outStep);
      const count = min(offset + i + 1, Tk);
      let mx: f32 = -Infinity;
      for (let j = 0; j < count; j++) {
        const s = dotF32(qRow, (kBlk + <usize>j * kStep), D) * scale;
        store<f32>(aRow + (<usize>j << 2), s);
        mx = max(mx, s);
      }
      const inv: f32 = 1 / expShiftSumF32(aRow, count, mx);
      memory.fill(oRow, 0, rowBytes);
      for (let j = 0; j < count; j++) {
        const pj = load<f32>(aRow + (<usize>j << 2)) * inv;
        store<f32>(aRow + (<usize>j << 2), pj);
        axpyF32(oRow, pj, (vBlk + <usize>j * vStep), D);
      }
      if (count < Tk) memory.fill(aRow + (<usize>count << 2), 0, <usize>(Tk - count) << 2);
    }
  }
}

/**
 * attentionBackwardImpl for f32 data in f32 lanes. scratch: (Tk + 2·Tk·D) f32 — datt of one row, then dk and
 * dv of the block, added into dk, dv once; dq rows are added directly.
 */
function attentionBackwardF32Lanes(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: f32, offset: i32, scratch: usize, start: i32, end: i32): void {
  const rowBytes = <usize>D << 2;
  const datt = scratch;
  const dkAcc = datt + (<usize>Tk << 2);
  const dvAcc = dkAcc + <usize>Tk * rowBytes;
  const keys = min(offset + Tq, Tk);
  for (let bh = start; bh < end; bh++) {
    const qBlk = blockAt<f32>(q, strides, 0, bh, H);
    const kBlk = blockAt<f32>(k, strides, 1, bh, H);
    const vBlk = blockAt<f32>(v, strides, 2, bh, H);
    const doutBlk = blockAt<f32>(dout, strides, 3, bh, H);
    const dqBlk = blockAt<f32>(dq, strides, 4, bh, H);
    const dkBlk = blockAt<f32>(dk, strides, 5, bh, H);
    const dvBlk = blockAt<f32>(dv, strides, 6, bh, H);
    const qStep = rowBytesOf<f32>(strides, 0), kStep = rowBytesOf<f32>(strides, 1), vStep = rowBytesOf<f32>(strides, 2), doutStep = rowBytesOf<f32>(strides, 3), dqStep = rowBytesOf<f32>(strides, 4), dkStep = rowBytesOf<f32>(strides, 5), dvStep = rowBytesOf<f32>(strides, 6);
    memory.fill(dkAcc, 0, <usize>keys * rowBytes);
    memory.fill(dvAcc, 0, <usize>keys * rowBytes);
    for (let i = 0; i < Tq; i++) {
      const qi = <usize>bh * <usize>Tq + <usize>i;
      const qRow = qBlk + <usize>i * qStep;
      const doRow = (doutBlk + <usize>i * doutStep);
      const aRow = att + (qi * <usize>Tk << 2);
      const dqRow = (dqBlk + <usize>i * dqStep);
      const count = min(offset + i + 1, Tk);
      let weighted: f32 = 0;
      for (let j = 0; j < count; j++) {
        const a = load<f32>(aRow + (<usize>j << 2));
        const dot = dotF32(doRow, (vBlk + <usize>j * vStep), D);
        axpyF32(dvAcc + <usize>j * rowBytes, a, doRow, D);
        store<f32>(datt + (<usize>j << 2), dot);
        weighted += a * dot;
      }
      for (let j = 0; j < count; j++) {
        const ds = load<f32>(aRow + (<usize>j << 2)) * (load<f32>(datt + (<usize>j << 2)) - weighted) * scale;
        axpyF32(dqRow, ds, (kBlk + <usize>j * kStep), D);
        axpyF32(dkAcc + <usize>j * rowBytes, ds, qRow, D);
      }
    }
    for (let j = 0; j < keys; j++) {
      axpyF32((dkBlk + <usize>j * dkStep), 1, dkAcc + <usize>j * rowBytes, D);
      axpyF32((dvBlk + <usize>j * dvStep), 1, dvAcc + <usize>j * rowBytes, D);
    }
  }
}

export function attentionF32(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionF32Lanes(q, k, v, out, att, strides, H, Tq, Tk, D, <f32>scale, offset, start, end);
}
export function attentionF64(q: usize, k: usize, v: usize, out: usize, att: usize, strides: usize, H: i32, Tq: i32, Tk: i32, D: i32,
  scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionImpl<f64>(q, k, v, out, att, strides, H, Tq, Tk, D, scale, offset, scratch, start, end);
}
export function attentionBackwardF32(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionBackwardF32Lanes(q, k, v, att, dout, dq, dk, dv, strides, H, Tq, Tk, D, <f32>scale, offset, scratch, start, end);
}
export function attentionBackwardF64(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  strides: usize, H: i32, Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionBackwardImpl<f64>(q, k, v, att, dout, dq, dk, dv, strides, H, Tq, Tk, D, scale, offset, scratch, start, end);
}
