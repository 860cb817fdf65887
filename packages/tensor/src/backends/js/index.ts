// The JS reference backend: every kernel in plain TypeScript over typed arrays, for float32 and float64.
// It defines what each kernel computes; faster backends are tested against it (see src/testing).
import type { Backend, Kernels, MemoryStats, Storage } from '../../backend';
import { type DType, DTYPES, allocTypedArray, bytesPerElement } from '../../dtype';
import { BackendError, BackendMemoryError } from '../../errors';
import { adam } from './adam';
import { attention, attentionBackward } from './attention';
import { crossEntropy, crossEntropyBackward } from './cross-entropy';
import { binary, binaryScalar } from './elementwise';
import { embedding, embeddingBackward } from './embedding';
import { copy, fill } from './layout';
import { matmul } from './matmul';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from './norm';
import { reduce } from './reduce';
import { quantMatmul } from './quant-matmul';
import { softmax, softmaxBackward } from './softmax';
import { type JsStorage, jsStorage } from './storage';
import { unary, unaryBackward } from './unary';

const kernels: Kernels = {
  matmul,
  binary,
  binaryScalar,
  unary,
  unaryBackward,
  reduce,
  softmax,
  softmaxBackward,
  rmsnorm,
  rmsnormBackward,
  layernorm,
  layernormBackward,
  embedding,
  embeddingBackward,
  crossEntropy,
  crossEntropyBackward,
  attention,
  attentionBackward,
  adam,
  fill,
  copy,
  quantMatmul,
};

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
    kernels,
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
    read(storage, offset, length) {
      return own(storage, 'read').data.slice(offset, offset + length);
    },
    write(storage, offset, data) {
      own(storage, 'write').data.set(data, offset);
    },
    memory(): MemoryStats {
      return { liveStorages, liveBytes, totalAllocations };
    },
  };
  return backend;
}
