// Reused buffers for the values and gradients a training step creates, keyed by backend, dtype and shape, so
// that a step repeated with the same shapes allocates nothing after its first run (llm.c plans its
// activations once for the same reason).
import { type Backend, type DType, type Shape, Tensor, copy, fill } from '@microgpt/tensor';

const pools = new WeakMap<Backend, Map<string, Tensor[]>>();

function keyOf(shape: Shape, dtype: DType): string {
  return `${dtype}:${shape.join(',')}`;
}

function poolOf(backend: Backend): Map<string, Tensor[]> {
  let pool = pools.get(backend);
  if (!pool) pools.set(backend, (pool = new Map<string, Tensor[]>()));
  return pool;
}

/**
 * A contiguous tensor of `shape` and `dtype` on `backend`: a released one when available, else a new one.
 * With `zero`, its elements are set to 0 (gradients accumulate into it); otherwise they are stale.
 */
export function acquire(shape: Shape, dtype: DType, backend: Backend, zero: boolean): Tensor {
  const reused = poolOf(backend).get(keyOf(shape, dtype))?.pop();
  if (!reused) return Tensor.empty(shape, dtype, backend);
  if (zero) fill(reused, 0);
  return reused;
}

/** Gives `t` back for reuse; it must not be used afterwards. */
export function release(t: Tensor): void {
  const pool = poolOf(t.backend);
  const key = keyOf(t.shape, t.dtype);
  let list = pool.get(key);
  if (!list) pool.set(key, (list = []));
  list.push(t);
}

/** Disposes every pooled buffer of `backend` (for tests, or to give memory back after training). */
export function drainPool(backend: Backend): void {
  for (const list of poolOf(backend).values()) for (const t of list) t.dispose();
  pools.delete(backend);
}

/**
 * Runs `fn` on `t` when contiguous, else on a pooled contiguous copy released afterwards: the tensor ops would
 * otherwise allocate a copy of their own for a strided input (a transposed view) on every step.
 */
export function withContiguous(t: Tensor, fn: (contiguous: Tensor) => void): void {
  if (t.isContiguous()) {
    fn(t);
    return;
  }
  const pooled = acquire(t.shape, t.dtype, t.backend, false);
  try {
    copy(t, pooled);
    fn(pooled);
  } finally {
    release(pooled);
  }
}

/** Runs `run`; when it throws (bad shape, dtype or index), gives `buffers` back to the pool first, then rethrows. */
export function releasingOnError(buffers: readonly Tensor[], run: () => void): void {
  try {
    run();
  } catch (error) {
    for (const t of buffers) release(t);
    throw error;
  }
}
