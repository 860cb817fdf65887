// A microgpt backend written against the public API of @microgpt/tensor only. It owns storage, reads it back only
// asynchronously (as a GPU does, so everything above it is known to work without `readSync`), implements two
// kernels and leaves the rest to the core's JS fallback. Copy this package to start a backend (see the README).
import { type Backend, DTYPES, type MemoryStats, allocTypedArray, bytesPerElement, withAsyncFallback } from '@microgpt/tensor';
import { templateKernels } from './kernels';
import { createMemory } from './storage';

/** Options of `createTemplateBackend`. */
export interface TemplateBackendOptions {
  /** The backend's name, as it is registered and appears in messages (default `template`). */
  name?: string;
}

/**
 * Makes a template backend. Register it explicitly (nothing registers on import):
 * `registerBackend('template', createTemplateBackend)`, then `await setBackend('template')`.
 */
export function createTemplateBackend(options: TemplateBackendOptions = {}): Backend {
  const name = options.name ?? 'template';
  const memory = createMemory(name);
  let liveStorages = 0;
  let liveBytes = 0;
  let totalAllocations = 0;
  const backend: Backend = {
    name,
    dtypes: DTYPES,
    kernels: templateKernels(memory),
    alloc(dtype, size) {
      const storage = { backend, dtype, size };
      memory.add(storage, allocTypedArray(dtype, size));
      liveStorages++;
      totalAllocations++;
      liveBytes += size * bytesPerElement(dtype);
      return storage;
    },
    free(storage) {
      memory.arrayOf(storage, 'free');
      memory.remove(storage);
      liveStorages--;
      liveBytes -= storage.size * bytesPerElement(storage.dtype);
    },
    // The copy is taken now, in the executor, so work called after readAsync cannot change it (the contract); a
    // device enqueues its copy here instead. A bad storage rejects the promise.
    readAsync: (storage, offset, length) =>
      new Promise((resolve) => {
        resolve(memory.arrayOf(storage, 'readAsync').slice(offset, offset + length));
      }),
    write(storage, offset, data) {
      memory.arrayOf(storage, 'write').set(data, offset);
    },
    memory: (): MemoryStats => ({ liveStorages, liveBytes, totalAllocations }),
  };
  // Without readSync the core's host-side work (the JS fallback, index checks) must wait for reads: the wrapper
  // queues it and keeps every later call in order. Users and tensors see the wrapper.
  return withAsyncFallback(backend);
}
