// RMSNorm and LayerNorm over rows, forward and backward: one workgroup per row for out, the saved statistics and
// dx; the weight and bias gradients by one invocation per column summing over rows in order (no atomics).
// An absent weight or bias is bound to x's buffer and switched off by a flag, so each form is one shader.
import type { Kernels, LayernormArgs, LayernormBackwardArgs, RmsnormArgs, RmsnormBackwardArgs, Tensor } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { ENTRY, type RowForm, memo, packParams, rowKernelHead, rowStride, uniform } from '../wgsl';
import { needsWindows, rowBands, windowOf } from './split';

const FIELDS = 'rows: u32, C: u32, x: u32, w: u32, b: u32, out: u32, mean: u32, rstd: u32, dout: u32, hasW: u32, hasB: u32, eps: f32';

/** The tensors of one norm call; absent ones (a weight, a bias, the mean of RMSNorm) are null. */
interface Operands {
  readonly x: Tensor;
  readonly w: Tensor | null;
  readonly b: Tensor | null;
  readonly mean: Tensor | null;
  readonly rstd: Tensor;
  readonly dout: Tensor | null;
}

/**
 * The parameter block (FIELDS) and bindings of a norm shader over rows [start, start + count): offsets moved on to
 * the band, each tensor bound through the window the band touches where `windowed`. `out` moves with the rows,
 * unless `column` (a parameter's gradient, C long). An absent tensor is bound to x's buffer (its offset 0, its
 * window x's) and switched off by a flag.
 */
function normPart(ops: Operands, out: Tensor, column: boolean, eps: number, windowed: boolean, [start, count]: readonly [number, number]): [ArrayBuffer, Binding[]] {
  const C = ops.x.shape[1]!;
  const rows: readonly [number, number] = [start * C, count * C];
  // In the order of FIELDS.
  const spans: [string, Tensor | null, readonly [number, number]][] = [
    ['t_x', ops.x, rows], ['t_w', ops.w, [0, C]], ['t_b', ops.b, [0, C]], ['t_out', out, column ? [0, C] : rows],
    ['t_mean', ops.mean, [start, count]], ['t_rstd', ops.rstd, [start, count]], ['t_dout', ops.dout, rows],
  ];
  const params = packParams([
    { u: count }, { u: C }, ...spans.map(([, t, [first]]) => ({ u: t ? t.offset + first : 0 })), { u: ops.w ? 1 : 0 }, { u: ops.b ? 1 : 0 }, { f: eps },
  ]);
  const bound = spans.map(([name, t, [first, n]]): Binding => (t ? [name, t.storage, 'f32', windowOf(windowed, t, first, n)] : [name, ops.x.storage, 'f32', windowOf(windowed, ops.x, ...rows)]));
  return [params, bound];
}

/**
 * Runs the norm shader `code` over every row of x in bands (split.ts): the row kernels write their band of `out`;
 * a column kernel (`column`) adds each band's sum over its rows into `out`, band after band.
 */
function runNorm(rt: GpuRuntime, kernel: string, code: string, ops: Operands, out: Tensor, column: boolean, eps: number): void {
  const [rows, C] = ops.x.shape as [number, number];
  const windowed = needsWindows(rt, [ops.x, ops.w, ops.b, ops.mean, ops.rstd, ops.dout, out].filter((t): t is Tensor => t !== null));
  for (const band of rowBands(rt, kernel, C === 0 ? 0 : rows, C, windowed)) {
    const [params, bound] = normPart(ops, out, column, eps, windowed, band);
    if (column) rt.dispatch(code, params, bound, C);
    else rt.dispatchRows(code, params, bound, band[1]);
  }
}

const WEIGHT = 'select(1.0, t_w[p.w + j], p.hasW == 1u)';

function rmsnormShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`rmsnorm:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let x = p.x + row * p.C;
  var part = 0.0;
  for (var j = lid; j < p.C; j += ${W}) { part += t_x[x + j] * t_x[x + j]; }
  let r = 1.0 / sqrt(rowSum(lid, part) / f32(p.C) + p.eps);
  if (lid == 0u) { t_rstd[p.rstd + row] = r; }
  for (var j = lid; j < p.C; j += ${W}) { t_out[p.out + row * p.C + j] = t_x[x + j] * r * ${WEIGHT}; }
}`);
}

function layernormShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`layernorm:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let x = p.x + row * p.C;
  var part = 0.0;
  for (var j = lid; j < p.C; j += ${W}) { part += t_x[x + j]; }
  let mu = rowSum(lid, part) / f32(p.C);
  var squares = 0.0;
  for (var j = lid; j < p.C; j += ${W}) { let d = t_x[x + j] - mu; squares += d * d; }
  let r = 1.0 / sqrt(rowSum(lid, squares) / f32(p.C) + p.eps);
  if (lid == 0u) { t_mean[p.mean + row] = mu; t_rstd[p.rstd + row] = r; }
  for (var j = lid; j < p.C; j += ${W}) {
    t_out[p.out + row * p.C + j] = (t_x[x + j] - mu) * r * ${WEIGHT} + select(0.0, t_b[p.b + j], p.hasB == 1u);
  }
}`);
}

function rmsnormDxShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`rmsnormDx:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let x = p.x + row * p.C;
  let d = p.dout + row * p.C;
  let r = t_rstd[p.rstd + row];
  var part = 0.0;
  for (var j = lid; j < p.C; j += ${W}) { part += t_dout[d + j] * ${WEIGHT} * t_x[x + j]; }
  let k = r * r * r * rowSum(lid, part) / f32(p.C);
  for (var j = lid; j < p.C; j += ${W}) { t_out[p.out + row * p.C + j] += r * t_dout[d + j] * ${WEIGHT} - k * t_x[x + j]; }
}`);
}

function layernormDxShader(form: RowForm): string {
  const W = rowStride(form);
  return memo(`layernormDx:${form}`, () => /* wgsl */ `
${uniform(FIELDS)}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let x = p.x + row * p.C;
  let d = p.dout + row * p.C;
  let mu = t_mean[p.mean + row];
  let r = t_rstd[p.rstd + row];
  var gPart = 0.0;
  var nPart = 0.0;
  for (var j = lid; j < p.C; j += ${W}) {
    let g = t_dout[d + j] * ${WEIGHT};
    gPart += g;
    nPart += g * (t_x[x + j] - mu) * r;
  }
  let gMean = rowSum(lid, gPart) / f32(p.C);
  let gNormMean = rowSum(lid, nPart) / f32(p.C);
  for (var j = lid; j < p.C; j += ${W}) {
    let norm = (t_x[x + j] - mu) * r;
    t_out[p.out + row * p.C + j] += r * (t_dout[d + j] * ${WEIGHT} - gMean - norm * gNormMean);
  }
}`);
}

/** dparam[j] += Σ_rows dout[row, j] · factor, factor = the normalized x (`norm`) or 1 (`one`); `rms` or `layer`. */
function columnShader(kind: 'rms' | 'layer', factor: 'norm' | 'one'): string {
  const norm = kind === 'rms' ? 't_x[p.x + row * p.C + j] * t_rstd[p.rstd + row]' : '(t_x[p.x + row * p.C + j] - t_mean[p.mean + row]) * t_rstd[p.rstd + row]';
  return memo(`normColumn:${kind}:${factor}`, () => /* wgsl */ `
${uniform(FIELDS)}
${ENTRY}
  let j = i;
  if (j >= p.C) { return; }
  var sum = 0.0;
  for (var row = 0u; row < p.rows; row++) { sum += t_dout[p.dout + row * p.C + j]${factor === 'norm' ? ` * ${norm}` : ''}; }
  t_out[p.out + j] += sum;
}`);
}

/** rmsnorm, layernorm and their backward on `rt` (float32). */
export function normKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    rmsnorm({ x, weight, out, rstd, eps }: RmsnormArgs) {
      runNorm(rt, 'rmsnorm', rmsnormShader(rt.rowForm), { x, w: weight, b: null, mean: null, rstd, dout: null }, out, false, eps);
    },
    layernorm({ x, weight, bias, out, mean, rstd, eps }: LayernormArgs) {
      runNorm(rt, 'layernorm', layernormShader(rt.rowForm), { x, w: weight, b: bias, mean, rstd, dout: null }, out, false, eps);
    },
    rmsnormBackward({ x, weight, rstd, dout, dx, dweight }: RmsnormBackwardArgs) {
      const ops = { x, w: weight, b: null, mean: null, rstd, dout };
      runNorm(rt, 'rmsnormBackward', rmsnormDxShader(rt.rowForm), ops, dx, false, 0);
      if (weight && dweight) runNorm(rt, 'rmsnormBackward', columnShader('rms', 'norm'), ops, dweight, true, 0);
    },
    layernormBackward({ x, weight, mean, rstd, dout, dx, dweight, dbias }: LayernormBackwardArgs) {
      const ops = { x, w: weight, b: null, mean, rstd, dout };
      runNorm(rt, 'layernormBackward', layernormDxShader(rt.rowForm), ops, dx, false, 0);
      for (const [grad, factor] of [[dweight, 'norm'], [dbias, 'one']] as const) {
        if (grad) runNorm(rt, 'layernormBackward', columnShader('layer', factor), ops, grad, true, 0);
      }
    },
  };
}
