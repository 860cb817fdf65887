// The JS reference backend: every kernel in plain TypeScript over typed arrays, for float32 and float64.
// It defines what each kernel computes; faster backends are tested against it (see src/testing).
import type { Backend, MemoryStats, Storage } from '../../backend';
import { type DType, DTYPES, allocTypedArray, bytesPerElement } from '../../dtype';
import { BackendError, BackendMemoryError } from '../../errors';
import { JS_KERNELS } from './kernels';
import { type JsStorage, jsStorage } from './storage';

// Backends made by createJsBackend: their storages are plain typed arrays, so a registered kernel's JS reference
// runs on them directly, with no copies.
const jsBackends = new WeakSet<Backend>();

/** Whether `backend` was made by `createJsBackend` (its storages are `JsStorage`). */
export function isJsBackend(backend: Backend): boolean {
  return jsBackends.has(backend);
}

/**
 * A zeroed typed array of `size` elements.
 * @throws {BackendMemoryError} when the engine cannot make it (longer than a typed array may be, or no memory).
 */
function typedArrayOrMemoryError(dtype: DType, size: number): JsStorage['data'] {
  try {
    return allocTypedArray(dtype, size);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    throw new BackendMemoryError(`js: cannot allocate ${size} elements of ${dtype} (${size * bytesPerElement(dtype)} bytes): ${error.message}`, { cause: error });
  }
}

/** Creates a JS reference backend (the registry starts one as `js`). */
export function createJsBackend(): Backend {
  let liveStorages = 0;
  let liveBytes = 0;
  let totalAllocations = 0;
  const live = new WeakSet<Storage>();
  const own = (storage: Storage, op: string): JsStorage => {
    if (!live.has(storage)) {
      throw new BackendError(`${op}: storage is not a live allocation of this js backend (freed, or from another backend)`);
    }
    return storage as JsStorage;
  };
  const backend: Backend = {
    name: 'js',
    dtypes: DTYPES,
    kernels: JS_KERNELS,
    alloc(dtype: DType, size: number): Storage {
      const storage = jsStorage(backend, dtype, typedArrayOrMemoryError(dtype, size));
      live.add(storage);
      liveStorages++;
      totalAllocations++;
      liveBytes += size * bytesPerElement(dtype);
      return storage;
    },
    free(storage) {
      own(storage, 'free');
      live.delete(storage);
      liveStorages--;
      liveBytes -= storage.size * bytesPerElement(storage.dtype);
    },
    readSync(storage, offset, length) {
      return own(storage, 'readSync').data.slice(offset, offset + length);
    },
    // The executor runs now, so the copy is taken before the promise returns, and a bad storage rejects it.
    readAsync(storage, offset, length) {
      return new Promise((resolve) => {
        resolve(own(storage, 'readAsync').data.slice(offset, offset + length));
      });
    },
    write(storage, offset, data) {
      own(storage, 'write').data.set(data, offset);
    },
    memory(): MemoryStats {
      return { liveStorages, liveBytes, totalAllocations };
    },
  };
  jsBackends.add(backend);
  return backend;
}
