// Finds the function that runs a kernel on a backend. A kernel the backend lacks (or lacks for a dtype) runs on
// the JS reference over copies of its tensors, which are then written back: slower, never wrong. Each such
// fallback is noted once, through the note handler.
import type { Backend, KernelName, Kernels, Storage } from './backend';
import type { DType } from './dtype';
import { BackendError } from './errors';
import { findBackend } from './registry';
import { Tensor } from './tensor';

type NoteHandler = (message: string) => void;

let noteHandler: NoteHandler = (message) => {
  if (typeof process !== 'undefined' && process.env.MICROGPT_DEBUG) console.debug(`[microgpt] ${message}`);
};
const noted = new Set<string>();
const cache = new WeakMap<Backend, Map<string, Kernels[KernelName]>>();

/**
 * Sets where one-time debug notes (kernel fallbacks) go. The default prints with `console.debug` only when the
 * environment variable MICROGPT_DEBUG is set. Returns the previous handler.
 */
export function onNote(handler: NoteHandler): NoteHandler {
  const previous = noteHandler;
  noteHandler = handler;
  return previous;
}

/** The kernels that have fallen back to the JS reference so far, as `backend:kernel:dtype`. */
export function fallbacks(): string[] {
  return [...noted];
}

function note(key: string, message: string): void {
  if (noted.has(key)) return;
  noted.add(key);
  noteHandler(message);
}

function mapTensors(args: object, fn: (t: Tensor) => Tensor): object {
  const mapped: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(args)) {
    mapped[key] = value instanceof Tensor ? fn(value) : value;
  }
  return mapped;
}

/**
 * Kernel `name` of the JS reference, run over copies of `backend`'s tensors that are written back afterwards:
 * how a backend runs a kernel (or one case of it) that it does not implement.
 */
export function referenceKernel<K extends KernelName>(backend: Backend, name: K): Kernels[K] {
  const js = findBackend('js');
  const reference = js.kernels[name]!;
  return ((args: object) => {
    const copies = new Map<Storage, Storage>();
    const jsArgs = mapTensors(args, (t) => {
      let copy = copies.get(t.storage);
      if (!copy) {
        copy = js.alloc(t.dtype, t.storage.size);
        js.write(copy, 0, backend.read(t.storage, 0, t.storage.size));
        copies.set(t.storage, copy);
      }
      return Tensor.view(copy, t.shape, t.strides, t.offset);
    });
    try {
      return (reference as (a: object) => unknown)(jsArgs);
    } finally {
      for (const [original, copy] of copies) {
        backend.write(original, 0, js.read(copy, 0, copy.size));
        js.free(copy);
      }
    }
  }) as Kernels[K];
}

/**
 * The function that runs kernel `name` for `dtype` on `backend`: the backend's own, or the JS reference
 * over copies when the backend lacks it.
 */
export function kernel<K extends KernelName>(backend: Backend, name: K, dtype: DType): Kernels[K] {
  let byKey = cache.get(backend);
  if (!byKey) cache.set(backend, (byKey = new Map<string, Kernels[KernelName]>()));
  const key = `${name}:${dtype}`;
  const found = byKey.get(key);
  if (found) return found as Kernels[K];
  const own = backend.kernels[name];
  const usable = own && (backend.supports?.(name, dtype) ?? true);
  let chosen: Kernels[K];
  if (usable) {
    chosen = own;
  } else {
    if (backend.name === 'js') throw new BackendError(`${name}: the js backend has no kernel for ${dtype}`);
    note(`${backend.name}:${name}:${dtype}`, `backend '${backend.name}' has no ${dtype} '${name}' kernel; using the js reference (copies each call)`);
    chosen = referenceKernel(backend, name);
  }
  byKey.set(key, chosen);
  return chosen;
}

/**
 * Checks that every tensor is alive and on the same backend, and returns that backend.
 * @throws {BackendError} naming `op` and both backends, or the disposed tensor.
 */
export function sameBackend(op: string, tensors: readonly (Tensor | null | undefined)[]): Backend {
  let backend: Backend | null = null;
  for (const t of tensors) {
    if (!t) continue;
    if (t.disposed) throw new BackendError(`${op}: a tensor ${t.describe()} was disposed`);
    const b = t.storage.backend;
    if (backend && b !== backend) {
      throw new BackendError(`${op}: tensors are on backends '${backend.name}' and '${b.name}'; move one with .to()`);
    }
    backend = b;
  }
  if (!backend) throw new BackendError(`${op}: no tensor given`);
  return backend;
}
