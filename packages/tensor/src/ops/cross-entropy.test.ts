import { describe, expect, it } from 'vitest';
import { full, randn, tensor, zeros } from '../create';
import { IndexError } from '../errors';
import { PythonRandom } from '../random/index';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient } from '../testing/finite-difference';
import { crossEntropy, crossEntropyBackward } from './cross-entropy';

const f64 = { dtype: 'float64' } as const;
const i32 = { dtype: 'int32' } as const;
const GRAD_TOLERANCE = { atol: 1e-8, rtol: 1e-7 };

/** Targets in [0, v), with -1 (ignored) for every index in `ignored`. */
function randomTargets(n: number, v: number, seed: number, ignored: readonly number[] = []): number[] {
  const rng = new PythonRandom(seed);
  return Array.from({ length: n }, (_, i) => (ignored.includes(i) ? -1 : rng.randbelow(v)));
}

/** Per-row -log(softmax(x)[t]) the naive way, in float64 (0 for ignored rows). */
function naiveLosses(x: ArrayLike<number>, targets: readonly number[], v: number): number[] {
  return targets.map((t, row) => {
    if (t < 0) return 0;
    let sum = 0;
    for (let j = 0; j < v; j++) sum += Math.exp(x[row * v + j]!);
    return -Math.log(Math.exp(x[row * v + t]!) / sum);
  });
}

describe('crossEntropy', () => {
  it('matches hand-computed values', () => {
    // log(e + e² + e³) = 3.40760596444438
    const { loss, probs, losses } = crossEntropy(tensor([[1, 2, 3], [1, 2, 3]], f64), tensor([2, 0], i32));
    assertClose(losses, [0.40760596444438, 2.40760596444438], FLOAT64_TOLERANCE);
    expect(loss.shape).toEqual([]);
    assertClose(loss, [1.40760596444438], FLOAT64_TOLERANCE);
    assertClose(probs.slice(0, 0, 1), [0.09003057317038046, 0.24472847105479767, 0.6652409557748219], FLOAT64_TOLERANCE);
  });

  it('matches a naive log(softmax) in float64 over rank-3 logits with ignored rows, and float32 is close', () => {
    const logits = randn([4, 3, 11], { seed: 1, ...f64, std: 2 });
    const targetList = randomTargets(12, 11, 2, [1, 7]);
    const targets = tensor(targetList, { ...i32, shape: [4, 3] });
    const expected = naiveLosses(logits.toArray(), targetList, 11);
    const { loss, probs, losses } = crossEntropy(logits, targets);
    expect(probs.shape).toEqual([4, 3, 11]);
    expect(losses.shape).toEqual([4, 3]);
    assertClose(losses, expected, FLOAT64_TOLERANCE);
    assertClose(loss, [expected.reduce((a, b) => a + b, 0) / 10], FLOAT64_TOLERANCE);
    const f32 = crossEntropy(logits.clone('float32'), targets);
    assertClose(f32.losses, expected, FLOAT32_TOLERANCE);
    assertClose(f32.loss, loss.toArray(), FLOAT32_TOLERANCE);
  });

  it('stays finite and exact for logits of 1e4 magnitude', () => {
    const { loss, losses } = crossEntropy(tensor([[1e4, -1e4], [1e4, -1e4]], f64), tensor([0, 1], i32));
    expect(Array.from(losses.toArray())).toEqual([0, 2e4]);
    expect(loss.item()).toBe(1e4);
    const big = randn([6, 9], { seed: 3, ...f64, std: 1e4 });
    const targetList = randomTargets(6, 9, 4);
    const result = crossEntropy(big, tensor(targetList, i32));
    const data = big.toArray();
    const stable = targetList.map((t, row) => {
      const xs = Array.from(data.subarray(row * 9, row * 9 + 9));
      const max = Math.max(...xs);
      return max + Math.log(xs.reduce((a, x) => a + Math.exp(x - max), 0)) - xs[t]!;
    });
    assertClose(result.losses, stable, FLOAT64_TOLERANCE);
    expect(Array.from(result.probs.toArray()).every(Number.isFinite)).toBe(true);
    const f32 = crossEntropy(big.clone('float32'), tensor(targetList, i32));
    expect(Number.isFinite(f32.loss.item())).toBe(true);
    assertClose(f32.losses, stable, FLOAT32_TOLERANCE);
  });

  it('gives NaN when every row is ignored, with zero losses', () => {
    const { loss, losses } = crossEntropy(tensor([[1, 2], [3, 4]], f64), tensor([-1, -1], i32));
    expect(loss.item()).toBeNaN();
    expect(Array.from(losses.toArray())).toEqual([0, 0]);
    expect(crossEntropy(zeros([0, 5]), zeros([0], i32)).loss.item()).toBeNaN();
  });

  it('handles a single class and writes into given probs, losses and loss', () => {
    const one = crossEntropy(tensor([[7], [-3]]), tensor([0, 0], i32));
    expect(one.loss.item()).toBe(0);
    expect(Array.from(one.probs.toArray())).toEqual([1, 1]);
    const probs = zeros([2, 3], f64);
    const losses = zeros([2], f64);
    const loss = full([1], 9, f64);
    const result = crossEntropy(tensor([[1, 2, 3], [1, 2, 3]], f64), tensor([2, 0], i32), { probs, losses, loss });
    expect(result.probs).toBe(probs);
    expect(result.losses).toBe(losses);
    expect(result.loss).toBe(loss);
    assertClose(losses, [0.40760596444438, 2.40760596444438], FLOAT64_TOLERANCE);
    assertClose(loss, [1.40760596444438], FLOAT64_TOLERANCE);
  });

  it('throws IndexError naming index, value and bound before writing anything', () => {
    const probs = full([3, 5], 9);
    const logits = zeros([3, 5]);
    expect(() => crossEntropy(logits, tensor([0, 5, 1], i32), { probs })).toThrow(
      /^crossEntropy: targets\[1\] = 5 is outside \[-1, 5\) \(-1 = ignore\)$/,
    );
    expect(Array.from(probs.toArray()).every((p) => p === 9)).toBe(true);
    expect(() => crossEntropy(zeros([2, 2, 5]), tensor([[0, 1], [-2, 0]], i32))).toThrow(IndexError);
    expect(() => crossEntropy(zeros([2, 2, 5]), tensor([[0, 1], [-2, 0]], i32))).toThrow(/targets\[1, 0\] = -2 is outside \[-1, 5\)/);
    const dlogits = full([3, 5], 9);
    expect(() => crossEntropyBackward(logits, tensor([0, 1, 6], i32), { dlogits })).toThrow(
      /^crossEntropyBackward: targets\[2\] = 6 is outside \[-1, 5\)/,
    );
    expect(Array.from(dlogits.toArray()).every((p) => p === 9)).toBe(true);
  });

  it('rejects bad shapes and dtypes with messages naming the op', () => {
    expect(() => crossEntropy(zeros([2, 5]), tensor([0, 1, 2], i32))).toThrow(/^crossEntropy: targets is \[3\], expected \[2\]$/);
    expect(() => crossEntropy(zeros([2, 5]), tensor([0, 1]))).toThrow(/^crossEntropy: targets must be int32, found float32$/);
    expect(() => crossEntropy(zeros([2, 5], i32), tensor([0, 1], i32))).toThrow(/^crossEntropy: logits must be float32 or float64, found int32$/);
    expect(() => crossEntropy(zeros([2, 5]), tensor([0, 1], i32), { losses: zeros([2], f64) })).toThrow(
      /^crossEntropy: losses must be float32, found float64$/,
    );
    expect(() => crossEntropy(zeros([2, 5]), tensor([0, 1], i32), { loss: zeros([2]) })).toThrow(/^crossEntropy: loss is \[2\], expected \[1\]$/);
    expect(() => crossEntropy(zeros([2, 5]), tensor([0, 1], i32), { loss: zeros([], f64) })).toThrow(
      /^crossEntropy: loss must be float32, found float64$/,
    );
    expect(() => crossEntropyBackward(zeros([2, 5]), tensor([0, 1], i32), { dlogits: zeros([5, 2]) })).toThrow(
      /^crossEntropyBackward: dlogits is \[5, 2\], expected \[2, 5\]$/,
    );
  });
});

describe('crossEntropyBackward', () => {
  it('matches finite differences of the mean loss, with ignored rows and dloss', () => {
    const logits = randn([2, 3, 6], { seed: 5, ...f64 });
    const targets = tensor(randomTargets(6, 6, 6, [2]), { ...i32, shape: [2, 3] });
    const expected = numericGradient(() => 2.5 * crossEntropy(logits, targets).loss.item(), logits);
    const dlogits = crossEntropyBackward(crossEntropy(logits, targets).probs, targets, { dloss: 2.5 });
    assertClose(dlogits, expected, GRAD_TOLERANCE);
    expect(Array.from(dlogits.toArray().subarray(12, 18))).toEqual([0, 0, 0, 0, 0, 0]);
  });

  it('gives probs - onehot divided by the count', () => {
    const probs = tensor([[0.25, 0.75], [0.5, 0.5], [0.125, 0.875]], f64);
    const dlogits = crossEntropyBackward(probs, tensor([1, -1, 0], i32));
    expect(dlogits.toList()).toEqual([[0.125, -0.125], [0, 0], [-0.4375, 0.4375]]);
  });

  it('adds into dlogits (twice doubles), adds nothing when every row is ignored, and is close in float32', () => {
    const logits = randn([4, 7], { seed: 7, ...f64 });
    const targets = tensor(randomTargets(4, 7, 8), i32);
    const { probs } = crossEntropy(logits, targets);
    const once = crossEntropyBackward(probs, targets).toArray();
    const dlogits = zeros([4, 7], f64);
    crossEntropyBackward(probs, targets, { dlogits });
    expect(crossEntropyBackward(probs, targets, { dlogits })).toBe(dlogits);
    assertClose(dlogits, once.map((g) => 2 * g), FLOAT64_TOLERANCE);
    const untouched = full([4, 7], 3, f64);
    crossEntropyBackward(probs, tensor([-1, -1, -1, -1], i32), { dlogits: untouched });
    expect(Array.from(untouched.toArray()).every((g) => g === 3)).toBe(true);
    const probs32 = crossEntropy(logits.clone('float32'), targets).probs;
    assertClose(crossEntropyBackward(probs32, targets), once, FLOAT32_TOLERANCE);
  });
});
