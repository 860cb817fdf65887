// softmax / log-softmax over rows and their backward, and reductions along one axis: one workgroup per row (or
// per output element), its lanes striding along the row and combining through workgroup memory.
import type { Kernels, ReduceArgs, ReduceOp, SoftmaxArgs, SoftmaxBackwardArgs } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { type RowForm, memo, packParams, rowKernelHead, rowStride, uniform } from '../wgsl';

function softmaxShader(form: RowForm, log: boolean): string {
  const W = rowStride(form);
  const write = log ? 't_out[o + j] = t_x[x + j] - m - log(total);' : 't_out[o + j] = exp(t_x[x + j] - m) / total;';
  return memo(`softmax:${form}:${log}`, () => /* wgsl */ `
${uniform('rows: u32, C: u32, xOffset: u32, outOffset: u32')}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let x = p.xOffset + row * p.C;
  let o = p.outOffset + row * p.C;
  var best = bits_(0xff800000u);
  for (var j = lid; j < p.C; j += ${W}) { let v = t_x[x + j]; if (v > best || v != v) { best = v; } }
  let m = rowMax(lid, best);
  var part = 0.0;
  for (var j = lid; j < p.C; j += ${W}) { part += exp(t_x[x + j] - m); }
  let total = rowSum(lid, part);
  for (var j = lid; j < p.C; j += ${W}) { ${write} }
}`);
}

function softmaxBackwardShader(form: RowForm, log: boolean): string {
  const W = rowStride(form);
  const term = log ? 't_dy[d + j]' : 't_y[y + j] * t_dy[d + j]';
  const write = log ? 't_dx[g + j] += t_dy[d + j] - exp(t_y[y + j]) * dot;' : 't_dx[g + j] += t_y[y + j] * (t_dy[d + j] - dot);';
  return memo(`softmaxBackward:${form}:${log}`, () => /* wgsl */ `
${uniform('rows: u32, C: u32, yOffset: u32, dyOffset: u32, dxOffset: u32')}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let y = p.yOffset + row * p.C;
  let d = p.dyOffset + row * p.C;
  let g = p.dxOffset + row * p.C;
  var part = 0.0;
  for (var j = lid; j < p.C; j += ${W}) { part += ${term}; }
  let dot = rowSum(lid, part);
  for (var j = lid; j < p.C; j += ${W}) { ${write} }
}`);
}

/** One workgroup per output (o, j): op over k of x[o, k, j]. */
function reduceShader(form: RowForm, op: ReduceOp): string {
  const W = rowStride(form);
  const body = op === 'max'
    ? `var best = bits_(0xff800000u);
  for (var k = lid; k < p.n; k += ${W}) { let v = t_x[base + k * p.inner]; if (v > best || v != v) { best = v; } }
  let result = rowMax(lid, best);`
    : `var part = 0.0;
  for (var k = lid; k < p.n; k += ${W}) { part += t_x[base + k * p.inner]; }
  let total = rowSum(lid, part);
  ${op === 'mean' ? 'let result = select(total / f32(p.n), bits_(0x7fc00000u), p.n == 0u);' : 'let result = total;'}`;
  return memo(`reduce:${form}:${op}`, () => /* wgsl */ `
${uniform('rows: u32, n: u32, inner: u32, xOffset: u32, outOffset: u32')}
${rowKernelHead(form)}
  if (row >= p.rows) { return; }
  let o = row / p.inner;
  let j = row % p.inner;
  let base = p.xOffset + o * p.n * p.inner + j;
  ${body}
  if (lid == 0u) { t_out[p.outOffset + row] = result; }
}`);
}

/** softmax, softmaxBackward and reduce on `rt` (float32). */
export function rowKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    softmax({ x, out, log }: SoftmaxArgs) {
      const [rows, C] = x.shape as [number, number];
      const params = packParams([{ u: rows }, { u: C }, { u: x.offset }, { u: out.offset }]);
      rt.dispatchRows(softmaxShader(rt.rowForm, log), params, [['t_x', x.storage, 'f32'], ['t_out', out.storage, 'f32']], C === 0 ? 0 : rows);
    },
    softmaxBackward({ y, dy, dx, log }: SoftmaxBackwardArgs) {
      const [rows, C] = y.shape as [number, number];
      const params = packParams([{ u: rows }, { u: C }, { u: y.offset }, { u: dy.offset }, { u: dx.offset }]);
      const bound = [['t_y', y.storage, 'f32'], ['t_dy', dy.storage, 'f32'], ['t_dx', dx.storage, 'f32']] as const;
      rt.dispatchRows(softmaxBackwardShader(rt.rowForm, log), params, bound, C === 0 ? 0 : rows);
    },
    reduce({ op, x, out, outer, n, inner }: ReduceArgs) {
      const rows = outer * inner;
      const params = packParams([{ u: rows }, { u: n }, { u: inner }, { u: x.offset }, { u: out.offset }]);
      rt.dispatchRows(reduceShader(rt.rowForm, op), params, [['t_x', x.storage, 'f32'], ['t_out', out.storage, 'f32']], rows);
    },
  };
}
