import { describe, expect, it } from 'vitest';
import { arange, tensor, zeros } from './create';
import { BackendError, BackendMemoryError, IndexError, ShapeError } from './errors';
import { createWasmBackend } from './backends/wasm/index';
import { findBackend } from './registry';
import { Tensor } from './tensor';

describe('Tensor views', () => {
  const x = () => arange(0, 24, 1, { dtype: 'float64' }).reshape([2, 3, 4]);

  it('reshape of contiguous data is a view with an inferred dimension', () => {
    const a = x();
    const b = a.reshape([6, -1]);
    expect(b.shape).toEqual([6, 4]);
    expect(b.storage).toBe(a.storage);
    expect(b.toList()).toEqual([...Array(6).keys()].map((r) => [0, 1, 2, 3].map((c) => r * 4 + c)));
  });

  it('transpose swaps strides without copying, and contiguous() copies it in the new order', () => {
    const a = x();
    const t = a.transpose(0, 2);
    expect(t.shape).toEqual([4, 3, 2]);
    expect(t.strides).toEqual([1, 4, 12]);
    expect(t.storage).toBe(a.storage);
    expect(t.isContiguous()).toBe(false);
    const c = t.contiguous();
    expect(c.isContiguous()).toBe(true);
    expect(c.storage).not.toBe(a.storage);
    expect(Array.from(c.toArray().slice(0, 6))).toEqual([0, 12, 4, 16, 8, 20]);
  });

  it('reshape of a non-contiguous view copies', () => {
    const t = x().transpose();
    const r = t.reshape([24]);
    expect(r.storage).not.toBe(t.storage);
    expect(Array.from(r.toArray().slice(0, 4))).toEqual([0, 4, 8, 1]);
  });

  it('slice views a range with negative indices, and permute reorders axes', () => {
    const a = x();
    expect(a.slice(1, 1).toList()).toEqual([
      [[4, 5, 6, 7], [8, 9, 10, 11]],
      [[16, 17, 18, 19], [20, 21, 22, 23]],
    ]);
    expect(a.slice(-1, -2, -1).reshape([6]).toList()).toEqual([2, 6, 10, 14, 18, 22]);
    expect(a.slice(0, 1, 1).size).toBe(0);
    expect(a.permute([2, 0, 1]).shape).toEqual([4, 2, 3]);
  });

  it('broadcastTo repeats with stride 0', () => {
    const b = tensor([[1], [2]]).broadcastTo([3, 2, 4]);
    expect(b.strides).toEqual([0, 1, 0]);
    expect(b.toList()).toEqual(Array(3).fill([[1, 1, 1, 1], [2, 2, 2, 2]]));
  });

  it('item, toList of a scalar, and describe', () => {
    const s = tensor(7.5, { dtype: 'float64' });
    expect(s.shape).toEqual([]);
    expect(s.item()).toBe(7.5);
    expect(s.toList()).toBe(7.5);
    expect(String(zeros([2, 3]))).toBe('Tensor(float32 [2, 3] on js)');
  });

  it('reads asynchronously what it reads synchronously: toArrayAsync, toListAsync, itemAsync', async () => {
    const t = x().transpose(0, 2);
    expect(await t.toArrayAsync()).toEqual(t.toArray());
    expect(await t.toListAsync()).toEqual(t.toList());
    expect(await t.slice(0, 1, 2).slice(1, 2, 3).slice(2, 1, 2).itemAsync()).toBe(t.slice(0, 1, 2).slice(1, 2, 3).slice(2, 1, 2).item());
    expect(await tensor(7).toListAsync()).toBe(7);
    await expect(t.itemAsync()).rejects.toThrow(new ShapeError('itemAsync: tensor [4, 3, 2] has 24 elements, not 1'));
  });

  it('clone converts dtype and to() moves between backends', () => {
    const a = tensor([1.7, -2.2, 3.9]);
    expect(Array.from(a.clone('int32').toArray())).toEqual([1, -2, 3]);
    expect(a.to('js').toArray()).toEqual(a.toArray());
  });

  it('errors name the op, the shapes and the bounds', () => {
    const a = x();
    expect(() => a.reshape([5, 5])).toThrow(new ShapeError('reshape: cannot view [2, 3, 4] (24 elements) as [5, 5]'));
    expect(() => a.reshape([-1, -1])).toThrow(ShapeError);
    expect(() => a.slice(1, 0, 4)).toThrow(new IndexError('slice: [0, 4) is outside axis 1 of size 3 in [2, 3, 4]'));
    expect(() => a.transpose(0, 3)).toThrow(new IndexError('transpose: axis 3 is outside [-3, 3) for a rank-3 tensor'));
    expect(() => a.permute([0, 0, 1])).toThrow(/permute: \[0, 0, 1\] is not a permutation/);
    expect(() => a.broadcastTo([2, 5, 4])).toThrow(new ShapeError('broadcastTo: [2, 3, 4] does not broadcast to [2, 5, 4]'));
    expect(() => a.broadcastTo([3, 4])).toThrow(/has more dimensions/);
    expect(() => a.item()).toThrow(new ShapeError('item: tensor [2, 3, 4] has 24 elements, not 1'));
    expect(() => zeros([2, 1.5])).toThrow(new ShapeError('empty: dimension 1 of [2, 1.5] must be a non-negative integer, found 1.5'));
  });
});

describe('Tensor memory', () => {
  it('frees storage when the last view is disposed', () => {
    const js = findBackend('js');
    const before = js.memory().liveStorages;
    const a = zeros([4, 4]);
    const v = a.transpose();
    expect(js.memory().liveStorages).toBe(before + 1);
    a.dispose();
    a.dispose();
    expect(js.memory().liveStorages).toBe(before + 1);
    expect(v.toArray()).toHaveLength(16);
    v.dispose();
    expect(js.memory().liveStorages).toBe(before);
    expect(a.disposed).toBe(true);
  });

  it('freeStorage frees at once with views alive; disposing those views later frees nothing twice', async () => {
    const wasm = await createWasmBackend({ threads: 1 });
    for (const backend of [findBackend('js'), wasm]) {
      const before = backend.memory().liveStorages;
      const owner = zeros([4, 4], { backend });
      const views = [owner.transpose(), owner.reshape([16]), owner.slice(0, 1, 3)];
      owner.freeStorage();
      expect(backend.memory().liveStorages).toBe(before);
      expect(owner.disposed).toBe(true);
      for (const v of views) v.dispose();
      owner.freeStorage();
      expect(backend.memory().liveStorages).toBe(before);
      // The freed memory is reused by the next allocation, which the late disposals must not have freed again.
      const next = zeros([4, 4], { backend });
      expect(backend.memory().liveStorages).toBe(before + 1);
      next.dispose();
      expect(backend.memory().liveStorages).toBe(before);
    }
    wasm.dispose();
  });

  it('js: an array longer than the engine makes is a BackendMemoryError naming the size, and nothing is counted', () => {
    const js = findBackend('js');
    const before = js.memory();
    expect(js.maxBytes).toBeUndefined();
    expect(() => Tensor.empty([2 ** 33], 'float64', js)).toThrow(BackendMemoryError);
    expect(() => Tensor.empty([2 ** 33], 'float64', js)).toThrow(/^js: cannot allocate 8589934592 elements of float64 \(68719476736 bytes\): /);
    expect(js.memory()).toEqual(before);
  });

  it('refuses to allocate a dtype the backend cannot store', () => {
    const storageless = { ...findBackend('js'), name: 'tiny', dtypes: ['float32'] as const };
    expect(() => Tensor.empty([2], 'float64', storageless)).toThrow(
      new BackendError("empty: backend 'tiny' cannot store float64; it stores float32"),
    );
  });
});
