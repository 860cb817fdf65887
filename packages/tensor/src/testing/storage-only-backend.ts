// A backend that stores tensors but implements no kernel, so that every kernel takes the JS fallback path.
// Tests use it to check the fallback; a new backend package can start from the same shape.
import type { Backend, MemoryStats, Storage } from '../backend';
import { type DType, DTYPES, type TypedArray, allocTypedArray, bytesPerElement } from '../dtype';
import { BackendError } from '../errors';

interface OwnStorage extends Storage {
  elements: TypedArray | null;
}

/**
 * A backend named `name` with its own storage and no kernels (optionally a subset of the JS kernels, to test
 * per-kernel fallback). Every kernel it lacks runs on the JS reference over copies.
 */
export function createStorageOnlyBackend(name = 'storage-only', kernels: Backend['kernels'] = {}): Backend {
  let liveStorages = 0;
  let liveBytes = 0;
  let totalAllocations = 0;
  const elementsOf = (storage: Storage, op: string): TypedArray => {
    const own = storage as OwnStorage;
    if (own.backend !== backend || !own.elements) throw new BackendError(`${name}.${op}: storage is freed or not from this backend`);
    return own.elements;
  };
  const backend: Backend = {
    name,
    dtypes: DTYPES,
    kernels,
    alloc(dtype: DType, size: number): Storage {
      liveStorages++;
      totalAllocations++;
      liveBytes += size * bytesPerElement(dtype);
      const storage: OwnStorage = { backend, dtype, size, elements: allocTypedArray(dtype, size) };
      return storage;
    },
    free(storage) {
      elementsOf(storage, 'free');
      (storage as OwnStorage).elements = null;
      liveStorages--;
      liveBytes -= storage.size * bytesPerElement(storage.dtype);
    },
    read: (storage, offset, length) => elementsOf(storage, 'read').slice(offset, offset + length),
    write: (storage, offset, data) => {
      elementsOf(storage, 'write').set(data, offset);
    },
    memory: (): MemoryStats => ({ liveStorages, liveBytes, totalAllocations }),
  };
  return backend;
}
