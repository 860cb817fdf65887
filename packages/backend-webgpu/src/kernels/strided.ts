// Strided tensors for the elementwise shaders: adjacent dimensions that every tensor of a call walks as one are
// merged first, so views of any rank reach the shaders with few dimensions (at most MAX_RANK).
import { BackendError } from '@microgpt/tensor';
import { MAX_RANK } from '../wgsl';

/** A shape and, for each tensor of a call, its strides over that shape, after merging. */
export interface Layout {
  readonly shape: readonly number[];
  readonly strides: readonly (readonly number[])[];
}

/**
 * The shape shared by `tensors` with size-1 dimensions dropped and dimension d merged into d + 1 wherever
 * stride[d] = stride[d + 1] · shape[d + 1] holds for every tensor.
 * @throws {BackendError} naming `op` when more than MAX_RANK dimensions remain.
 */
export function mergedLayout(op: string, shape: readonly number[], tensors: readonly { readonly strides: readonly number[] }[]): Layout {
  const dims: number[] = [];
  const strides: number[][] = tensors.map(() => []);
  shape.forEach((size, d) => {
    if (size === 1) return;
    const last = dims.length - 1;
    const mergeable = last >= 0 && tensors.every((t, k) => strides[k]![last] === t.strides[d]! * size);
    if (mergeable) {
      dims[last]! *= size;
      tensors.forEach((t, k) => (strides[k]![last] = t.strides[d]!));
    } else {
      dims.push(size);
      tensors.forEach((t, k) => strides[k]!.push(t.strides[d]!));
    }
  });
  if (dims.length > MAX_RANK) {
    throw new BackendError(`webgpu.${op}: a view with ${dims.length} dimensions that cannot be merged; the shaders take at most ${MAX_RANK}`);
  }
  return { shape: dims, strides };
}

/** A box of a layout's index space, where one dispatch runs: its shape and each tensor's offset at its corner. */
export interface Box {
  readonly shape: readonly number[];
  readonly offsets: readonly number[];
}

/**
 * Boxes covering `shape` in row-major order (the tensors at `offsets`, with `strides`), each one that `fits`: the
 * whole where it fits, else bands of the first dimension, else each index of it with the rest split likewise.
 * `fits` must hold for a single element.
 */
export function boxes(shape: readonly number[], strides: readonly (readonly number[])[], offsets: readonly number[], fits: (box: Box) => boolean): Box[] {
  const split = (box: Box, d: number): Box[] => {
    if (d >= box.shape.length || fits(box)) return [box];
    const band = (n: number, at: number): Box => ({
      shape: box.shape.map((size, k) => (k === d ? n : size)),
      offsets: box.offsets.map((offset, t) => offset + at * strides[t]![d]!),
    });
    let most = box.shape[d]!;
    while (most > 1 && !fits(band(most, 0))) most = Math.floor(most / 2);
    const out: Box[] = [];
    for (let at = 0; at < box.shape[d]!; at += most) {
      const part = band(Math.min(most, box.shape[d]! - at), at);
      out.push(...(most > 1 || fits(part) ? [part] : split(part, d + 1)));
    }
    return out;
  };
  return split({ shape, offsets }, 0);
}
