// Causal scaled dot-product attention per (batch, head) block, forward and backward, with the softmax
// probabilities saved in `att`. Query i sits at position offset + i and sees keys 0 … offset + i.
// Both kernels take a per-call f64 scratch buffer (scores / gradient sums), since kernels may not allocate.
import { L2, S2, expV, rowDot } from './math';

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
function attentionImpl<T>(q: usize, k: usize, v: usize, out: usize, att: usize, Tq: i32, Tk: i32, D: i32, scale: f64,
  offset: i32, scratch: usize, start: i32, end: i32): void {
  const sh = alignof<T>();
  const p = scratch;
  const acc = scratch + (<usize>Tk << 3);
  const rowBytes = <usize>D << sh;
  for (let bh = start; bh < end; bh++) {
    const kBase = k + <usize>bh * <usize>Tk * rowBytes;
    const vBase = v + <usize>bh * <usize>Tk * rowBytes;
    for (let i = 0; i < Tq; i++) {
      const qi = <usize>bh * <usize>Tq + <usize>i;
      const qRow = q + qi * rowBytes;
      const aRow = att + (qi * <usize>Tk << sh);
      const oRow = out + qi * rowBytes;
      const count = min(offset + i + 1, Tk);
      let mx: f64 = -Infinity;
      for (let j = 0; j < count; j++) {
        const s = rowDot<T>(qRow, kBase + <usize>j * rowBytes, D) * scale;
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
        axpy<T>(acc, pj, vBase + <usize>j * rowBytes, D);
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
  Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  const sh = alignof<T>();
  const datt = scratch;
  const dqAcc = datt + (<usize>Tk << 3);
  const dkAcc = dqAcc + (<usize>D << 3);
  const dvAcc = dkAcc + (<usize>Tk * <usize>D << 3);
  const rowBytes = <usize>D << sh;
  const accRow = <usize>D << 3;
  const keys = min(offset + Tq, Tk); // keys any query of the block can see
  for (let bh = start; bh < end; bh++) {
    const kBase = k + <usize>bh * <usize>Tk * rowBytes;
    const vBase = v + <usize>bh * <usize>Tk * rowBytes;
    memory.fill(dkAcc, 0, <usize>keys * accRow);
    memory.fill(dvAcc, 0, <usize>keys * accRow);
    for (let i = 0; i < Tq; i++) {
      const qi = <usize>bh * <usize>Tq + <usize>i;
      const qRow = q + qi * rowBytes;
      const doRow = dout + qi * rowBytes;
      const aRow = att + (qi * <usize>Tk << sh);
      const count = min(offset + i + 1, Tk);
      let weighted: f64 = 0;
      for (let j = 0; j < count; j++) {
        const a = <f64>load<T>(aRow + (<usize>j << sh));
        const dot = rowDot<T>(doRow, vBase + <usize>j * rowBytes, D);
        axpy<T>(dvAcc + <usize>j * accRow, a, doRow, D);
        store<f64>(datt + (<usize>j << 3), dot);
        weighted += a * dot;
      }
      memory.fill(dqAcc, 0, accRow);
      for (let j = 0; j < count; j++) {
        const ds = <f64>load<T>(aRow + (<usize>j << sh)) * (load<f64>(datt + (<usize>j << 3)) - weighted) * scale;
        axpy<T>(dqAcc, ds, kBase + <usize>j * rowBytes, D);
        axpy<T>(dkAcc + <usize>j * accRow, ds, qRow, D);
      }
      addInto<T>(dq + qi * rowBytes, dqAcc, D);
    }
    const blockOff = <usize>bh * <usize>Tk * rowBytes;
    addInto<T>(dk + blockOff, dkAcc, keys * D);
    addInto<T>(dv + blockOff, dvAcc, keys * D);
  }
}

export function attentionF32(q: usize, k: usize, v: usize, out: usize, att: usize, Tq: i32, Tk: i32, D: i32, scale: f64,
  offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionImpl<f32>(q, k, v, out, att, Tq, Tk, D, scale, offset, scratch, start, end);
}
export function attentionF64(q: usize, k: usize, v: usize, out: usize, att: usize, Tq: i32, Tk: i32, D: i32, scale: f64,
  offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionImpl<f64>(q, k, v, out, att, Tq, Tk, D, scale, offset, scratch, start, end);
}
export function attentionBackwardF32(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionBackwardImpl<f32>(q, k, v, att, dout, dq, dk, dv, Tq, Tk, D, scale, offset, scratch, start, end);
}
export function attentionBackwardF64(q: usize, k: usize, v: usize, att: usize, dout: usize, dq: usize, dk: usize, dv: usize,
  Tq: i32, Tk: i32, D: i32, scale: f64, offset: i32, scratch: usize, start: i32, end: i32): void {
  attentionBackwardImpl<f64>(q, k, v, att, dout, dq, dk, dv, Tq, Tk, D, scale, offset, scratch, start, end);
}
