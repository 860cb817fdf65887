// fill and copy over strided views; copy converts float32, int32 and uint8 sources to float32 or int32. Where a
// view's buffer passes one binding, or its elements one dispatch, the index space runs in boxes (strided.ts).
import type { CopyArgs, DType, FillArgs, Kernels, Storage, Tensor } from '@microgpt/tensor';
import type { Binding, GpuRuntime, Window } from '../runtime';
import { ENTRY, packParams, stridedIndex, uniform } from '../wgsl';
import { maxThreads, ownerNeedsWindow, touchedWindow, windowsFit } from './split';
import { type Box, boxes, mergedLayout } from './strided';

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

/** The window of words a box of a uint8 view touches (its elements are bytes, its storage array is of u32). */
function wordWindow(bytes: Window): Window {
  const first = Math.floor(bytes.first / 4);
  return { first, count: Math.floor((bytes.first + bytes.count - 1) / 4) - first + 1 };
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((n, d) => n * d, 1);
}

/** A strided array a layout shader reads or writes: a tensor's, or a float32 scratch buffer of the runtime's. */
export interface Operand {
  readonly owner: Storage | GPUBuffer;
  readonly dtype: DType;
  readonly offset: number;
  readonly strides: readonly number[];
}

function operandOf(t: Tensor): Operand {
  return { owner: t.storage, dtype: t.dtype, offset: t.offset, strides: t.strides };
}

/**
 * Dispatches a strided shader over `operands` (name, operand; merged to one layout of `shape`) in boxes (strided.ts)
 * whose windows fit one binding and whose elements fit one dispatch. `params` gives a box's parameter block from
 * its element count, shape, each operand's offset and the merged strides.
 */
function dispatchBoxes(
  rt: GpuRuntime, code: string, op: string, shape: readonly number[], operands: readonly (readonly [string, Operand])[],
  params: (n: number, box: Box, strides: readonly (readonly number[])[]) => ArrayBuffer,
): void {
  const layout = mergedLayout(op, shape, operands.map(([, t]) => t));
  const windowed = operands.some(([, t]) => ownerNeedsWindow(rt, t.owner));
  const windowOf = (box: Box, t: Operand, k: number): Window => {
    const touched = touchedWindow(box.offsets[k]!, box.shape, layout.strides[k]!, 0, sizeOf(box.shape));
    return t.dtype === 'uint8' ? wordWindow(touched) : touched;
  };
  const bound = (box: Box): Binding[] => operands.map(([name, t], k) => [name, t.owner, 'u32', windowed ? windowOf(box, t, k) : undefined]);
  const fits = (box: Box): boolean => sizeOf(box.shape) <= maxThreads(rt) && windowsFit(rt, bound(box));
  if (sizeOf(layout.shape) === 0) return;
  for (const box of boxes(layout.shape, layout.strides, operands.map(([, t]) => t.offset), fits)) {
    rt.dispatch(code, params(sizeOf(box.shape), box, layout.strides), bound(box), sizeOf(box.shape));
  }
}

/** Copies (and converts) the elements of `src` into `dst`, both strided over `shape`, in boxes where needed. */
export function copyStrided(rt: GpuRuntime, shape: readonly number[], src: Operand, dst: Operand): void {
  dispatchBoxes(rt, COPY, 'copy', shape, [['t_src', src], ['t_dst', dst]], (n, { shape: box, offsets }, strides) =>
    packParams([
      { u: n }, { u: box.length }, { u: offsets[0]! }, { u: offsets[1]! }, { u: SOURCE_KIND[src.dtype]! }, { u: dst.dtype === 'float32' ? 1 : 0 },
      { dims: box }, { dims: strides[0]! }, { dims: strides[1]! },
    ]));
}

/** fill and copy on `rt`, for float32 and int32 outputs; in boxes where the limits need them. */
export function layoutKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    fill({ out, value }: FillArgs) {
      dispatchBoxes(rt, FILL, 'fill', out.shape, [['t_out', operandOf(out)]], (n, { shape, offsets }, strides) =>
        packParams([{ u: n }, { u: shape.length }, { u: offsets[0]! }, { u: bitsOf(out.dtype, value) }, { dims: shape }, { dims: strides[0]! }]));
    },
    copy({ src, dst }: CopyArgs) {
      copyStrided(rt, dst.shape, operandOf(src), operandOf(dst));
    },
  };
}
