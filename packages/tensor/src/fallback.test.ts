// The per-kernel fallback copies the elements the kernel's views touch, not their storages: counted through a
// storage-only backend's read and write counters on views into a large arena, and checked against the JS backend
// for aliased and in-place views.
import { describe, expect, it } from 'vitest';
import type { Backend } from './backend';
import { withAsyncFallback } from './compose';
import { randn, tensor } from './create';
import { touchedRange } from './fallback';
import { adamUpdate } from './ops/adam';
import { attention, attentionBackward } from './ops/attention';
import { add, binary } from './ops/elementwise';
import { fill } from './ops/layout';
import { matmul } from './ops/matmul';
import { unary } from './ops/unary';
import { findBackend } from './registry';
import { Tensor } from './tensor';
import { createStorageOnlyBackend } from './testing/storage-only-backend';

const ARENA = 1_000_000;

/** A (shape) view at `offset` of `arena`, contiguous. */
function at(arena: Tensor, offset: number, shape: number[]): Tensor {
  return Tensor.view(arena.storage, shape, undefined, offset);
}

describe('touchedRange', () => {
  it('spans offset to the last element through every stride, broadcast and empty views included', () => {
    const base = randn([4, 10], { seed: 1 });
    expect(touchedRange(base)).toEqual([0, 40]);
    expect(touchedRange(base.slice(0, 1, 3))).toEqual([10, 30]);
    expect(touchedRange(base.slice(1, 2, 3))).toEqual([2, 33]);
    expect(touchedRange(base.transpose())).toEqual([0, 40]);
    expect(touchedRange(base.slice(0, 2, 3).broadcastTo([5, 1, 10]))).toEqual([20, 30]);
    expect(touchedRange(base.slice(0, 3, 3))).toEqual([30, 30]);
    expect(touchedRange(Tensor.view(base.storage, [3, 2], [-10, 1], 25))).toEqual([5, 27]);
  });
});

describe('fallback copies', () => {
  it('copies only the views of an arena, not the arena, and writes back only the outputs', () => {
    const bare = createStorageOnlyBackend('counting');
    const arena = Tensor.empty([ARENA], 'float64', bare);
    const a = at(arena, 1000, [3, 4]);
    const b = at(arena, 500_000, [3, 4]);
    const out = at(arena, 900_000, [3, 4]);
    bare.write(arena.storage, 1000, Float64Array.from({ length: 12 }, (_, i) => i));
    bare.write(arena.storage, 500_000, Float64Array.from({ length: 12 }, (_, i) => 10 * i));
    bare.copied.read = bare.copied.written = 0;
    add(a, b, out);
    expect(bare.copied).toEqual({ read: 36, written: 12 });
    expect(Array.from(bare.readSync!(arena.storage, 900_000, 12))).toEqual(Array.from({ length: 12 }, (_, i) => 11 * i));

    // matmul writes into a second arena (an op may not write a product over the storage of its inputs).
    const outputs = Tensor.empty([ARENA], 'float64', bare);
    bare.copied.read = bare.copied.written = 0;
    matmul(at(arena, 10, [5, 7]), at(arena, 200, [7, 3]), { out: at(outputs, 300, [5, 3]) });
    expect(bare.copied).toEqual({ read: 35 + 21 + 15, written: 15 });

    // A column of a (4, 10) block: the span from its first to its last element, 31 elements, gaps included.
    bare.copied.read = bare.copied.written = 0;
    fill(at(arena, 2000, [4, 10]).slice(1, 2, 3), 7);
    expect(bare.copied).toEqual({ read: 31, written: 31 });
    expect(Array.from(bare.readSync!(arena.storage, 2000, 40)).filter((x) => x === 7)).toHaveLength(4);

    // In place: out is a, one copy of the 12 elements each way.
    bare.copied.read = bare.copied.written = 0;
    unary('exp', a, { out: a });
    expect(bare.copied).toEqual({ read: 12, written: 12 });
  });

  it('copies the same ranges when it reads asynchronously', async () => {
    const bare = createStorageOnlyBackend('counting-async', {}, { readSync: false });
    const ordered = withAsyncFallback(bare);
    const arena = Tensor.empty([ARENA], 'float32', ordered);
    const out = at(arena, 700_000, [2, 6]);
    ordered.write(arena.storage, 10, Float32Array.from({ length: 12 }, (_, i) => i));
    ordered.write(arena.storage, 400_000, Float32Array.from([1, 2, 3, 4, 5, 6]));
    bare.copied.read = bare.copied.written = 0;
    binary('mul', at(arena, 10, [2, 6]), at(arena, 400_000, [6]).broadcastTo([2, 6]), out);
    expect(Array.from(await out.toArrayAsync())).toEqual([0, 2, 6, 12, 20, 30, 6, 14, 24, 36, 50, 66]);
    // a, b and out copied in, out written back, then out read by toArrayAsync.
    expect(bare.copied).toEqual({ read: 12 + 6 + 12 + 12, written: 12 });
  });
});

/** Runs `run` on js and on a backend with no kernels, and expects identical results. */
function expectSameAsJs(run: (backend: Backend) => Tensor[]): void {
  const expected = run(findBackend('js')).map((t) => Array.from(t.toArray()));
  const actual = run(createStorageOnlyBackend('bare')).map((t) => Array.from(t.toArray()));
  expect(actual).toEqual(expected);
}

describe('fallback over aliased views', () => {
  it('keeps in-place and overlapping views aliased (one copy per overlapping span)', () => {
    for (const dtype of ['float32', 'float64'] as const) {
      expectSameAsJs((backend) => {
        const arena = randn([64], { seed: 3, dtype, backend });
        const a = at(arena, 0, [12]);
        binary('add', a, at(arena, 6, [12]), at(arena, 30, [12]));
        binary('mul', a, at(arena, 40, [12]), a);
        return [arena];
      });
    }
  });

  it('runs attention over q, k, v read from one fused (B, T, 3C) block, and adam over adjacent slices', () => {
    const [B, T, H, D] = [2, 5, 2, 3];
    const C = H * D;
    expectSameAsJs((backend) => {
      const qkv = randn([B, T, 3 * C], { seed: 4, dtype: 'float64', backend });
      const heads = (part: number): Tensor => Tensor.view(qkv.storage, [B, H, T, D], [T * 3 * C, D, 3 * C, 1], part * C);
      const [q, k, v] = [heads(0), heads(1), heads(2)];
      const { out, att } = attention(q, k, v);
      const dout = randn([B, H, T, D], { seed: 5, dtype: 'float64', backend });
      const grads = attentionBackward(q, k, v, att, dout);
      const state = randn([3 * 17], { seed: 6, dtype: 'float64', backend });
      const [param, m, v2] = [0, 17, 34].map((o) => at(state, o, [17])) as [Tensor, Tensor, Tensor];
      fill(m, 0);
      fill(v2, 0);
      adamUpdate(param, tensor(new Float64Array(17).fill(0.5), { backend }), m, v2, { lr: 0.1, beta1: 0.9, beta2: 0.99, eps: 1e-8, weightDecay: 0, step: 1 });
      return [out, att, grads.dq, grads.dk, grads.dv, state];
    });
  });
});
