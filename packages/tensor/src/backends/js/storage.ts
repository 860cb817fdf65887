// Storage of the JS backend: a plain typed array, plus the accessors kernels use to reach it.
import type { Backend, Storage } from '../../backend';
import type { DType, TypedArray } from '../../dtype';
import type { Tensor } from '../../tensor';

/** JS storage: the elements live in `data`. */
export interface JsStorage extends Storage {
  /** The elements, `size` of them, in a typed array of `dtype` (Float32Array for float32, …); kernels write it in place. */
  data: TypedArray;
}

/** Allocates JS storage owned by `backend`. */
export function jsStorage(backend: Backend, dtype: DType, data: TypedArray): JsStorage {
  return { backend, dtype, size: data.length, data };
}

/**
 * The typed array behind a tensor on js storage (the js backend's, or the copies that the fallback hands a reference
 * kernel); index it from `t.offset` with `t.strides`. Public as `jsArray`, for the references of registered kernels.
 */
export function dataOf(t: Tensor): TypedArray {
  return (t.storage as JsStorage).data;
}

/** The float array behind a float JS-backend tensor; kernels call it only after the op checked the dtype. */
export function floatsOf(t: Tensor): Float32Array | Float64Array {
  return (t.storage as JsStorage).data as Float32Array | Float64Array;
}

/** The int32 array behind an index tensor (token ids, targets). */
export function intsOf(t: Tensor): Int32Array {
  return (t.storage as JsStorage).data as Int32Array;
}

/** Storage index of each element of `t`, in row-major element order (views with any strides). */
export function elementIndices(t: Tensor): Int32Array {
  const n = t.size;
  const indices = new Int32Array(n);
  const rank = t.rank;
  const counter = new Array<number>(rank).fill(0);
  let at = t.offset;
  for (let i = 0; i < n; i++) {
    indices[i] = at;
    for (let d = rank - 1; d >= 0; d--) {
      at += t.strides[d]!;
      if (++counter[d]! < t.shape[d]!) break;
      at -= t.strides[d]! * t.shape[d]!;
      counter[d] = 0;
    }
  }
  return indices;
}
