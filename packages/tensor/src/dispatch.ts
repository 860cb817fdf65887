// Finds the function that runs a kernel on a backend: the backend's own, or the own kernel of the backend it is
// composed over, or else the JS reference over copies of the ranges its tensors touch (fallback.ts), written back
// afterwards: slower, never wrong. Each such fallback is noted once, through the note handler. On a backend with a
// work queue (withAsyncFallback) every kernel keeps call order with the work queued there.
import type { Backend, KernelName, Kernels } from './backend';
import { isJsBackend } from './backends/js/index';
import { baseOf, queueOf, rootOf } from './compose';
import type { DType } from './dtype';
import { BackendError } from './errors';
import { fallbackAsync, fallbackSync } from './fallback';
import { kernelDefinition } from './kernel-registry';
import { profiledKernel, profiling } from './profiler';
import type { Tensor } from './tensor';
import type { WorkQueue } from './work-queue';

/** Receives each one-time debug note (a kernel falling back to the JS reference, say) as one line of text. */
export type NoteHandler = (message: string) => void;
type AnyKernel = (args: object) => void;

let noteHandler: NoteHandler = (message) => {
  if (typeof process !== 'undefined' && process.env.MICROGPT_DEBUG) console.debug(`[microgpt] ${message}`);
};
const noted = new Set<string>();
const cache = new WeakMap<Backend, Map<string, AnyKernel>>();

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

/**
 * Kernel `name`'s JS reference run over copies of the elements that `backend`'s tensors touch (their offset, shape
 * and strides give the range; views of one storage that overlap share one copy), with only the ranges of the tensors
 * the kernel writes copied back: how a backend runs a kernel, or one case of a kernel, that it does not implement
 * (wasm's copy between dtypes). Pass the backend the tensors are on (`t.backend`). On a backend with `readSync` it
 * runs at once; on one wrapped in `withAsyncFallback` it is queued there and reads with `readAsync`.
 * @throws {BackendError} for an unknown kernel, or a backend that has neither `readSync` nor a work queue.
 */
export function referenceKernel<K extends KernelName>(backend: Backend, name: K): Kernels[K] {
  const definition = kernelDefinition(name);
  const queue = queueOf(backend);
  if (queue) {
    return (args: object) => {
      queue.defer(() => fallbackAsync(queue.base, definition, args));
    };
  }
  if (!backend.readSync) {
    throw new BackendError(
      `${name}: backend '${backend.name}' has no '${name}' kernel and reads only asynchronously; return withAsyncFallback(backend) from its factory so that the JS fallback can run`,
    );
  }
  return (args: object) => {
    fallbackSync(backend, definition, args);
  };
}

/** The kernel `name` that `backend` or a backend it is composed over implements for `dtype`, if any. */
function ownKernel(backend: Backend, name: KernelName, dtype: DType): AnyKernel | undefined {
  for (let b: Backend | undefined = backend; b; b = baseOf(b)) {
    const own = b.kernels[name] as AnyKernel | undefined;
    if (own && (b.supports?.(name, dtype) ?? true)) return own;
  }
  return undefined;
}

/** `run` in call order with the work queued on a withAsyncFallback backend; a direct call while nothing waits. */
function inOrder(queue: WorkQueue, run: AnyKernel): AnyKernel {
  return (args) => {
    if (queue.idle) run(args);
    else queue.run(() => {
      run(args);
    });
  };
}

function resolve(backend: Backend, name: KernelName, dtype: DType): AnyKernel {
  const definition = kernelDefinition(name);
  const own = ownKernel(backend, name, dtype);
  const queue = queueOf(backend);
  if (own) return queue ? inOrder(queue, own) : own;
  // js storage is what the reference runs on, so a kernel registered after the js backend was made runs directly.
  if (isJsBackend(rootOf(backend))) return definition.reference;
  note(`${backend.name}:${name}:${dtype}`, `backend '${backend.name}' has no ${dtype} '${name}' kernel; using the js reference (copies each call)`);
  return referenceKernel(backend, name) as AnyKernel;
}

/**
 * The function that runs kernel `name` for `dtype` on `backend`: the backend's own, or the JS reference over copies
 * when the backend lacks it. Looked up once per backend, kernel and dtype, then cached. While a profile is active
 * (startProfile) it is wrapped to record each call.
 * @throws {BackendError} naming the defined kernels when `name` is not one of them.
 */
export function kernel<K extends KernelName>(backend: Backend, name: K, dtype: DType): Kernels[K] {
  let byKey = cache.get(backend);
  if (!byKey) cache.set(backend, (byKey = new Map<string, AnyKernel>()));
  const key = `${name}:${dtype}`;
  let chosen = byKey.get(key);
  if (!chosen) byKey.set(key, (chosen = resolve(backend, name, dtype)));
  return profiling() ? profiledKernel(backend, name, dtype, chosen) : chosen;
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
