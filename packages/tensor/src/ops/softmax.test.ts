import { describe, expect, it } from 'vitest';
import { randn, tensor, zeros } from '../create';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from './softmax';

const GRAD_TOLERANCE = { atol: 1e-8, rtol: 1e-7 };

/** Plain float64 softmax of each row of length c, without the max shift (inputs are small). */
function naiveSoftmax(x: ArrayLike<number>, c: number, log: boolean): Float64Array {
  const out = new Float64Array(x.length);
  for (let row = 0; row < x.length / c; row++) {
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(x[row * c + j]!);
    for (let j = 0; j < c; j++) {
      const p = Math.exp(x[row * c + j]!) / sum;
      out[row * c + j] = log ? Math.log(p) : p;
    }
  }
  return out;
}

describe('softmax and logSoftmax', () => {
  it('match hand-computed values', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    assertClose(softmax(x), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], FLOAT64_TOLERANCE);
    // log Σ exp([1, 2, 3]) = 3.40760596444438
    assertClose(logSoftmax(x), [-2.40760596444438, -1.40760596444438, -0.40760596444438], FLOAT64_TOLERANCE);
  });

  it('match a naive float64 softmax on random rank-3 input over the last axis', () => {
    const x = randn([4, 3, 7], { seed: 1, dtype: 'float64' });
    const data = x.toArray();
    const y = softmax(x);
    expect(y.shape).toEqual([4, 3, 7]);
    assertClose(y, naiveSoftmax(data, 7, false), FLOAT64_TOLERANCE);
    assertClose(logSoftmax(x), naiveSoftmax(data, 7, true), FLOAT64_TOLERANCE);
  });

  it('give float32 results close to float64', () => {
    const x64 = randn([5, 9], { seed: 2, dtype: 'float64', std: 3 });
    const x32 = x64.clone('float32');
    const p32 = softmax(x32);
    expect(p32.dtype).toBe('float32');
    assertClose(p32, softmax(x64), FLOAT32_TOLERANCE);
    assertClose(logSoftmax(x32), logSoftmax(x64), FLOAT32_TOLERANCE);
  });

  it('give exact finite results for inputs of ±1000', () => {
    const x = tensor([[1000, 1000], [-1000, -1000], [1000, -1000], [1000, 1001]], { dtype: 'float64' });
    const p = Array.from(softmax(x).toArray());
    expect(p.slice(0, 6)).toEqual([0.5, 0.5, 0.5, 0.5, 1, 0]);
    // Shifting a row by its max is exact, so [1000, 1001] gives bit for bit what [0, 1] gives.
    expect(p.slice(6)).toEqual(Array.from(softmax(tensor([0, 1], { dtype: 'float64' })).toArray()));
    const lp = Array.from(logSoftmax(x).toArray());
    expect(lp.slice(4, 6)).toEqual([0, -2000]);
    expect(lp.every(Number.isFinite)).toBe(true);
    assertClose(lp.slice(0, 2), [-Math.LN2, -Math.LN2], FLOAT64_TOLERANCE);
  });

  it('give NaN for a row that is all -Infinity or holds +Infinity, leaving other rows alone', () => {
    const x = tensor([[-Infinity, -Infinity], [Infinity, 0], [0, -Infinity]], { dtype: 'float64' });
    expect(Array.from(softmax(x).toArray())).toEqual([NaN, NaN, NaN, NaN, 1, 0]);
    expect(Array.from(logSoftmax(x).toArray())).toEqual([NaN, NaN, NaN, NaN, 0, -Infinity]);
  });

  it('handle a size-1 last axis, odd sizes, rank 1 and empty tensors', () => {
    expect(Array.from(softmax(tensor([[3], [-7]])).toArray())).toEqual([1, 1]);
    expect(Array.from(logSoftmax(tensor([[3], [-7]])).toArray())).toEqual([0, 0]);
    const x = randn([13], { seed: 3, dtype: 'float64' });
    assertClose(softmax(x), naiveSoftmax(x.toArray(), 13, false), FLOAT64_TOLERANCE);
    expect(softmax(zeros([0, 5])).shape).toEqual([0, 5]);
    expect(softmax(zeros([3, 0])).shape).toEqual([3, 0]);
  });

  it('read non-contiguous input and write into a given out', () => {
    const base = randn([6, 4], { seed: 4, dtype: 'float64' });
    const view = base.transpose();
    const out = zeros([4, 6], { dtype: 'float64' });
    expect(softmax(view, out)).toBe(out);
    assertClose(out, softmax(view.contiguous()), { atol: 0, rtol: 0 });
  });

  it('reject bad arguments with messages naming the op, shapes and dtypes', () => {
    expect(() => softmax(tensor([1, 2], { dtype: 'int32' }))).toThrow(/^softmax: x must be float32 or float64, found int32$/);
    expect(() => logSoftmax(tensor(1))).toThrow(/^logSoftmax: x must have at least 1 dimension, found \[\]$/);
    expect(() => softmax(zeros([2, 3]), zeros([3, 2]))).toThrow(/^softmax: out is \[3, 2\], expected \[2, 3\]$/);
    expect(() => softmax(zeros([2, 3]), zeros([2, 3], { dtype: 'float64' }))).toThrow(/^softmax: out must be float32, found float64$/);
    expect(() => softmaxBackward(zeros([2, 3]), zeros([3]))).toThrow(/^softmaxBackward: dy is \[3\], expected \[2, 3\]$/);
    expect(() => logSoftmaxBackward(zeros([2, 3]), zeros([2, 3], { dtype: 'float64' }))).toThrow(
      /^logSoftmaxBackward: dy must be float32, found float64$/,
    );
  });
});

describe('softmaxBackward and logSoftmaxBackward', () => {
  for (const log of [false, true]) {
    const forward = log ? logSoftmax : softmax;
    const backward = log ? logSoftmaxBackward : softmaxBackward;
    const name = log ? 'logSoftmaxBackward' : 'softmaxBackward';

    it(`${name} matches finite differences`, () => {
      const x = randn([3, 5], { seed: 5, dtype: 'float64' });
      const w = randn([3, 5], { seed: 6, dtype: 'float64' });
      const expected = numericGradient(() => weightedSum(forward(x), w), x);
      assertClose(backward(forward(x), w), expected, GRAD_TOLERANCE);
    });

    it(`${name} adds into dx (twice doubles) and is close in float32`, () => {
      const x = randn([2, 2, 7], { seed: 7, dtype: 'float64' });
      const dy = randn([2, 2, 7], { seed: 8, dtype: 'float64' });
      const once = backward(forward(x), dy).toArray();
      const dx = zeros([2, 2, 7], { dtype: 'float64' });
      backward(forward(x), dy, dx);
      expect(backward(forward(x), dy, dx)).toBe(dx);
      assertClose(dx, once.map((g) => 2 * g), FLOAT64_TOLERANCE);
      const as32 = (t: Tensor): Tensor => t.clone('float32');
      assertClose(backward(forward(as32(x)), as32(dy)), once, FLOAT32_TOLERANCE);
    });
  }
});
