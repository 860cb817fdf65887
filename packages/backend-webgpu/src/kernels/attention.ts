// Causal attention with a KV-cache offset, forward and backward. q, k, v, out (and dout, dq, dk, dv) are views
// with any strides on their batch, head and row axes; each gets its offset and three strides in the parameter
// block. Forward: one workgroup per query row, lanes over keys for the scores (kept in att's row) and over the
// head dimension for out. Backward: one workgroup per query row writes ds = att ⊙ (datt - Σ att·datt) · scale to
// a scratch matrix and adds dq; then one invocation per (key row, dimension) adds dk and dv, summing over the
// queries that see that key in order (no atomics).
import type { AttentionArgs, AttentionBackwardArgs, Kernels, Tensor } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { ENTRY, type Field, type RowForm, memo, packParams, rowKernelHead, rowStride, rowSync, uniform } from '../wgsl';

const VIEWS = ['q', 'k', 'v', 'o', 'g', 'dq', 'dk', 'dv'] as const;
type View = (typeof VIEWS)[number];

const FIELDS = `H: u32, Tq: u32, Tk: u32, D: u32, rows: u32, offset: u32, att: u32, scale: f32, ${VIEWS.map((n) => `${n}Off: u32, ${n}S0: u32, ${n}S1: u32, ${n}S2: u32`).join(', ')}`;

/** WGSL start of row `r` of head `bh` in view `n` (its elements follow with stride 1). */
function at(n: View, bh: string, r: string): string {
  return `(p.${n}Off + (${bh} / p.H) * p.${n}S0 + (${bh} % p.H) * p.${n}S1 + (${r}) * p.${n}S2)`;
}

function forwardShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`attention:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
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
  ${rowSync(form)}
  let oi = ${at('o', 'bh', 'i')};
  for (var e = lid; e < p.D; e += ${W}) {
    var sum = 0.0;
    for (var j = 0u; j <= last; j++) { sum += t_att[a + j] * t_v[${at('v', 'bh', 'j')} + e]; }
    t_o[oi + e] = sum;
  }
}`);
}

function backwardRowsShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`attentionBackwardRows:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
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
  ${rowSync(form)}
  let dqi = ${at('dq', 'bh', 'i')};
  for (var e = lid; e < p.D; e += ${W}) {
    var sum = 0.0;
    for (var j = 0u; j <= last; j++) { sum += t_ds[row * p.Tk + j] * t_k[${at('k', 'bh', 'j')} + e]; }
    t_dq[dqi + e] += sum;
  }
}`);
}

const BACKWARD_KEYS = /* wgsl */ `
${uniform(FIELDS)}
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

function view(t: Tensor | null): Field[] {
  return t ? [{ u: t.offset }, { u: t.strides[0]! }, { u: t.strides[1]! }, { u: t.strides[2]! }] : [{ u: 0 }, { u: 0 }, { u: 0 }, { u: 0 }];
}

function attentionParams(q: Tensor, k: Tensor, att: Tensor, scale: number, offset: number, views: Partial<Record<View, Tensor>>): ArrayBuffer {
  const [B, H, Tq, D] = q.shape as [number, number, number, number];
  return packParams([
    { u: H }, { u: Tq }, { u: k.shape[2]! }, { u: D }, { u: B * H * Tq }, { u: offset }, { u: att.offset }, { f: scale },
    ...VIEWS.flatMap((n) => view(views[n] ?? null)),
  ]);
}

/** attention and attentionBackward on `rt` (float32). */
export function attentionKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    attention({ q, k, v, out, att, scale, offset }: AttentionArgs) {
      const params = attentionParams(q, k, att, scale, offset, { q, k, v, o: out });
      const bound: Binding[] = [['t_q', q.storage, 'f32'], ['t_k', k.storage, 'f32'], ['t_v', v.storage, 'f32'], ['t_o', out.storage, 'f32'], ['t_att', att.storage, 'f32']];
      const rows = q.shape[0]! * q.shape[1]! * q.shape[2]!;
      rt.dispatchRows(forwardShader(rt.rowForm), params, bound, k.shape[2] === 0 ? 0 : rows);
    },
    attentionBackward({ q, k, v, att, dout, dq, dk, dv, scale, offset }: AttentionBackwardArgs) {
      const params = attentionParams(q, k, att, scale, offset, { q, k, v, g: dout, dq, dk, dv });
      const rows = q.shape[0]! * q.shape[1]! * q.shape[2]!;
      const Tk = k.shape[2]!;
      const ds = rt.scratch(rows * Tk * 4);
      const bound: Binding[] = [
        ['t_q', q.storage, 'f32'], ['t_k', k.storage, 'f32'], ['t_v', v.storage, 'f32'], ['t_att', att.storage, 'f32'], ['t_g', dout.storage, 'f32'],
        ['t_dq', dq.storage, 'f32'], ['t_dk', dk.storage, 'f32'], ['t_dv', dv.storage, 'f32'], ['t_ds', ds, 'f32'],
      ];
      rt.dispatchRows(backwardRowsShader(rt.rowForm), params, bound, Tk === 0 ? 0 : rows);
      rt.dispatch(BACKWARD_KEYS, params, bound, q.shape[0]! * q.shape[1]! * Tk * q.shape[3]!);
    },
  };
}
