// Causal scaled dot-product attention per (batch, head), forward and backward, with the softmax probabilities
// saved in `att`. Query i sits at absolute position offset + i and sees keys 0 … offset + i; later keys get
// probability exactly 0 and are never read. q, k, v, out and their gradients may be strided views (a model's
// fused qkv rows seen as heads) as long as their last axis is contiguous.
// Argument types first, then the JS kernels; the family's conformance cases are in attention.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/**
 * Causal scaled dot-product attention. q: (B, H, Tq, D); k, v: (B, H, Tk, D); out: (B, H, Tq, D);
 * att: (B, H, Tq, Tk) the softmax probabilities, saved for backward, contiguous. Query i sits at position
 * offset + i (offset = tokens already in a KV cache) and sees keys 0 … offset + i. q, k, v and out may have
 * any strides on their first three axes (a model's fused q|k|v rows seen as heads, say); their last axis
 * is contiguous (stride 1).
 */
export interface AttentionArgs {
  /** Queries, (B, H, Tq, D); any strides on the first three axes, last axis contiguous. */
  q: Tensor;
  /** Keys, (B, H, Tk, D) with Tk ≥ offset + Tq; strides as `q`. */
  k: Tensor;
  /** Values, (B, H, Tk, D); strides as `q`. */
  v: Tensor;
  /** Output, (B, H, Tq, D), overwritten with Σ_j att_ij v_j; strides as `q`. */
  out: Tensor;
  /**
   * Softmax probabilities, (B, H, Tq, Tk), contiguous, overwritten and saved for the backward; entries for masked
   * (future) keys are exactly 0.
   */
  att: Tensor;
  /** Multiplies q · k before the softmax, usually 1 / sqrt(D). */
  scale: number;
  /**
   * Absolute position of the first query (tokens already in a KV cache; 0 in training): query i sees keys 0 …
   * offset + i.
   */
  offset: number;
}

/** Backward of attention: dq += …, dk += …, dv += …, shapes as q, k, v; strides as in AttentionArgs. */
export interface AttentionBackwardArgs {
  /** Queries of the forward pass, (B, H, Tq, D). */
  q: Tensor;
  /** Keys of the forward pass, (B, H, Tk, D). */
  k: Tensor;
  /** Values of the forward pass, (B, H, Tk, D). */
  v: Tensor;
  /** The probabilities the forward saved, (B, H, Tq, Tk), contiguous. */
  att: Tensor;
  /** Gradient of the loss with respect to the forward's `out`, (B, H, Tq, D). */
  dout: Tensor;
  /** Gradient with respect to `q`, (B, H, Tq, D), accumulated into (+=). */
  dq: Tensor;
  /** Gradient with respect to `k`, (B, H, Tk, D), accumulated into (+=). */
  dk: Tensor;
  /** Gradient with respect to `v`, (B, H, Tk, D), accumulated into (+=). */
  dv: Tensor;
  /** The forward's score scale. */
  scale: number;
  /** The forward's query position offset. */
  offset: number;
}

/** Index of element (b, h, row, 0) of a (B, H, T, D) view whose last axis is contiguous. */
function rowStart(t: Tensor, bh: number, heads: number, row: number): number {
  const b = Math.floor(bh / heads);
  return t.offset + b * t.strides[0]! + (bh - b * heads) * t.strides[1]! + row * t.strides[2]!;
}

/** att[b, h, i, j] = softmax_j(scale · q_i · k_j) for j ≤ offset + i, else 0; out_i = Σ_j att_ij v_j. */
export function attention({ q, k, v, out, att, scale, offset }: AttentionArgs): void {
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const qs = floatsOf(q);
  const ks = floatsOf(k);
  const vs = floatsOf(v);
  const os = floatsOf(out);
  const as = floatsOf(att);
  // Scores and output row in float64 whatever the storage dtype.
  const p = new Float64Array(tk);
  const acc = new Float64Array(d);
  for (let bh = 0; bh < b * h; bh++) {
    for (let i = 0; i < tq; i++) {
      const qRow = rowStart(q, bh, h, i);
      const aRow = att.offset + (bh * tq + i) * tk;
      const oRow = rowStart(out, bh, h, i);
      const last = offset + i;
      let max = -Infinity;
      for (let j = 0; j <= last; j++) {
        const kRow = rowStart(k, bh, h, j);
        let dot = 0;
        for (let e = 0; e < d; e++) dot += qs[qRow + e]! * ks[kRow + e]!;
        p[j] = dot * scale;
        max = Math.max(max, p[j]!);
      }
      let sum = 0;
      for (let j = 0; j <= last; j++) {
        p[j] = Math.exp(p[j]! - max);
        sum += p[j]!;
      }
      acc.fill(0);
      for (let j = 0; j <= last; j++) {
        const pj = p[j]! / sum;
        as[aRow + j] = pj;
        const vRow = rowStart(v, bh, h, j);
        for (let e = 0; e < d; e++) acc[e]! += pj * vs[vRow + e]!;
      }
      for (let j = last + 1; j < tk; j++) as[aRow + j] = 0;
      for (let e = 0; e < d; e++) os[oRow + e] = acc[e]!;
    }
  }
}

/**
 * With datt_ij = dout_i · v_j and ds_ij = att_ij (datt_ij - Σ_l att_il datt_il) (the softmax backward):
 * dv_j += Σ_i att_ij dout_i, dq_i += scale Σ_j ds_ij k_j, dk_j += scale Σ_i ds_ij q_i.
 */
export function attentionBackward({ q, k, v, att, dout, dq, dk, dv, scale, offset }: AttentionBackwardArgs): void {
  const [b, h, tq, d] = q.shape as [number, number, number, number];
  const tk = k.shape[2]!;
  const qs = floatsOf(q);
  const ks = floatsOf(k);
  const vs = floatsOf(v);
  const as = floatsOf(att);
  const dos = floatsOf(dout);
  const dqs = floatsOf(dq);
  const dks = floatsOf(dk);
  const dvs = floatsOf(dv);
  // Gradients summed in float64 per (batch, head), then added into the outputs once.
  const datt = new Float64Array(tk);
  const dqAcc = new Float64Array(d);
  const dkAcc = new Float64Array(tk * d);
  const dvAcc = new Float64Array(tk * d);
  for (let bh = 0; bh < b * h; bh++) {
    dkAcc.fill(0);
    dvAcc.fill(0);
    for (let i = 0; i < tq; i++) {
      const qRow = rowStart(q, bh, h, i);
      const aRow = att.offset + (bh * tq + i) * tk;
      const doRow = rowStart(dout, bh, h, i);
      const last = offset + i;
      let weighted = 0;
      for (let j = 0; j <= last; j++) {
        const vRow = rowStart(v, bh, h, j);
        const a = as[aRow + j]!;
        let dot = 0;
        for (let e = 0; e < d; e++) {
          dot += dos[doRow + e]! * vs[vRow + e]!;
          dvAcc[j * d + e]! += a * dos[doRow + e]!;
        }
        datt[j] = dot;
        weighted += a * dot;
      }
      dqAcc.fill(0);
      for (let j = 0; j <= last; j++) {
        const ds = as[aRow + j]! * (datt[j]! - weighted) * scale;
        const kRow = rowStart(k, bh, h, j);
        for (let e = 0; e < d; e++) {
          dqAcc[e]! += ds * ks[kRow + e]!;
          dkAcc[j * d + e]! += ds * qs[qRow + e]!;
        }
      }
      const dqRow = rowStart(dq, bh, h, i);
      for (let e = 0; e < d; e++) dqs[dqRow + e]! += dqAcc[e]!;
    }
    for (let j = 0; j < tk; j++) {
      const dkRow = rowStart(dk, bh, h, j);
      const dvRow = rowStart(dv, bh, h, j);
      for (let e = 0; e < d; e++) {
        dks[dkRow + e]! += dkAcc[j * d + e]!;
        dvs[dvRow + e]! += dvAcc[j * d + e]!;
      }
    }
  }
}
