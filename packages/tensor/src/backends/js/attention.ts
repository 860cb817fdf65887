// Causal scaled dot-product attention per (batch, head), forward and backward, with the softmax probabilities
// saved in `att`. Query i sits at absolute position offset + i and sees keys 0 … offset + i; later keys get
// probability exactly 0 and are never read.
import type { AttentionArgs, AttentionBackwardArgs } from '../../backend';
import { floatsOf } from './storage';

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
    const kBase = k.offset + bh * tk * d;
    const vBase = v.offset + bh * tk * d;
    for (let i = 0; i < tq; i++) {
      const qRow = q.offset + (bh * tq + i) * d;
      const aRow = att.offset + (bh * tq + i) * tk;
      const oRow = out.offset + (bh * tq + i) * d;
      const last = offset + i;
      let max = -Infinity;
      for (let j = 0; j <= last; j++) {
        const kRow = kBase + j * d;
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
        const vRow = vBase + j * d;
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
    const kBase = k.offset + bh * tk * d;
    const vBase = v.offset + bh * tk * d;
    dkAcc.fill(0);
    dvAcc.fill(0);
    for (let i = 0; i < tq; i++) {
      const qRow = q.offset + (bh * tq + i) * d;
      const aRow = att.offset + (bh * tq + i) * tk;
      const doRow = dout.offset + (bh * tq + i) * d;
      const last = offset + i;
      let weighted = 0;
      for (let j = 0; j <= last; j++) {
        const vRow = vBase + j * d;
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
        const kRow = kBase + j * d;
        for (let e = 0; e < d; e++) {
          dqAcc[e]! += ds * ks[kRow + e]!;
          dkAcc[j * d + e]! += ds * qs[qRow + e]!;
        }
      }
      const dqRow = dq.offset + (bh * tq + i) * d;
      for (let e = 0; e < d; e++) dqs[dqRow + e]! += dqAcc[e]!;
    }
    const dkBase = dk.offset + bh * tk * d;
    const dvBase = dv.offset + bh * tk * d;
    for (let x = 0; x < tk * d; x++) {
      dks[dkBase + x]! += dkAcc[x]!;
      dvs[dvBase + x]! += dvAcc[x]!;
    }
  }
}
