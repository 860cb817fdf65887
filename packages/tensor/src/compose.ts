// Backends built on another backend's storage. composeBackend gives a backend its own kernels over a base's storage
// and kernels (a BLAS matmul over the wasm memory); withAsyncFallback keeps the host-side work on a backend that
// reads only asynchronously in call order. Both relabel the storages their base allocates as their own, so that
// dispatch finds their kernels (see `Storage.backend`), and leave the storage itself to the base.
import type { Backend, KernelName, Kernels, Storage } from './backend';
import type { DType } from './dtype';
import { BackendError } from './errors';
import { WorkQueue } from './work-queue';

const bases = new WeakMap<Backend, Backend>();
const queues = new WeakMap<Backend, WorkQueue>();

/** The backend `backend` was composed over, if any. */
export function baseOf(backend: Backend): Backend | undefined {
  return bases.get(backend);
}

/** The backend at the bottom of `backend`'s composition chain: the one whose storages they all are. */
export function rootOf(backend: Backend): Backend {
  let root = backend;
  for (let base = bases.get(root); base; base = bases.get(root)) root = base;
  return root;
}

/** The queue that orders work on `backend` (a withAsyncFallback backend, or one composed over it). */
export function queueOf(backend: Backend): WorkQueue | undefined {
  return queues.get(backend);
}

function relabel(storage: Storage, owner: Backend): Storage {
  (storage as { backend: Backend }).backend = owner;
  return storage;
}

/** Options of `composeBackend`. */
export interface ComposeOptions {
  /** Name of the new backend (its registry name, in notes and errors). */
  name: string;
  /** The backend whose storage, reads, writes and kernels the new one uses. */
  base: Backend;
  /** Kernels of the new backend; they override the base's. */
  kernels: Partial<Kernels>;
  /** Whether one of `kernels` runs for `dtype` (absent: all of them, for every dtype); else the base's is used. */
  supports?: (kernel: KernelName, dtype: DType) => boolean;
  /** Releases what the new backend holds beyond the base (the base belongs to whoever made it). */
  dispose?: () => void;
}

/**
 * A backend that shares `base`'s storage and adds kernels of its own: alloc, free, reads and writes go to the base;
 * a kernel runs from `kernels` when it is there and `supports` allows it, else the base's (and, where the base has
 * none, the JS reference over copies, as on any backend). Storages it allocates are labeled with it, so tensors
 * over them run its kernels; the base still recognizes them (see `Storage.backend`). A BLAS backend is the wasm
 * backend plus a matmul: `composeBackend({ name: 'blas', base: wasm, kernels: { matmul } })`. Over a base wrapped
 * in `withAsyncFallback` it keeps that base's order of work.
 */
export function composeBackend(options: ComposeOptions): Backend {
  const { name, base, kernels, supports, dispose } = options;
  const composed: Backend = {
    name,
    dtypes: base.dtypes,
    get maxBytes() {
      return base.maxBytes;
    },
    kernels,
    alloc: (dtype, size) => relabel(base.alloc(dtype, size), composed),
    free: (storage) => {
      base.free(storage);
    },
    readAsync: (storage, offset, length) => base.readAsync(storage, offset, length),
    write: (storage, offset, data) => {
      base.write(storage, offset, data);
    },
    memory: () => base.memory(),
    ...(base.readSync && { readSync: base.readSync.bind(base) }),
    ...(supports && { supports }),
    ...(dispose && { dispose }),
  };
  bases.set(composed, base);
  const queue = queues.get(base);
  if (queue) queues.set(composed, queue);
  return composed;
}

/**
 * Wraps a backend that reads only asynchronously (no `readSync`: a GPU) so that the work the core does on the host
 * can run on it: the JS fallback of a kernel it lacks (which reads the touched ranges with `readAsync`) and the
 * index checks of embedding and cross-entropy. Such work is queued, and every kernel, write, free and read called
 * after it waits for it, so results are those of running everything in call order. With nothing queued, calls go
 * straight through (one check each). A failure in queued work (an index out of range) rejects the next `readAsync`
 * on the backend; kernels and writes called between the failure and that read are dropped, frees still run.
 * Return the wrapper from the backend's factory; it is the backend users and tensors see.
 * @throws {BackendError} when `backend` has `readSync` (it needs no queue).
 */
export function withAsyncFallback(backend: Backend): Backend {
  if (backend.readSync) {
    throw new BackendError(`withAsyncFallback: backend '${backend.name}' has readSync, so its fallback runs synchronously; use it as it is`);
  }
  const queue = new WorkQueue(backend);
  const ordered: Backend = {
    name: backend.name,
    dtypes: backend.dtypes,
    get maxBytes() {
      return backend.maxBytes;
    },
    kernels: backend.kernels,
    alloc: (dtype, size) => relabel(backend.alloc(dtype, size), ordered),
    free: (storage) => {
      queue.run(() => {
        backend.free(storage);
      }, true);
    },
    readAsync: (storage, offset, length) => queue.read(() => backend.readAsync(storage, offset, length)),
    write: (storage, offset, data) => {
      if (queue.idle) {
        backend.write(storage, offset, data);
        return;
      }
      // The caller may reuse its array once write returns.
      const copy = data.slice();
      queue.run(() => {
        backend.write(storage, offset, copy);
      });
    },
    memory: () => backend.memory(),
    ...(backend.supports && { supports: backend.supports.bind(backend) }),
    ...(backend.dispose && { dispose: backend.dispose.bind(backend) }),
  };
  bases.set(ordered, backend);
  queues.set(ordered, queue);
  return ordered;
}
