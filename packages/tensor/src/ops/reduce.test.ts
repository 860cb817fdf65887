import { describe, expect, it } from 'vitest';
import type { ReduceOp } from '../backend';
import type { FloatDType } from '../dtype';
import { randn, tensor, zeros } from '../create';
import { PythonRandom } from '../random/index';
import { getBackend } from '../registry';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { add } from './elementwise';
import { max, mean, reduceToShape, sum } from './reduce';

const DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const REDUCERS = { sum, mean, max } as const;

/** Float64 reduction of flat row-major data of `shape` over `axis`, by explicit index arithmetic. */
function naiveReduce(op: ReduceOp, data: ArrayLike<number>, shape: number[], axis: number): Float64Array {
  const outer = shape.slice(0, axis).reduce((p, d) => p * d, 1);
  const n = shape[axis]!;
  const inner = shape.slice(axis + 1).reduce((p, d) => p * d, 1);
  const out = new Float64Array(outer * inner);
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const items: number[] = [];
      for (let k = 0; k < n; k++) items.push(data[(o * n + k) * inner + j]!);
      const total = items.reduce((p, v) => p + v, 0);
      out[o * inner + j] = op === 'sum' ? total : op === 'mean' ? total / n : Math.max(...items);
    }
  }
  return out;
}

function normals(seed: number, n: number): Float64Array {
  const rng = new PythonRandom(seed);
  return Float64Array.from({ length: n }, () => Math.fround(rng.gauss(0, 1)));
}

describe('sum, mean, max', () => {
  const x = (): Tensor => tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float64' });

  it('reduces literal values along each axis and over everything', () => {
    expect(sum(x(), 0).toList()).toEqual([5, 7, 9]);
    expect(sum(x(), 1).toList()).toEqual([6, 15]);
    expect(sum(x(), -1).toList()).toEqual([6, 15]);
    expect(mean(x(), 0).toList()).toEqual([2.5, 3.5, 4.5]);
    expect(mean(x(), -2).toList()).toEqual([2.5, 3.5, 4.5]);
    expect(max(x(), 1).toList()).toEqual([3, 6]);
    expect(max(tensor([[-3, -1], [-2, -5]]), 0).toList()).toEqual([-2, -1]);
    const total = sum(x());
    expect(total.shape).toEqual([]);
    expect(total.item()).toBe(21);
    expect(mean(x(), null).item()).toBe(3.5);
    expect(max(x()).item()).toBe(6);
  });

  it('keeps reduced dimensions with keepdims', () => {
    expect(sum(x(), 1, { keepdims: true }).toList()).toEqual([[6], [15]]);
    expect(max(x(), 0, { keepdims: true }).shape).toEqual([1, 3]);
    const all = mean(x(), null, { keepdims: true });
    expect(all.shape).toEqual([1, 1]);
    expect(all.toList()).toEqual([[3.5]]);
  });

  for (const op of ['sum', 'mean', 'max'] as const) {
    it(`${op} matches the float64 reference on every axis, both dtypes`, () => {
      const shapes = [[5], [2, 3, 4], [1, 7, 1], [3, 17, 5], [4, 1, 33]];
      for (const [s, shape] of shapes.entries()) {
        const data = normals(s + 1, shape.reduce((p, d) => p * d, 1));
        for (const dtype of DTYPES) {
          const t = tensor(data, { dtype, shape });
          const tol = dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE;
          for (let axis = 0; axis < shape.length; axis++) {
            const out = REDUCERS[op](t, axis);
            expect(out.shape).toEqual(shape.filter((_, i) => i !== axis));
            assertClose(out, naiveReduce(op, data, shape, axis), tol, `${dtype} [${shape.join()}] axis ${axis}`);
          }
          assertClose(REDUCERS[op](t), naiveReduce(op, data, [data.length], 0), tol, `${dtype} [${shape.join()}] all`);
        }
      }
    });
  }

  it('reads non-contiguous inputs', () => {
    const t = randn([4, 6], { seed: 3, dtype: 'float64' }).transpose();
    const copy = t.clone();
    for (const op of ['sum', 'mean', 'max'] as const) {
      for (const axis of [0, 1, null]) assertClose(REDUCERS[op](t, axis), REDUCERS[op](copy, axis), FLOAT64_TOLERANCE);
    }
  });

  it('accumulates float32 input in float64', () => {
    const t = tensor([1e8, 1, -1e8, 1], { dtype: 'float32' });
    expect(sum(t).item()).toBe(2);
    expect(mean(t).item()).toBe(0.5);
  });

  it('keeps large values finite and lets NaN win in max', () => {
    const logits = tensor([[1000, -1000, 999], [-1000, -1000, -1000]]);
    expect(max(logits, 1).toList()).toEqual([1000, -1000]);
    expect(sum(logits, 0).toList()).toEqual([0, -2000, -1]);
    expect(mean(logits, 1).toList()).toEqual([333, -1000]);
    expect(max(tensor([1, NaN, 3]), 0).item()).toBeNaN();
    expect(max(tensor([NaN, 1, 3]), 0).item()).toBeNaN();
  });

  it('handles empty axes as NumPy does: sum 0, mean NaN, max an error', () => {
    const empty = zeros([2, 0], { dtype: 'float64' });
    expect(sum(empty, 1).toList()).toEqual([0, 0]);
    expect(mean(empty, 1).toList()).toEqual([NaN, NaN]);
    expect(sum(empty).item()).toBe(0);
    expect(mean(empty).item()).toBeNaN();
    expect(sum(empty, 0).shape).toEqual([0]);
    expect(max(empty, 0).shape).toEqual([0]);
    expect(() => max(empty, 1)).toThrow(/^max: axis 1 of x \[2, 0\] is empty; the max of nothing is undefined$/);
    expect(() => max(empty, -1)).toThrow(/^max: axis -1 of x \[2, 0\] is empty/);
    expect(() => max(empty)).toThrow(/^max: x is \[2, 0\] with no elements; the max of nothing is undefined$/);
  });

  it('reduces scalars and writes into out', () => {
    const scalar = tensor(4, { dtype: 'float64' });
    expect(sum(scalar).item()).toBe(4);
    expect(max(scalar, null, { keepdims: true }).shape).toEqual([]);
    const out = tensor([9, 9, 9], { dtype: 'float64' });
    expect(sum(x(), 0, { out })).toBe(out);
    expect(out.toList()).toEqual([5, 7, 9]);
  });

  it('gives float32 results close to float64 on a long axis', () => {
    const t = randn([3, 1000], { seed: 4, dtype: 'float64' });
    for (const op of ['sum', 'mean', 'max'] as const) {
      assertClose(REDUCERS[op](t.clone('float32'), 1), REDUCERS[op](t, 1), { atol: 1e-4, rtol: 1e-4 }, op);
    }
  });

  it('has gradients that broadcasting dout recovers (sum: dout, mean: dout / n)', () => {
    const t = randn([3, 4, 5], { seed: 5, dtype: 'float64' });
    const w = randn([3, 5], { seed: 6, dtype: 'float64' });
    const spread = add(zeros([3, 4, 5], { dtype: 'float64' }), w.reshape([3, 1, 5]));
    assertClose(spread, numericGradient(() => weightedSum(sum(t, 1), w), t), { atol: 1e-7, rtol: 1e-6 }, 'sum');
    const quarter = add(zeros([3, 4, 5], { dtype: 'float64' }), w.reshape([3, 1, 5])).toArray().map((v) => v / 4);
    assertClose(quarter, numericGradient(() => weightedSum(mean(t, 1), w), t), { atol: 1e-7, rtol: 1e-6 }, 'mean');
  });

  describe('errors', () => {
    it('names the op, the axis and the rank', () => {
      expect(() => sum(zeros([2, 3]), 2)).toThrow(/^sum: axis 2 is outside \[-2, 2\) for a rank-2 tensor$/);
      expect(() => mean(zeros([]), 0)).toThrow(/^mean: axis 0 is outside \[0, 0\) for a rank-0 tensor$/);
    });
    it('rejects integer tensors and a bad out', () => {
      expect(() => sum(tensor(new Int32Array([1, 2])))).toThrow(/^sum: x must be float32 or float64, found int32$/);
      expect(() => sum(zeros([2, 3]), 0, { out: zeros([2]) })).toThrow(/^sum: out is \[2\], expected \[3\]$/);
      expect(() => max(zeros([2, 3]), 0, { out: zeros([3], { dtype: 'float64' }) })).toThrow(/^max: out must be float32, found float64$/);
    });
  });
});

describe('reduceToShape', () => {
  const grad = (): Tensor => tensor(Float64Array.from({ length: 24 }, (_, i) => i), { shape: [2, 3, 4] });

  it('sums leading axes and axes where the target has 1', () => {
    expect(reduceToShape(grad(), [4]).toList()).toEqual([60, 66, 72, 78]);
    expect(reduceToShape(grad(), [3, 1]).toList()).toEqual([[60], [92], [124]]);
    expect(reduceToShape(grad(), [2, 1, 4]).toList()).toEqual([[[12, 15, 18, 21]], [[48, 51, 54, 57]]]);
    expect(reduceToShape(grad(), [1, 1, 1]).toList()).toEqual([[[276]]]);
    expect(reduceToShape(grad(), [1, 4]).toList()).toEqual([[60, 66, 72, 78]]);
    const scalar = reduceToShape(grad(), []);
    expect(scalar.shape).toEqual([]);
    expect(scalar.item()).toBe(276);
  });

  it('matches the naive sum for random shapes in float32 and float64', () => {
    const data = normals(7, 3 * 17 * 5);
    for (const dtype of DTYPES) {
      const g = tensor(data, { dtype, shape: [3, 17, 5] });
      const expected = naiveReduce('sum', naiveReduce('sum', data, [3, 17, 5], 0), [17, 5], 1);
      assertClose(reduceToShape(g, [17, 1]), expected, dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE, dtype);
    }
  });

  it('returns a new tensor (a copy) when nothing needs summing, and frees its temporaries', () => {
    const g = grad();
    const same = reduceToShape(g, [2, 3, 4]);
    expect(same).not.toBe(g);
    expect(same.storage).not.toBe(g.storage);
    expect(same.toList()).toEqual(g.toList());
    const before = getBackend().memory().liveStorages;
    const reduced = reduceToShape(g.transpose(0, 2), [1, 3, 2]);
    expect(reduced.shape).toEqual([1, 3, 2]);
    expect(getBackend().memory().liveStorages).toBe(before + 1);
  });

  it('gives zeros for an empty gradient', () => {
    expect(reduceToShape(zeros([0, 3], { dtype: 'float64' }), [3]).toList()).toEqual([0, 0, 0]);
    expect(reduceToShape(zeros([2, 0], { dtype: 'float64' }), [2, 1]).toList()).toEqual([[0], [0]]);
  });

  it('rejects shapes that do not broadcast to the gradient', () => {
    expect(() => reduceToShape(grad(), [3])).toThrow(/^reduceToShape: \[3\] does not broadcast to the gradient's shape \[2, 3, 4\]$/);
    expect(() => reduceToShape(grad(), [5, 2, 3, 4])).toThrow(/^reduceToShape: \[5, 2, 3, 4\] does not broadcast/);
    expect(() => reduceToShape(tensor(new Int32Array(2)), [1])).toThrow(/^reduceToShape: grad must be float32 or float64, found int32$/);
  });
});
