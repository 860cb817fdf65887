// softmax / log-softmax over rows and their backward, and reductions along one axis: one workgroup per row (or
// per output element), its lanes striding along the row and combining through workgroup memory. Work past the
// limits runs in bands of rows (split.ts; reduce: reduce-split.ts).
import type { Kernels, ReduceArgs, ReduceOp, SoftmaxArgs, SoftmaxBackwardArgs } from '@microgpt/tensor';
import type { Binding, GpuRuntime } from '../runtime';
import { type RowForm, memo, packParams, rowKernelHead, rowStride, uniform } from '../wgsl';
import { reduceInParts } from './reduce-split';
import { needsWindows, rowBands, windowOf } from './split';

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
      const windowed = needsWindows(rt, [x, out]);
      // A band of rows is the kernel over rows [start, start + count) with the offsets moved on to the band.
      for (const [start, count] of rowBands(rt, 'softmax', C === 0 ? 0 : rows, C, windowed)) {
        const params = packParams([{ u: count }, { u: C }, { u: x.offset + start * C }, { u: out.offset + start * C }]);
        const bound = ([['t_x', x], ['t_out', out]] as const).map(([name, t]): Binding => [name, t.storage, 'f32', windowOf(windowed, t, start * C, count * C)]);
        rt.dispatchRows(softmaxShader(rt.rowForm, log), params, bound, count);
      }
    },
    softmaxBackward({ y, dy, dx, log }: SoftmaxBackwardArgs) {
      const [rows, C] = y.shape as [number, number];
      const windowed = needsWindows(rt, [y, dy, dx]);
      for (const [start, count] of rowBands(rt, 'softmaxBackward', C === 0 ? 0 : rows, C, windowed)) {
        const params = packParams([{ u: count }, { u: C }, { u: y.offset + start * C }, { u: dy.offset + start * C }, { u: dx.offset + start * C }]);
        const bound = ([['t_y', y], ['t_dy', dy], ['t_dx', dx]] as const).map(([name, t]): Binding => [name, t.storage, 'f32', windowOf(windowed, t, start * C, count * C)]);
        rt.dispatchRows(softmaxBackwardShader(rt.rowForm, log), params, bound, count);
      }
    },
    reduce(args: ReduceArgs) {
      reduceInParts(rt, args, (op) => reduceShader(rt.rowForm, op));
    },
  };
}
