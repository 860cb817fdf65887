// RMSNorm and LayerNorm over rows, forward and backward: one workgroup per row for out, the saved statistics and
// dx; the weight and bias gradients by one invocation per column summing over rows in order (no atomics).
// An absent weight or bias is bound to x's buffer and switched off by a flag, so each form is one shader.
import type { Kernels, LayernormArgs, LayernormBackwardArgs, RmsnormArgs, RmsnormBackwardArgs, Tensor } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { ENTRY, type RowForm, memo, packParams, rowKernelHead, rowStride, uniform } from '../wgsl';

const FIELDS = 'rows: u32, C: u32, x: u32, w: u32, b: u32, out: u32, mean: u32, rstd: u32, dout: u32, hasW: u32, hasB: u32, eps: f32';

/** A tensor that may be absent, bound under `name` (to `stand`'s buffer when absent). */
function optional(name: string, t: Tensor | null, stand: Tensor): Binding {
  return [name, (t ?? stand).storage, 'f32'];
}

/** The parameter block every norm shader reads (FIELDS); absent tensors give offset 0. */
function normParams(x: Tensor, w: Tensor | null, b: Tensor | null, out: Tensor | null, mean: Tensor | null, rstd: Tensor, dout: Tensor | null, eps: number): ArrayBuffer {
  const [rows, C] = x.shape as [number, number];
  return packParams([
    { u: rows }, { u: C }, { u: x.offset }, { u: w?.offset ?? 0 }, { u: b?.offset ?? 0 }, { u: out?.offset ?? 0 },
    { u: mean?.offset ?? 0 }, { u: rstd.offset }, { u: dout?.offset ?? 0 }, { u: w ? 1 : 0 }, { u: b ? 1 : 0 }, { f: eps },
  ]);
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
  const rows = (x: Tensor): number => (x.shape[1] === 0 ? 0 : x.shape[0]!);
  return {
    rmsnorm({ x, weight, out, rstd, eps }: RmsnormArgs) {
      const bound: Binding[] = [['t_x', x.storage, 'f32'], optional('t_w', weight, x), ['t_out', out.storage, 'f32'], ['t_rstd', rstd.storage, 'f32']];
      rt.dispatchRows(rmsnormShader(rt.rowForm), normParams(x, weight, null, out, null, rstd, null, eps), bound, rows(x));
    },
    layernorm({ x, weight, bias, out, mean, rstd, eps }: LayernormArgs) {
      const bound: Binding[] = [
        ['t_x', x.storage, 'f32'], optional('t_w', weight, x), optional('t_b', bias, x), ['t_out', out.storage, 'f32'],
        ['t_mean', mean.storage, 'f32'], ['t_rstd', rstd.storage, 'f32'],
      ];
      rt.dispatchRows(layernormShader(rt.rowForm), normParams(x, weight, bias, out, mean, rstd, null, eps), bound, rows(x));
    },
    rmsnormBackward({ x, weight, rstd, dout, dx, dweight }: RmsnormBackwardArgs) {
      const base: Binding[] = [['t_x', x.storage, 'f32'], optional('t_w', weight, x), ['t_rstd', rstd.storage, 'f32'], ['t_dout', dout.storage, 'f32']];
      rt.dispatchRows(rmsnormDxShader(rt.rowForm), normParams(x, weight, null, dx, null, rstd, dout, 0), [...base, ['t_out', dx.storage, 'f32']], rows(x));
      if (weight && dweight) {
        rt.dispatch(columnShader('rms', 'norm'), normParams(x, weight, null, dweight, null, rstd, dout, 0), [...base, ['t_out', dweight.storage, 'f32']], x.shape[1]!);
      }
    },
    layernormBackward({ x, weight, mean, rstd, dout, dx, dweight, dbias }: LayernormBackwardArgs) {
      const base: Binding[] = [
        ['t_x', x.storage, 'f32'], optional('t_w', weight, x), ['t_mean', mean.storage, 'f32'], ['t_rstd', rstd.storage, 'f32'], ['t_dout', dout.storage, 'f32'],
      ];
      rt.dispatchRows(layernormDxShader(rt.rowForm), normParams(x, weight, null, dx, mean, rstd, dout, 0), [...base, ['t_out', dx.storage, 'f32']], rows(x));
      for (const [grad, factor] of [[dweight, 'norm'], [dbias, 'one']] as const) {
        if (grad) rt.dispatch(columnShader('layer', factor), normParams(x, weight, null, grad, mean, rstd, dout, 0), [...base, ['t_out', grad.storage, 'f32']], x.shape[1]!);
      }
    },
  };
}
