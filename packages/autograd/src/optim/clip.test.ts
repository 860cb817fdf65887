import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { type Var, gradOf, param } from '../var';
import { clipGradNorm } from './clip';

const gradValues = (v: Var): number[] => Array.from(v.grad!.toArray());

describeOnBackends('clipGradNorm', (backendOf) => {
  /** A parameter whose gradient holds `grad` (the value itself does not matter). */
  const withGrad = (grad: readonly number[], dtype: T.FloatDType = 'float64'): Var => {
    const v = param(T.zeros([grad.length], { dtype, backend: backendOf() }));
    const g = gradOf(v);
    g.backend.write(g.storage, g.offset, dtype === 'float32' ? Float32Array.from(grad) : Float64Array.from(grad));
    return v;
  };

  it('returns the global norm and scales every grad by maxNorm / (norm + 1e-6) above maxNorm', () => {
    const a = withGrad([3, 4]);
    const b = withGrad([12]);
    expect(clipGradNorm([a, b], 6.5)).toBe(13); // sqrt(9 + 16 + 144)
    const scale = 6.5 / (13 + 1e-6);
    expect(gradValues(a)).toEqual([3 * scale, 4 * scale]);
    expect(gradValues(b)).toEqual([12 * scale]);
    expect(clipGradNorm([a, b], 6.5)).toBeCloseTo(6.5, 6);
  });

  it('leaves grads alone at or below maxNorm', () => {
    const a = withGrad([3, 4]);
    expect(clipGradNorm({ a }, 5)).toBe(5);
    expect(clipGradNorm({ a }, 10)).toBe(5);
    expect(clipGradNorm({ a }, Number.POSITIVE_INFINITY)).toBe(5);
    expect(gradValues(a)).toEqual([3, 4]);
  });

  it('accumulates float32 grads across parameters and scales them in float32', () => {
    const a = withGrad([1, 2, 2], 'float32');
    const b = withGrad([4], 'float32');
    expect(clipGradNorm([{ params: [a] }, { params: { b } }], 1)).toBe(5);
    const scale = 1 / (5 + 1e-6);
    expect(gradValues(b)).toEqual([Math.fround(4 * scale)]);
  });

  it('returns a non-finite norm without scaling anything', () => {
    const a = withGrad([1, Number.NaN]);
    const b = withGrad([3]);
    expect(clipGradNorm([a, b], 1)).toBeNaN();
    expect(gradValues(b)).toEqual([3]);
    const big = withGrad([1e200, 1e200]);
    expect(clipGradNorm([big, b], 1)).toBe(Number.POSITIVE_INFINITY);
    expect(gradValues(big)).toEqual([1e200, 1e200]);
  });

  it('ignores null grads and counts a Var listed twice once', () => {
    const none = param(T.zeros([3], { backend: backendOf() }));
    const a = withGrad([3, 4]);
    expect(clipGradNorm([none], 1)).toBe(0);
    expect(clipGradNorm([], 1)).toBe(0);
    expect(clipGradNorm([none, a, a], 10)).toBe(5);
  });

  it('allocates nothing after its first call', () => {
    const a = withGrad([3, 4]);
    const b = withGrad([12, 1, 2], 'float32');
    clipGradNorm([a, b], 1);
    const before = backendOf().memory().totalAllocations;
    for (let k = 0; k < 3; k++) clipGradNorm([a, b], 1);
    expect(backendOf().memory().totalAllocations).toBe(before);
  });
});

describe('clipGradNorm arguments', () => {
  it('rejects a negative or NaN maxNorm', () => {
    expect(() => clipGradNorm([], -1)).toThrow(/^clipGradNorm: maxNorm must be ≥ 0, found -1$/);
    expect(() => clipGradNorm([], Number.NaN)).toThrow(RangeError);
  });
});
