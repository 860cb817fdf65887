import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { describeOnBackends, traceMemory } from '../test-backends';
import { gradCheck } from '../grad-check';
import { drainPool } from '../pool';
import { type Var, constant, param, releaseGraph } from '../var';
import { add, mul } from './elementwise';
import { concat, reshape, slice, split, transpose } from './layout';
import { matmul } from './matmul';
import { sum } from './reduce';
import { logSoftmax } from './softmax';
import { addScalar, gelu, scale, tanh } from './unary';

describeOnBackends('layout ops', (backendOf) => {
  const randn = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64', backend: backendOf() });
  // Reduces an output to a scalar with fixed random weights of its shape, so every output element matters.
  const loss = (out: Var): Var => sum(mul(out, constant(randn([...out.shape], 99))));
  const expectGrad = (fn: (...xs: Var[]) => Var, inputs: T.Tensor[]): void => {
    const result = gradCheck(fn, inputs);
    expect(result.ok, result.message).toBe(true);
  };

  describe('reshape', () => {
    it('of a contiguous Var is a view with the same values, inferring -1', () => {
      const x = randn([2, 3, 4], 1);
      const out = reshape(param(x), [6, -1]);
      expect(out.isView).toBe(true);
      expect(out.value.storage).toBe(x.storage);
      expect(out.shape).toEqual([6, 4]);
      expect(out.value.toArray()).toEqual(x.toArray());
      releaseGraph(out);
      expect(x.disposed).toBe(false);
    });

    it('of a transposed Var is a pooled copy, not a view, with the values of the tensor reshape', () => {
      const x = randn([2, 3, 4], 2);
      const out = reshape(transpose(param(x)), [2, 12]);
      expect(out.isView).toBe(false);
      expect(out.value.isContiguous()).toBe(true);
      const t = x.transpose();
      expect(out.value.toArray()).toEqual(t.reshape([2, 12]).toArray());
      releaseGraph(out);
    });

    it('gradients, contiguous and transposed, with -1', () => {
      expectGrad((x) => loss(reshape(x, [4, -1])), [randn([2, 3, 4], 3)]);
      expectGrad((x) => loss(reshape(transpose(x, 0, 2), [-1, 6])), [randn([2, 3, 4], 4)]);
      expectGrad((x) => loss(reshape(x, [])), [randn([1, 1], 5)]);
    });

    it('rejects a shape of another size or with two -1', () => {
      const x = param(randn([2, 3], 6));
      expect(() => reshape(x, [4, 2])).toThrow(T.ShapeError);
      expect(() => reshape(x, [-1, -1])).toThrow(T.ShapeError);
      expect(() => reshape(transpose(x), [4, -1])).toThrow(T.ShapeError);
    });
  });

  describe('transpose', () => {
    it('is a view with the tensor transpose’s values', () => {
      const x = randn([2, 3, 4], 7);
      const out = transpose(param(x), 0, 2);
      expect(out.isView).toBe(true);
      expect(out.shape).toEqual([4, 3, 2]);
      expect(out.value.toArray()).toEqual(x.transpose(0, 2).toArray());
      releaseGraph(out);
    });

    it('gradients for the default, explicit and negative dims', () => {
      expectGrad((x) => loss(transpose(x)), [randn([2, 3, 4], 8)]);
      expectGrad((x) => loss(transpose(x, 0, 2)), [randn([2, 3, 4], 9)]);
      expectGrad((x) => loss(transpose(x, -3, 1)), [randn([2, 3, 4], 10)]);
    });

    it('gradients of transpose then matmul, and of a Var used with and without transpose', () => {
      expectGrad((a, b) => loss(matmul(transpose(a), b)), [randn([4, 3], 11), randn([4, 5], 12)]);
      expectGrad((a, b) => loss(matmul(transpose(a, 1, 2), transpose(b, 1, 2))), [randn([2, 4, 3], 13), randn([2, 5, 4], 14)]);
      expectGrad((a) => loss(matmul(a, transpose(a))), [randn([3, 4], 15)]);
    });
  });

  describe('slice', () => {
    it('is a view with the tensor slice’s values', () => {
      const x = randn([2, 5, 3], 16);
      const out = slice(param(x), 1, 1, 4);
      expect(out.isView).toBe(true);
      expect(out.shape).toEqual([2, 3, 3]);
      expect(out.value.toArray()).toEqual(x.slice(1, 1, 4).toArray());
      releaseGraph(out);
    });

    it('gradients along the first, a middle and the last axis, with negative and default bounds', () => {
      expectGrad((x) => loss(slice(x, 0, 1, 2)), [randn([2, 5, 3], 17)]);
      expectGrad((x) => loss(slice(x, 1, 1, 4)), [randn([2, 5, 3], 18)]);
      expectGrad((x) => loss(slice(x, -1, -2)), [randn([2, 5, 3], 19)]);
      expectGrad((x) => loss(slice(transpose(x), 0, 1)), [randn([2, 5, 3], 20)]);
    });

    it('an empty slice has a zero gradient; overlapping slices of one Var accumulate', () => {
      expectGrad((x) => add(sum(slice(x, 1, 2, 2)), sum(x)), [randn([2, 5], 21)]);
      expectGrad((x) => loss(add(slice(x, 1, 0, 3), slice(x, 1, 2, 5))), [randn([2, 5], 22)]);
    });

    it('rejects a range outside the dimension', () => {
      expect(() => slice(param(randn([2, 3], 23)), 1, 2, 5)).toThrow(T.IndexError);
    });
  });

  describe('concat', () => {
    it('of three along each axis, one of size 0, equals the tensor concat', () => {
      const xs = [randn([2, 3], 24), randn([2, 0], 25), randn([2, 4], 26)];
      const out = concat(xs.map(param), 1);
      expect(out.isView).toBe(false);
      expect(out.shape).toEqual([2, 7]);
      expect(out.value.toArray()).toEqual(T.concat(xs, 1).toArray());
      releaseGraph(out);
    });

    it('gradients of three along axes 0, 1 and -1, with one of size 0', () => {
      expectGrad((a, b, c) => loss(concat([a, b, c], 0)), [randn([2, 3, 2], 27), randn([0, 3, 2], 28), randn([3, 3, 2], 29)]);
      expectGrad((a, b, c) => loss(concat([a, b, c], 1)), [randn([2, 1, 2], 30), randn([2, 3, 2], 31), randn([2, 0, 2], 32)]);
      expectGrad((a, b, c) => loss(concat([a, b, c], -1)), [randn([2, 3, 0], 33), randn([2, 3, 2], 34), randn([2, 3, 1], 35)]);
    });

    it('gradients of a transposed input, a constant input and one Var used twice', () => {
      expectGrad((a, b) => loss(concat([transpose(a), b, a], 0)), [randn([3, 3], 36), randn([1, 3], 37)]);
      const fixed = randn([2, 2], 38);
      expectGrad((a) => loss(concat([constant(fixed), a], 1)), [randn([2, 3], 39)]);
    });

    it('rejects an empty list, mismatched shapes and mixed dtypes', () => {
      expect(() => concat([], 0)).toThrow(T.ShapeError);
      expect(() => concat([param(randn([2, 3], 40)), param(randn([3, 3], 41))], 1)).toThrow(T.ShapeError);
      const f32 = constant(T.zeros([2, 3], { dtype: 'float32', backend: backendOf() }));
      expect(() => concat([param(randn([2, 3], 42)), f32], 0)).toThrow(T.ShapeError);
    });
  });

  describe('split', () => {
    it('gives views that concat back to the input', () => {
      const x = randn([2, 7], 43);
      const pieces = split(param(x), [3, 0, 4], -1);
      expect(pieces.map((p) => p.shape)).toEqual([[2, 3], [2, 0], [2, 4]]);
      expect(pieces.every((p) => p.isView)).toBe(true);
      const back = concat(pieces, 1);
      expect(back.value.toArray()).toEqual(x.toArray());
      releaseGraph(back);
    });

    it('gradients of pieces used differently, and of split then concat back', () => {
      expectGrad((x) => {
        const [a, b, c] = split(x, [1, 2, 2], 1) as [Var, Var, Var];
        return add(add(loss(tanh(a)), loss(b)), loss(scale(c, 3)));
      }, [randn([3, 5], 44)]);
      expectGrad((x) => loss(concat(split(x, [2, 0, 1], 0), 0)), [randn([3, 4], 45)]);
    });

    it('rejects sizes that do not add up', () => {
      expect(() => split(param(randn([2, 5], 46)), [2, 2], 1)).toThrow(T.ShapeError);
      expect(() => split(param(randn([2, 5], 47)), [6, -1], 1)).toThrow(T.ShapeError);
    });
  });

  it('a step using every op here, run 50 times, leaves live storages and allocations unchanged after the first', () => {
    const backend = backendOf();
    drainPool(backend);
    const x = param(T.randn([2, 3, 4], { seed: 48, dtype: 'float32', backend }));
    const y = param(T.randn([2, 4, 3], { seed: 49, dtype: 'float32', backend }));
    const step = (): Var => {
      const xt = transpose(x); // (2, 4, 3), strided
      const joined = concat([xt, gelu(transpose(x)), y], -1); // (2, 4, 9); gelu reads a strided input
      const flat = reshape(transpose(joined), [2, -1]); // (2, 36), the copy path
      const [a, b, c] = split(flat, [10, 10, 16], 1) as [Var, Var, Var];
      const mixed = add(scale(tanh(a), 0.5), addScalar(slice(reshape(x, [2, 12]), 1, 2, 12), 1)); // (2, 10)
      return add(sum(mul(logSoftmax(mixed), b)), sum(tanh(c)));
    };
    const { live, allocations, record } = traceMemory(backend);
    for (let i = 0; i < 50; i++) {
      const out = step();
      out.backward();
      x.zeroGrad();
      y.zeroGrad();
      releaseGraph(out);
      record();
    }
    expect(new Set(live).size).toBe(1);
    expect(allocations[49]).toBe(allocations[0]);
    for (const t of [x.value, x.grad, y.value, y.grad]) t?.dispose();
    drainPool(backend);
  });
});
