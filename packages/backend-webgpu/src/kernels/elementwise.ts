// binary (strided, broadcasting) and binaryScalar: one shader per operator, the operator spliced in as an expression.
import type { BinaryArgs, BinaryOp, BinaryScalarArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime, Window } from '../runtime';
import { ENTRY, memo, packParams, stridedIndex, uniform } from '../wgsl';
import { dispatchContiguous, maxThreads, needsWindows, parts, touchedWindow } from './split';
import { mergedLayout } from './strided';

/** Each operator as a WGSL expression over its two operands. */
const EXPRESSION: Record<BinaryOp, (x: string, y: string) => string> = {
  add: (x, y) => `${x} + ${y}`,
  sub: (x, y) => `${x} - ${y}`,
  mul: (x, y) => `${x} * ${y}`,
  div: (x, y) => `${x} / ${y}`,
};

function binaryShader(op: BinaryOp): string {
  return memo(`binary:${op}`, () => /* wgsl */ `
${uniform('n: u32, rank: u32, aOffset: u32, bOffset: u32, outOffset: u32, start: u32, shape: array<vec4<i32>, 2>, aStrides: array<vec4<i32>, 2>, bStrides: array<vec4<i32>, 2>')}
${stridedIndex('aAt', 'p.shape', 'p.aStrides', 'p.aOffset')}
${stridedIndex('bAt', 'p.shape', 'p.bStrides', 'p.bOffset')}
${ENTRY}
  if (i >= p.n) { return; }
  let k = p.start + i;
  t_out[p.outOffset + k] = ${EXPRESSION[op]('t_a[aAt(k)]', 't_b[bAt(k)]')};
}`);
}

/** The shader of `a op scalar` (or `scalar op a`) over n contiguous elements. */
export function scalarShader(op: BinaryOp, scalarFirst: boolean): string {
  const expression = scalarFirst ? EXPRESSION[op]('p.scalar', 't_a[p.aOffset + i]') : EXPRESSION[op]('t_a[p.aOffset + i]', 'p.scalar');
  return memo(`scalar:${op}:${scalarFirst}`, () => /* wgsl */ `
${uniform('n: u32, aOffset: u32, outOffset: u32, scalar: f32')}
${ENTRY}
  if (i >= p.n) { return; }
  t_out[p.outOffset + i] = ${expression};
}`);
}

/** binary and binaryScalar on `rt` (float32). */
export function elementwiseKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    binary({ op, a, b, out }: BinaryArgs) {
      const { shape, strides } = mergedLayout('binary', out.shape, [a, b]);
      const windowed = needsWindows(rt, [a, b, out]);
      // A part's window of a broadcast or transposed view may be far longer than the part: halve the parts until
      // every window fits (a contiguous view's window is the part itself).
      let most = Math.min(maxThreads(rt), windowed ? rt.windowElements : Infinity);
      const windows = (start: number, count: number): Window[] => [a, b].map((t, k) => touchedWindow(t.offset, shape, strides[k]!, start, count));
      while (windowed && most > 1 && parts(out.size, most).some(([start, count]) => windows(start, count).some((w) => w.count > rt.windowElements))) most = Math.ceil(most / 2);
      for (const [start, count] of out.size === 0 ? [[0, 0] as const] : parts(out.size, most)) {
        const [aWindow, bWindow] = windowed ? windows(start, count) : [undefined, undefined];
        const params = packParams([
          { u: count }, { u: shape.length }, { u: a.offset }, { u: b.offset }, { u: out.offset }, { u: start },
          { dims: shape }, { dims: strides[0]! }, { dims: strides[1]! },
        ]);
        const outWindow = windowed ? { first: out.offset + start, count } : undefined;
        rt.dispatch(binaryShader(op), params, [['t_a', a.storage, 'f32', aWindow], ['t_b', b.storage, 'f32', bWindow], ['t_out', out.storage, 'f32', outWindow]], count);
      }
    },
    binaryScalar({ op, a, scalar, scalarFirst, out }: BinaryScalarArgs) {
      dispatchContiguous(rt, scalarShader(op, scalarFirst), [['t_a', a], ['t_out', out]], out.size, (start, count) =>
        packParams([{ u: count }, { u: a.offset + start }, { u: out.offset + start }, { f: scalar }]));
    },
  };
}
