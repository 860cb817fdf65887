// A backend that reads only asynchronously, wrapped in withAsyncFallback: fallbacks and index checks wait for reads,
// and every later kernel, write, free and read keeps call order with them; a failure surfaces at the next read.
import { describe, expect, it } from 'vitest';
import type { Backend, FillArgs } from './backend';
import { composeBackend, withAsyncFallback } from './compose';
import { tensor } from './create';
import { BackendError, IndexError, ShapeError } from './errors';
import { binary } from './ops/elementwise';
import { embedding } from './ops/embedding';
import { fill } from './ops/layout';
import { unary } from './ops/unary';
import { type StorageOnlyBackend, createStorageOnlyBackend } from './testing/storage-only-backend';

/** An async-only storage backend with one kernel of its own, `fill` of contiguous float64 tensors. */
function asyncOnly(): { raw: StorageOnlyBackend; backend: Backend; fills: { calls: number } } {
  const fills = { calls: 0 };
  const raw: StorageOnlyBackend = createStorageOnlyBackend('gpu-like', {
    fill({ out, value }: FillArgs) {
      fills.calls++;
      raw.write(out.storage, out.offset, new Float64Array(out.size).fill(value));
    },
  }, { readSync: false });
  return { raw, backend: withAsyncFallback(raw), fills };
}

const f64 = { dtype: 'float64' } as const;

describe('withAsyncFallback', () => {
  it('runs a fallback after its reads, and later kernels, writes and reads after it', async () => {
    const { backend, fills } = asyncOnly();
    const x = tensor([0, 1, 2], { ...f64, backend });
    const y = unary('exp', x);
    fill(x, 5);
    expect(fills.calls).toBe(0);
    const z = binary('add', x, y);
    backend.write(y.storage, 0, Float64Array.from([7, 7, 7]));
    const probe = Float64Array.from([1, 2, 3]);
    backend.write(x.storage, 0, probe);
    probe.fill(100);
    expect(Array.from(await z.toArrayAsync())).toEqual([0, 1, 2].map((v) => 5 + Math.exp(v)));
    expect(Array.from(await y.toArrayAsync())).toEqual([7, 7, 7]);
    expect(Array.from(await x.toArrayAsync())).toEqual([1, 2, 3]);
    expect(fills.calls).toBe(1);
  });

  it('calls straight through while nothing is queued', async () => {
    const { backend, fills } = asyncOnly();
    const x = tensor([1, 2], { ...f64, backend });
    fill(x, 3);
    expect(fills.calls).toBe(1);
    const pending = x.toArrayAsync();
    fill(x, 4);
    expect(Array.from(await pending)).toEqual([3, 3]);
    await expect(x.itemAsync()).rejects.toThrow(new ShapeError('itemAsync: tensor [2] has 2 elements, not 1'));
  });

  it('reports a bad index at the next read, drops the work queued after it, frees, then runs again', async () => {
    const { raw, backend, fills } = asyncOnly();
    const weight = tensor([[1, 2], [3, 4]], { ...f64, backend });
    const ids = tensor([1, 7], { dtype: 'int32', backend });
    const live = raw.memory().liveStorages;
    const out = embedding(weight, ids);
    fill(weight, 9);
    out.dispose();
    await expect(weight.toArrayAsync()).rejects.toThrow(new IndexError('embedding: ids[1] = 7 is outside [0, 2)'));
    expect(fills.calls).toBe(0);
    expect(raw.memory().liveStorages).toBe(live);
    expect(Array.from(await weight.toArrayAsync())).toEqual([1, 2, 3, 4]);
    fill(weight, 9);
    expect(Array.from(await weight.toArrayAsync())).toEqual([9, 9, 9, 9]);
  });

  it('keeps the order for a backend composed over it, whose own kernels wait too', async () => {
    const { backend } = asyncOnly();
    let ownCalls = 0;
    const composed = composeBackend({
      name: 'composed-gpu-like',
      base: backend,
      kernels: {
        fill(args: FillArgs) {
          ownCalls++;
          backend.kernels.fill!(args);
        },
      },
    });
    const x = tensor([0, 1], { ...f64, backend: composed });
    const y = unary('exp', x);
    fill(x, 2);
    expect(Array.from(await y.toArrayAsync())).toEqual([1, Math.E]);
    expect(Array.from(await x.toArrayAsync())).toEqual([2, 2]);
    expect(ownCalls).toBe(1);
  });

  it('is required for fallbacks and index checks on a backend without readSync, and refused on one with it', () => {
    const raw = createStorageOnlyBackend('bare-async', {}, { readSync: false });
    const x = tensor([1, 2], { ...f64, backend: raw });
    expect(() => unary('exp', x)).toThrow(
      new BackendError("unary: backend 'bare-async' has no 'unary' kernel and reads only asynchronously; return withAsyncFallback(backend) from its factory so that the JS fallback can run"),
    );
    expect(() => embedding(x.reshape([1, 2]), tensor([0], { dtype: 'int32', backend: raw }))).toThrow(
      new BackendError("embedding: backend 'bare-async' reads only asynchronously, so ids can only be checked in its work queue; return withAsyncFallback(backend) from its factory"),
    );
    expect(() => x.toArray()).toThrow(new BackendError("toArray: backend 'bare-async' reads only asynchronously; use await t.toArrayAsync()"));
    expect(() => withAsyncFallback(createStorageOnlyBackend('sync'))).toThrow(
      new BackendError("withAsyncFallback: backend 'sync' has readSync, so its fallback runs synchronously; use it as it is"),
    );
  });
});
