// A backend that stores tensors but implements few or no kernels, so that kernels take the JS fallback path. Tests
// use it to check the fallback (and, through its counters, what the fallback copies); packages/backend-template is
// the complete starting point of a new backend package.
import type { Backend, MemoryStats, Storage } from '../backend';
import { type DType, DTYPES, type TypedArray, allocTypedArray, bytesPerElement } from '../dtype';
import { BackendError } from '../errors';

/** Options of `createStorageOnlyBackend`. */
export interface StorageOnlyOptions {
  /** Give the backend `readSync` (default true); without it, it reads only asynchronously, as a GPU does. */
  readSync?: boolean;
}

/** A storage-only backend, with counts of the elements copied through its reads and writes. */
export interface StorageOnlyBackend extends Backend {
  /** Elements copied out (`readSync`, `readAsync`) and in (`write`) since it was made; tests may reset them. */
  readonly copied: {
    /** Elements copied out through `readSync` and `readAsync`. */
    read: number;
    /** Elements copied in through `write`. */
    written: number;
  };
}

/**
 * A backend named `name` whose storage is plain typed arrays, with the given kernels (default none; a subset of the
 * JS kernels, say, to test per-kernel fallback). Every kernel it lacks runs on the JS reference over copies. It
 * recognizes its storages by identity (a WeakSet), so a backend composed over it works.
 */
export function createStorageOnlyBackend(name = 'storage-only', kernels: Backend['kernels'] = {}, options: StorageOnlyOptions = {}): StorageOnlyBackend {
  let liveStorages = 0;
  let liveBytes = 0;
  let totalAllocations = 0;
  const arrays = new WeakMap<Storage, TypedArray>();
  const copied = { read: 0, written: 0 };
  const arrayOf = (storage: Storage, op: string): TypedArray => {
    const array = arrays.get(storage);
    if (!array) throw new BackendError(`${name}.${op}: storage is freed or not from this backend`);
    return array;
  };
  const copyOut = (op: string, storage: Storage, offset: number, length: number): TypedArray => {
    const values = arrayOf(storage, op).slice(offset, offset + length);
    copied.read += values.length;
    return values;
  };
  const backend: StorageOnlyBackend = {
    name,
    dtypes: DTYPES,
    kernels,
    copied,
    alloc(dtype: DType, size: number): Storage {
      const storage: Storage = { backend, dtype, size };
      arrays.set(storage, allocTypedArray(dtype, size));
      liveStorages++;
      totalAllocations++;
      liveBytes += size * bytesPerElement(dtype);
      return storage;
    },
    free(storage) {
      arrayOf(storage, 'free');
      arrays.delete(storage);
      liveStorages--;
      liveBytes -= storage.size * bytesPerElement(storage.dtype);
    },
    readAsync: (storage, offset, length) =>
      new Promise((resolve) => {
        resolve(copyOut('readAsync', storage, offset, length));
      }),
    write: (storage, offset, data) => {
      arrayOf(storage, 'write').set(data, offset);
      copied.written += data.length;
    },
    memory: (): MemoryStats => ({ liveStorages, liveBytes, totalAllocations }),
    ...((options.readSync ?? true) && { readSync: (storage: Storage, offset: number, length: number) => copyOut('readSync', storage, offset, length) }),
  };
  return backend;
}
