// fill and copy over strided views; copy converts float32, int32 and uint8 sources to float32 or int32.
import type { CopyArgs, DType, FillArgs, Kernels } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, packParams, stridedIndex, uniform } from '../wgsl';
import { mergedLayout } from './strided';

const FILL = /* wgsl */ `
${uniform('n: u32, rank: u32, offset: u32, bits: u32, shape: array<vec4<i32>, 2>, strides: array<vec4<i32>, 2>')}
${stridedIndex('at', 'p.shape', 'p.strides', 'p.offset')}
${ENTRY}
  if (i >= p.n) { return; }
  t_out[at(i)] = p.bits;
}`;

/** Source kinds of COPY: the element is a float32, an int32, or a byte of a uint8 storage. */
const SOURCE_KIND: Partial<Record<DType, number>> = { float32: 0, int32: 1, uint8: 2 };

const COPY = /* wgsl */ `
${uniform('n: u32, rank: u32, srcOffset: u32, dstOffset: u32, srcKind: u32, dstFloat: u32, shape: array<vec4<i32>, 2>, srcStrides: array<vec4<i32>, 2>, dstStrides: array<vec4<i32>, 2>')}
${stridedIndex('srcAt', 'p.shape', 'p.srcStrides', 'p.srcOffset')}
${stridedIndex('dstAt', 'p.shape', 'p.dstStrides', 'p.dstOffset')}
${ENTRY}
  if (i >= p.n) { return; }
  let s = srcAt(i);
  var bits: u32;
  if (p.srcKind == 2u) {
    let byte = (t_src[s / 4u] >> ((s % 4u) * 8u)) & 255u;
    bits = select(byte, bitcast<u32>(f32(byte)), p.dstFloat == 1u);
  } else if (p.srcKind == 1u) {
    bits = select(t_src[s], bitcast<u32>(f32(bitcast<i32>(t_src[s]))), p.dstFloat == 1u);
  } else {
    bits = select(bitcast<u32>(i32(bitcast<f32>(t_src[s]))), t_src[s], p.dstFloat == 1u);
  }
  t_dst[dstAt(i)] = bits;
}`;

/** The bits of `value` as an element of `dtype` (float32 or int32). */
function bitsOf(dtype: DType, value: number): number {
  const word = new DataView(new ArrayBuffer(4));
  if (dtype === 'int32') word.setInt32(0, value, true);
  else word.setFloat32(0, value, true);
  return word.getUint32(0, true);
}

/** fill and copy on `rt`, for float32 and int32 outputs. */
export function layoutKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    fill({ out, value }: FillArgs) {
      const { shape, strides } = mergedLayout('fill', out.shape, [out]);
      const params = packParams([{ u: out.size }, { u: shape.length }, { u: out.offset }, { u: bitsOf(out.dtype, value) }, { dims: shape }, { dims: strides[0]! }]);
      rt.dispatch(FILL, params, [['t_out', out.storage, 'u32']], out.size);
    },
    copy({ src, dst }: CopyArgs) {
      const { shape, strides } = mergedLayout('copy', dst.shape, [src, dst]);
      const params = packParams([
        { u: dst.size }, { u: shape.length }, { u: src.offset }, { u: dst.offset },
        { u: SOURCE_KIND[src.dtype]! }, { u: dst.dtype === 'float32' ? 1 : 0 },
        { dims: shape }, { dims: strides[0]! }, { dims: strides[1]! },
      ]);
      rt.dispatch(COPY, params, [['t_src', src.storage, 'u32'], ['t_dst', dst.storage, 'u32']], dst.size);
    },
  };
}
