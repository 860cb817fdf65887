import * as T from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import type { Var } from '../var';
import { add, mul } from './elementwise';
import { attention } from './attention';
import { sum } from './reduce';

describeOnBackends('attention', (backendOf) => {
  const rand = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64', backend: backendOf() });
  // Reduces a (B, H, Tq, D) output to a scalar with fixed random weights, so every output element matters.
  const loss = (out: Var): Var => sum(mul(out, constant(rand([...out.shape], 99))));

  it('forward equals the tensor op', () => {
    const [q, k, v] = [rand([2, 2, 4, 3], 1), rand([2, 2, 4, 3], 2), rand([2, 2, 4, 3], 3)];
    const out = attention(param(q), param(k), param(v));
    expect(out.value.toArray()).toEqual(T.attention(q, k, v).out.toArray());
    releaseGraph(out);
  });

  it('gradients with Tq = Tk (training)', () => {
    const inputs = [rand([2, 2, 4, 3], 1), rand([2, 2, 4, 3], 2), rand([2, 2, 4, 3], 3)];
    const result = gradCheck((q, k, v) => loss(attention(q, k, v)), inputs);
    expect(result.ok, result.message).toBe(true);
  });

  it('gradients with Tk > Tq: default offset (the last queries) and offset 1 with unseen keys', () => {
    const inputs = [rand([1, 2, 2, 3], 1), rand([1, 2, 5, 3], 2), rand([1, 2, 5, 3], 3)];
    for (const options of [{}, { offset: 1 }, { offset: 0, scale: 0.7 }]) {
      const result = gradCheck((q, k, v) => loss(attention(q, k, v, options)), inputs);
      expect(result.ok, `${JSON.stringify(options)}: ${result.message}`).toBe(true);
    }
  });

  it('gradients with a custom scale', () => {
    const inputs = [rand([1, 1, 3, 4], 1), rand([1, 1, 3, 4], 2), rand([1, 1, 3, 4], 3)];
    const result = gradCheck((q, k, v) => loss(attention(q, k, v, { scale: 1.3 })), inputs);
    expect(result.ok, result.message).toBe(true);
  });

  it('gradient of q alone, with constant k and v that are transposed (non-contiguous) views', () => {
    const k = constant(rand([1, 3, 2, 4], 2).transpose(1, 2));
    const v = constant(rand([1, 3, 2, 4], 3).transpose(1, 2));
    expect(k.value.isContiguous()).toBe(false);
    const result = gradCheck((q) => loss(attention(q, k, v)), [rand([1, 2, 3, 4], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('gradients of k and v alone, with a constant q', () => {
    const q = constant(rand([1, 2, 3, 4], 1));
    const result = gradCheck((k, v) => loss(attention(q, k, v)), [rand([1, 2, 3, 4], 2), rand([1, 2, 3, 4], 3)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('one Var as q, k and v, and an output used twice, accumulate every contribution', () => {
    const self = gradCheck((x) => loss(attention(x, x, x)), [rand([1, 2, 3, 4], 1)]);
    expect(self.ok, self.message).toBe(true);
    const twice = gradCheck((q, k, v) => {
      const out = attention(q, k, v);
      return loss(add(out, mul(out, q)));
    }, [rand([1, 2, 3, 4], 1), rand([1, 2, 3, 4], 2), rand([1, 2, 3, 4], 3)]);
    expect(twice.ok, twice.message).toBe(true);
  });

  it('rejects shapes and offsets that do not fit, without leaking pooled buffers', () => {
    const q = param(rand([1, 2, 3, 4], 1));
    const k = param(rand([1, 2, 4, 4], 2));
    const flat = param(rand([2, 3, 4], 2));
    const attempt = (): void => {
      expect(() => attention(q, k, k, { offset: 2 })).toThrow(T.ShapeError);
      expect(() => attention(q, flat, k)).toThrow(T.ShapeError);
    };
    attempt();
    const live = backendOf().memory().liveStorages;
    attempt();
    expect(backendOf().memory().liveStorages).toBe(live);
  });
});
