// Attention's software form (the `serial` row form): one invocation per (head, query row), and in the backward one
// per (head, key row), with no workgroup memory and no barrier, the head dimension D fixed in the shader so that a
// row of q (or dout) and the D sums being built live in registers (the loops over D are unrolled). Each key's k and
// v elements are then loaded once per query row, where the lanes form loads att, and the query row, once per
// (key, dimension). The sums are those of the lanes form in the same order (each over keys j, or over queries r,
// in turn), so both forms round alike. SwiftShader runs each workgroup barrier as a switch between the lanes'
// coroutines and each load from storage with bounds checks lane by lane: there this form costs far less (on a
// shakespeare-cpu layer's shape, about 3.5 times less CPU). Four query rows an invocation, each k and v load serving
// all four, measured no faster there and took three times longer to compile.
import { ENTRY, memo, rowKernelHead, uniform } from '../wgsl';
import { ATTENTION_FIELDS, type View } from './attention-parts';

/** WGSL start of head `bh`'s rows in view `n` (row r then starts at `+ r * p.<n>S2`). */
export function headStart(n: View, bh: string): string {
  return `(p.${n}Off + (${bh} / p.H) * p.${n}S0 + (${bh} % p.H) * p.${n}S1)`;
}

/** `line(e)` for e = 0 … D - 1, one statement each: a loop over the head dimension, unrolled. */
function unroll(D: number, line: (e: number) => string): string {
  return Array.from({ length: D }, (_, e) => line(e)).join('\n  ');
}

/** Registers `<name>0 … <name>{D-1}` holding the D values of view `n` from storage index `start`. */
function loadRow(D: number, name: string, n: View, start: string): string {
  return unroll(D, (e) => `let ${name}${e} = t_${n}[${start} + ${e}u];`);
}

/** Registers `<name>0 … <name>{D-1}` starting at zero, for sums. */
function zeros(D: number, name: string): string {
  return unroll(D, (e) => `var ${name}${e} = 0.0;`);
}

/**
 * The forward for head dimension D: scores into att's row with their max, the softmax's sum, then each probability
 * written to att and added times v's row into out's D sums; att's row past the causal limit is zeroed.
 */
export function serialForwardShader(D: number): string {
  return memo(`attention:serial:${D}`, () => /* wgsl */ `
${uniform(ATTENTION_FIELDS)}
${rowKernelHead('serial')}
  if (row >= p.rows) { return; }
  let bh = row / p.Tq;
  let i = row % p.Tq;
  let last = p.offset + i;
  let a = p.att + row * p.Tk;
  let kHead = ${headStart('k', 'bh')};
  let vHead = ${headStart('v', 'bh')};
  ${loadRow(D, 'q', 'q', `${headStart('q', 'bh')} + i * p.qS2`)}
  var best = bits_(0xff800000u);
  for (var j = 0u; j <= last; j++) {
    let kj = kHead + j * p.kS2;
    var dot = 0.0;
    ${unroll(D, (e) => `dot += q${e} * t_k[kj + ${e}u];`)}
    let s = dot * p.scale;
    t_att[a + j] = s;
    best = max(best, s);
  }
  var total = 0.0;
  for (var j = 0u; j <= last; j++) { total += exp(t_att[a + j] - best); }
  ${zeros(D, 'o')}
  for (var j = 0u; j <= last; j++) {
    let pj = exp(t_att[a + j] - best) / total;
    t_att[a + j] = pj;
    let vj = vHead + j * p.vS2;
    ${unroll(D, (e) => `o${e} += pj * t_v[vj + ${e}u];`)}
  }
  for (var j = last + 1u; j < p.Tk; j++) { t_att[a + j] = 0.0; }
  let oi = ${headStart('o', 'bh')} + i * p.oS2;
  ${unroll(D, (e) => `t_o[oi + ${e}u] = o${e};`)}
}`);
}

/**
 * The backward's query rows for head dimension D: datt = dout · v per key into ds with Σ att·datt, then ds = att ⊙
 * (datt - Σ) · scale written back and added times k's row into dq's D sums.
 */
export function serialBackwardRowsShader(D: number): string {
  return memo(`attentionBackwardRows:serial:${D}`, () => /* wgsl */ `
${uniform(ATTENTION_FIELDS)}
${rowKernelHead('serial')}
  if (row >= p.rows) { return; }
  let bh = row / p.Tq;
  let i = row % p.Tq;
  let last = p.offset + i;
  let a = p.att + row * p.Tk;
  let ds = row * p.Tk;
  let kHead = ${headStart('k', 'bh')};
  let vHead = ${headStart('v', 'bh')};
  ${loadRow(D, 'g', 'g', `${headStart('g', 'bh')} + i * p.gS2`)}
  var weighted = 0.0;
  for (var j = 0u; j <= last; j++) {
    let vj = vHead + j * p.vS2;
    var dot = 0.0;
    ${unroll(D, (e) => `dot += g${e} * t_v[vj + ${e}u];`)}
    t_ds[ds + j] = dot;
    weighted += t_att[a + j] * dot;
  }
  ${zeros(D, 'dq')}
  for (var j = 0u; j <= last; j++) {
    let dsj = t_att[a + j] * (t_ds[ds + j] - weighted) * p.scale;
    t_ds[ds + j] = dsj;
    let kj = kHead + j * p.kS2;
    ${unroll(D, (e) => `dq${e} += dsj * t_k[kj + ${e}u];`)}
  }
  let dqi = ${headStart('dq', 'bh')} + i * p.dqS2;
  ${unroll(D, (e) => `t_dq[dqi + ${e}u] += dq${e};`)}
}`);
}

/**
 * The backward's key rows for head dimension D, one invocation per (head, key j): dk and dv of the key summed over
 * the queries that see it, in order (ds times q's rows, att times dout's), then added to dk and dv.
 */
export function serialBackwardKeysShader(D: number): string {
  return memo(`attentionBackwardKeys:serial:${D}`, () => /* wgsl */ `
${uniform(ATTENTION_FIELDS)}
${ENTRY}
  let heads = p.rows / p.Tq;
  if (i >= heads * p.Tk) { return; }
  let j = i % p.Tk;
  let bh = i / p.Tk;
  let qHead = ${headStart('q', 'bh')};
  let gHead = ${headStart('g', 'bh')};
  ${zeros(D, 'dk')}
  ${zeros(D, 'dv')}
  // Query r sees key j when offset + r >= j.
  for (var r = select(0u, j - p.offset, j > p.offset); r < p.Tq; r++) {
    let cell = (bh * p.Tq + r) * p.Tk + j;
    let dsr = t_ds[cell];
    let ar = t_att[p.att + cell];
    let qr = qHead + r * p.qS2;
    let gr = gHead + r * p.gS2;
    ${unroll(D, (e) => `dk${e} += dsr * t_q[qr + ${e}u]; dv${e} += ar * t_g[gr + ${e}u];`)}
  }
  let dkj = ${headStart('dk', 'bh')} + j * p.dkS2;
  let dvj = ${headStart('dv', 'bh')} + j * p.dvS2;
  ${unroll(D, (e) => `t_dk[dkj + ${e}u] += dk${e};`)}
  ${unroll(D, (e) => `t_dv[dvj + ${e}u] += dv${e};`)}
}`);
}
