import * as T from '@microgpt/tensor';
import { createStorageOnlyBackend } from '@microgpt/tensor/testing';
import { describe, expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { type Var, gradOf, param } from '../var';
import { clipGradNorm, clipGradients, gradNorm } from './clip';

const gradValues = (v: Var): number[] => Array.from(v.grad!.toArray());

describeOnBackends('clipGradNorm', (backendOf) => {
  /** A parameter whose gradient holds `grad` (the value itself does not matter). */
  const withGrad = (grad: readonly number[], dtype: T.FloatDType = 'float64'): Var => {
    const v = param(T.zeros([grad.length], { dtype, backend: backendOf() }));
    const g = gradOf(v);
    g.backend.write(g.storage, g.offset, dtype === 'float32' ? Float32Array.from(grad) : Float64Array.from(grad));
    return v;
  };

  it('returns the global norm and scales every grad by maxNorm / (norm + 1e-6) above maxNorm', async () => {
    const a = withGrad([3, 4]);
    const b = withGrad([12]);
    expect(await clipGradNorm([a, b], 6.5)).toBe(13); // sqrt(9 + 16 + 144)
    const scale = 6.5 / (13 + 1e-6);
    expect(gradValues(a)).toEqual([3 * scale, 4 * scale]);
    expect(gradValues(b)).toEqual([12 * scale]);
    expect(await clipGradNorm([a, b], 6.5)).toBeCloseTo(6.5, 6);
  });

  it('leaves grads alone at or below maxNorm', async () => {
    const a = withGrad([3, 4]);
    expect(await clipGradNorm({ a }, 5)).toBe(5);
    expect(await clipGradNorm({ a }, 10)).toBe(5);
    expect(await clipGradNorm({ a }, Number.POSITIVE_INFINITY)).toBe(5);
    expect(gradValues(a)).toEqual([3, 4]);
  });

  it('accumulates float32 grads across parameters and scales them in float32', async () => {
    const a = withGrad([1, 2, 2], 'float32');
    const b = withGrad([4], 'float32');
    expect(await clipGradNorm([{ params: [a] }, { params: { b } }], 1)).toBe(5);
    const scale = 1 / (5 + 1e-6);
    expect(gradValues(b)).toEqual([Math.fround(4 * scale)]);
  });

  it('returns a non-finite norm without scaling anything', async () => {
    const a = withGrad([1, Number.NaN]);
    const b = withGrad([3]);
    expect(await clipGradNorm([a, b], 1)).toBeNaN();
    expect(gradValues(b)).toEqual([3]);
    const big = withGrad([1e200, 1e200]);
    expect(await clipGradNorm([big, b], 1)).toBe(Number.POSITIVE_INFINITY);
    expect(gradValues(big)).toEqual([1e200, 1e200]);
  });

  it('ignores null grads and counts a Var listed twice once', async () => {
    const none = param(T.zeros([3], { backend: backendOf() }));
    const a = withGrad([3, 4]);
    expect(await clipGradNorm([none], 1)).toBe(0);
    expect(await clipGradNorm([], 1)).toBe(0);
    expect(await clipGradNorm([none, a, a], 10)).toBe(5);
  });

  it('gradNorm reads the gradients as of its call, in float64 across dtypes; clipGradients scales by a given norm', async () => {
    const a = withGrad([3, 4]);
    const b = withGrad([12], 'float32');
    const pending = gradNorm([a, b]);
    T.fill(b.grad!, 0);
    expect(await pending).toBe(13);
    expect(clipGradients([a, b], 13, 20)).toBe(false);
    expect(clipGradients([a, b], Number.NaN, 1)).toBe(false);
    expect(gradValues(a)).toEqual([3, 4]);
    expect(clipGradients([a, b], 10, 5)).toBe(true);
    expect(gradValues(a)).toEqual([3 * (5 / (10 + 1e-6)), 4 * (5 / (10 + 1e-6))]);
  });

  it('allocates nothing after its first call', async () => {
    const a = withGrad([3, 4]);
    const b = withGrad([12, 1, 2], 'float32');
    await clipGradNorm([a, b], 1);
    const before = backendOf().memory().totalAllocations;
    for (let k = 0; k < 3; k++) await clipGradNorm([a, b], 1);
    expect(backendOf().memory().totalAllocations).toBe(before);
  });
});

describe('clipGradNorm on a backend that reads only asynchronously', () => {
  it('gives the js backend’s norm and clipped gradients bit for bit', async () => {
    const asyncOnly = T.withAsyncFallback(createStorageOnlyBackend('async-only', {}, { readSync: false }));
    const grads = [T.randn([7, 5], { seed: 1 }), T.randn([3], { seed: 2, dtype: 'float64' })];
    const on = (backend: T.Backend): Var[] =>
      grads.map((g) => {
        const v = param(T.zeros(g.shape, { dtype: g.dtype, backend }));
        const grad = gradOf(v);
        grad.backend.write(grad.storage, grad.offset, g.toArray());
        return v;
      });
    const [js, other] = [on(T.findBackend('js')), on(asyncOnly)];
    expect(await clipGradNorm(other, 0.5)).toBe(await clipGradNorm(js, 0.5));
    for (let i = 0; i < grads.length; i++) expect(await other[i]!.grad!.toArrayAsync()).toEqual(js[i]!.grad!.toArray());
  });
});

describe('clipGradNorm arguments', () => {
  it('rejects a negative or NaN maxNorm', async () => {
    await expect(clipGradNorm([], -1)).rejects.toThrow(/^clipGradNorm: maxNorm must be ≥ 0, found -1$/);
    await expect(clipGradNorm([], Number.NaN)).rejects.toThrow(RangeError);
    expect(() => clipGradients([], 1, -1)).toThrow(/^clipGradients: maxNorm must be ≥ 0, found -1$/);
  });
});
