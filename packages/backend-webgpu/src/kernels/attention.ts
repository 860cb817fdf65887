// Causal attention with a KV-cache offset, forward and backward. q, k, v, out (and dout, dq, dk, dv) are views
// with any strides on their batch, head and row axes; each gets its offset and three strides in the parameter
// block. Two forms, by the runtime's row form: `lanes` here, for GPUs, and `serial` in attention-serial.ts, for
// software adapters. Lanes forward: one workgroup per query row, lanes over keys for the scores (kept in att's row)
// and over the head dimension for out. Lanes backward: one workgroup per query row writes ds = att ⊙ (datt - Σ
// att·datt) · scale to a scratch matrix and adds dq; then one invocation per (key row, dimension) adds dk and dv,
// summing over the queries that see that key in order (no atomics).
import type { AttentionArgs, AttentionBackwardArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, memo, rowKernelHead, rowStride, rowSync, uniform } from '../wgsl';
import { ATTENTION_FIELDS, type View, attentionPart, attentionParts } from './attention-parts';
import { headStart, serialBackwardKeysShader, serialBackwardRowsShader, serialForwardShader } from './attention-serial';
import { needsWindows } from './split';

/** WGSL start of row `r` of head `bh` in view `n` (its elements follow with stride 1). */
function at(n: View, bh: string, r: string): string {
  return `(${headStart(n, bh)} + (${r}) * p.${n}S2)`;
}

const W = rowStride('lanes');

function forwardShader(): string {
  return memo('attention:lanes', () => /* wgsl */ `
${uniform(ATTENTION_FIELDS)}
${rowKernelHead('lanes')}
  if (row >= p.rows) { return; }
  let bh = row / p.Tq;
  let i = row % p.Tq;
  let last = p.offset + i;
  let a = p.att + row * p.Tk;
  let qi = ${at('q', 'bh', 'i')};
  var best = bits_(0xff800000u);
  for (var j = lid; j <= last; j += ${W}) {
    let kj = ${at('k', 'bh', 'j')};
    var dot = 0.0;
    for (var e = 0u; e < p.D; e++) { dot += t_q[qi + e] * t_k[kj + e]; }
    let s = dot * p.scale;
    t_att[a + j] = s;
    best = max(best, s);
  }
  let m = rowMax(lid, best);
  var part = 0.0;
  for (var j = lid; j <= last; j += ${W}) { part += exp(t_att[a + j] - m); }
  let total = rowSum(lid, part);
  for (var j = lid; j < p.Tk; j += ${W}) { t_att[a + j] = select(0.0, exp(t_att[a + j] - m) / total, j <= last); }
  ${rowSync('lanes')}
  let oi = ${at('o', 'bh', 'i')};
  for (var e = lid; e < p.D; e += ${W}) {
    var sum = 0.0;
    for (var j = 0u; j <= last; j++) { sum += t_att[a + j] * t_v[${at('v', 'bh', 'j')} + e]; }
    t_o[oi + e] = sum;
  }
}`);
}

function backwardRowsShader(): string {
  return memo('attentionBackwardRows:lanes', () => /* wgsl */ `
${uniform(ATTENTION_FIELDS)}
${rowKernelHead('lanes')}
  if (row >= p.rows) { return; }
  let bh = row / p.Tq;
  let i = row % p.Tq;
  let last = p.offset + i;
  let a = p.att + row * p.Tk;
  let gi = ${at('g', 'bh', 'i')};
  var part = 0.0;
  for (var j = lid; j <= last; j += ${W}) {
    let vj = ${at('v', 'bh', 'j')};
    var dot = 0.0;
    for (var e = 0u; e < p.D; e++) { dot += t_g[gi + e] * t_v[vj + e]; }
    t_ds[row * p.Tk + j] = dot;
    part += t_att[a + j] * dot;
  }
  let weighted = rowSum(lid, part);
  for (var j = lid; j <= last; j += ${W}) { t_ds[row * p.Tk + j] = t_att[a + j] * (t_ds[row * p.Tk + j] - weighted) * p.scale; }
  ${rowSync('lanes')}
  let dqi = ${at('dq', 'bh', 'i')};
  for (var e = lid; e < p.D; e += ${W}) {
    var sum = 0.0;
    for (var j = 0u; j <= last; j++) { sum += t_ds[row * p.Tk + j] * t_k[${at('k', 'bh', 'j')} + e]; }
    t_dq[dqi + e] += sum;
  }
}`);
}

const BACKWARD_KEYS = /* wgsl */ `
${uniform(ATTENTION_FIELDS)}
${ENTRY}
  let heads = p.rows / p.Tq;
  if (i >= heads * p.Tk * p.D) { return; }
  let e = i % p.D;
  let j = (i / p.D) % p.Tk;
  let bh = i / (p.D * p.Tk);
  var dk = 0.0;
  var dv = 0.0;
  // Query r sees key j when offset + r >= j.
  for (var r = select(0u, j - p.offset, j > p.offset); r < p.Tq; r++) {
    let row = bh * p.Tq + r;
    dk += t_ds[row * p.Tk + j] * t_q[${at('q', 'bh', 'r')} + e];
    dv += t_att[p.att + row * p.Tk + j] * t_g[${at('g', 'bh', 'r')} + e];
  }
  t_dk[${at('dk', 'bh', 'j')} + e] += dk;
  t_dv[${at('dv', 'bh', 'j')} + e] += dv;
}`;

/** attention and attentionBackward on `rt` (float32) in its row form, in parts where the limits need them (attention-parts.ts). */
export function attentionKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    attention({ q, k, v, out, att, scale, offset }: AttentionArgs) {
      if (att.size === 0) return;
      const call = { views: { q, k, v, o: out }, att, scale, offset };
      const windowed = needsWindows(rt, [q, k, v, out, att]);
      const [serial, D] = [rt.rowForm === 'serial', q.shape[3]!];
      for (const part of attentionParts(rt, 'attention', call, windowed, 0, 0)) {
        const { params, bound } = attentionPart(call, part, windowed);
        rt.dispatchRows(serial ? serialForwardShader(D) : forwardShader(), params, bound, part.heads * part.rows);
      }
    },
    attentionBackward({ q, k, v, att, dout, dq, dk, dv, scale, offset }: AttentionBackwardArgs) {
      if (att.size === 0) return;
      const call = { views: { q, k, v, g: dout, dq, dk, dv }, att, scale, offset };
      const windowed = needsWindows(rt, [q, k, v, att, dout, dq, dk, dv]);
      const [Tk, D, serial] = [k.shape[2]!, q.shape[3]!, rt.rowForm === 'serial'];
      // ds, the scores' gradient, lives in a scratch buffer of the part's rows (unwindowed: it must fit a binding).
      for (const part of attentionParts(rt, 'attentionBackward', call, windowed, Tk * D, Tk)) {
        const { params, bound } = attentionPart(call, part, windowed);
        bound.push(['t_ds', rt.scratch(part.heads * part.rows * Tk * 4), 'f32']);
        rt.dispatchRows(serial ? serialBackwardRowsShader(D) : backwardRowsShader(), params, bound, part.heads * part.rows);
        if (serial) rt.dispatch(serialBackwardKeysShader(D), params, bound, part.heads * Tk);
        else rt.dispatch(BACKWARD_KEYS, params, bound, part.heads * Tk * D);
      }
    },
  };
}
