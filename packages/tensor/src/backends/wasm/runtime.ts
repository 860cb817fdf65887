// What the kernel table needs from a started wasm backend: the module's exports, addresses and views of
// tensors in its memory, per-thread scratch, a block for shape/stride metadata, and the thread pool.
import { BackendError, type DType, type Storage, type Tensor, type TypedArray, bytesPerElement } from '../../index';
import type { Heap } from './heap';
import type { Address, KernelExports } from './module';
import type { Pool } from './threads';

/** Storage of the wasm backend: `size` elements at byte `address` of the module's memory. */
export interface WasmStorage extends Storage {
  address: number;
  freed: boolean;
}

/** Largest rank the metadata block holds (three int32 arrays of this length). */
export const MAX_META_RANK = 32;

/** The started pieces of a wasm backend, as the kernels use them. */
export interface WasmRuntime {
  readonly exports: KernelExports;
  readonly memory: WebAssembly.Memory;
  readonly heap: Heap;
  readonly pool: Pool;
  /** Byte address of element [0, …] of `t`. */
  address(t: Tensor): Address;
  /** `address(t)`, or 0 (no tensor) for an absent optional tensor. */
  optionalAddress(t: Tensor | null): Address;
  /** A typed-array view of `t`'s elements (contiguous `t` only), valid until memory next grows. */
  view(t: Tensor): TypedArray;
  /** A typed-array view of `length` elements of `dtype` at byte `address`. */
  viewAt(dtype: DType, address: number, length: number): TypedArray;
  /** Address of at least `bytes` bytes private to `thread`, reused across calls. */
  scratch(thread: number, bytes: number): Address;
  /** Writes int32 arrays back to back into the metadata block and returns its address. */
  meta(arrays: readonly (readonly number[])[]): Address;
  /** memmove of `bytes` bytes from `src` to `dst`. */
  copyBytes(src: number, dst: number, bytes: number): void;
}

const VIEWS: Record<DType, new (buffer: ArrayBufferLike, byteOffset: number, length: number) => TypedArray> = {
  float32: Float32Array,
  float64: Float64Array,
  int32: Int32Array,
  uint8: Uint8Array,
};

/** Builds the runtime over a memory, heap, exports and pool. */
export function createRuntime(exports: KernelExports, memory: WebAssembly.Memory, heap: Heap, pool: Pool): WasmRuntime {
  const scratches: { address: Address; bytes: number }[] = [];
  const metaAddress = heap.alloc(3 * MAX_META_RANK * 4) as Address;
  const address = (t: Tensor): Address => {
    const storage = t.storage as WasmStorage;
    if (storage.freed) throw new BackendError(`wasm: tensor ${t.describe()} uses freed storage`);
    return (storage.address + t.offset * bytesPerElement(t.dtype)) as Address;
  };
  return {
    exports,
    memory,
    heap,
    pool,
    address,
    optionalAddress: (t) => (t ? address(t) : (0 as Address)),
    view: (t) => new VIEWS[t.dtype](memory.buffer, address(t), t.size),
    viewAt: (dtype, at, length) => new VIEWS[dtype](memory.buffer, at, length),
    scratch(thread, bytes) {
      const have = scratches[thread];
      if (have && have.bytes >= bytes) return have.address;
      if (have) heap.free(have.address);
      const grown = { address: heap.alloc(Math.max(bytes, 4096)) as Address, bytes: 0 };
      grown.bytes = heap.capacity(grown.address);
      scratches[thread] = grown;
      return grown.address;
    },
    meta(arrays) {
      const values = arrays.flat();
      if (values.length > 3 * MAX_META_RANK) throw new BackendError(`wasm: tensors of rank above ${MAX_META_RANK} are not supported`);
      new Int32Array(memory.buffer, metaAddress, values.length).set(values);
      return metaAddress;
    },
    copyBytes(src, dst, bytes) {
      new Uint8Array(memory.buffer).copyWithin(dst, src, src + bytes);
    },
  };
}
