// binary (strided, broadcasting) and binaryScalar: one shader per operator, the operator spliced in as an expression.
import type { BinaryArgs, BinaryOp, BinaryScalarArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, memo, packParams, stridedIndex, uniform } from '../wgsl';
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
${uniform('n: u32, rank: u32, aOffset: u32, bOffset: u32, outOffset: u32, shape: array<vec4<i32>, 2>, aStrides: array<vec4<i32>, 2>, bStrides: array<vec4<i32>, 2>')}
${stridedIndex('aAt', 'p.shape', 'p.aStrides', 'p.aOffset')}
${stridedIndex('bAt', 'p.shape', 'p.bStrides', 'p.bOffset')}
${ENTRY}
  if (i >= p.n) { return; }
  t_out[p.outOffset + i] = ${EXPRESSION[op]('t_a[aAt(i)]', 't_b[bAt(i)]')};
}`);
}

function scalarShader(op: BinaryOp, scalarFirst: boolean): string {
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
      const params = packParams([
        { u: out.size }, { u: shape.length }, { u: a.offset }, { u: b.offset }, { u: out.offset },
        { dims: shape }, { dims: strides[0]! }, { dims: strides[1]! },
      ]);
      rt.dispatch(binaryShader(op), params, [['t_a', a.storage, 'f32'], ['t_b', b.storage, 'f32'], ['t_out', out.storage, 'f32']], out.size);
    },
    binaryScalar({ op, a, scalar, scalarFirst, out }: BinaryScalarArgs) {
      const params = packParams([{ u: out.size }, { u: a.offset }, { u: out.offset }, { f: scalar }]);
      rt.dispatch(scalarShader(op, scalarFirst), params, [['t_a', a.storage, 'f32'], ['t_out', out.storage, 'f32']], out.size);
    },
  };
}
