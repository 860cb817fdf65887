import * as T from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends, traceMemory } from '../test-backends';
import { gradCheck } from '../grad-check';
import { drainPool } from '../pool';
import { type Var, constant, param, releaseGraph } from '../var';
import { mul } from './elementwise';
import { reshape, transpose } from './layout';
import { sum } from './reduce';
import { logSoftmax, softmax } from './softmax';

describeOnBackends('softmax and logSoftmax', (backendOf) => {
  const randn = (shape: number[], seed: number, std = 1): T.Tensor => T.randn(shape, { seed, std, dtype: 'float64', backend: backendOf() });
  // Reduces an output to a scalar with fixed random weights of its shape, so every output element matters.
  const loss = (out: Var): Var => sum(mul(out, constant(randn([...out.shape], 99))));

  for (const [name, op, expected] of [
    ['softmax', softmax, T.softmax],
    ['logSoftmax', logSoftmax, T.logSoftmax],
  ] as const) {
    it(`${name}: forward equals the tensor op and saves nothing but its output`, () => {
      const x = randn([2, 3, 5], 1);
      const out = op(param(x));
      expect(out.shape).toEqual([2, 3, 5]);
      expect(out.value.toArray()).toEqual(expected(x).toArray());
      expect(out.saved).toEqual([]);
      releaseGraph(out);
    });

    for (const shape of [[2, 3, 5], [7], [4, 1], [2, 2, 2, 3]]) {
      it(`${name}: gradients for ${T.formatShape(shape)}`, () => {
        const result = gradCheck((x) => loss(op(x)), [randn(shape, 2)]);
        expect(result.ok, result.message).toBe(true);
      });
    }

    it(`${name}: gradients for spread-out logits (std 10)`, () => {
      const result = gradCheck((x) => loss(op(x)), [randn([3, 6], 3, 10)]);
      expect(result.ok, result.message).toBe(true);
    });

    it(`${name}: gradients through a transposed (strided) input`, () => {
      const result = gradCheck((x) => loss(op(transpose(x))), [randn([2, 5, 3], 4)]);
      expect(result.ok, result.message).toBe(true);
    });

    it(`${name}: a Var used twice accumulates both contributions`, () => {
      const result = gradCheck((x) => loss(mul(op(x), x)), [randn([3, 4], 5)]);
      expect(result.ok, result.message).toBe(true);
    });

    it(`${name}: rejects a scalar and a non-float input`, () => {
      expect(() => op(param(randn([], 6)))).toThrow(T.ShapeError);
      expect(() => op(constant(T.tensor([1, 2], { dtype: 'int32', backend: backendOf() })))).toThrow(T.DTypeError);
    });
  }

  it('composes: gradient of softmax over logSoftmax', () => {
    const result = gradCheck((x) => loss(softmax(logSoftmax(x))), [randn([2, 4], 7)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('a step of sum(softmax(reshape(x)) · w) run 50 times allocates nothing after the first', () => {
    const backend = backendOf();
    drainPool(backend);
    const x = param(T.randn([2, 12], { seed: 8, dtype: 'float32', backend }));
    const w = constant(T.randn([2, 3, 4], { seed: 9, dtype: 'float32', backend }));
    const { live, allocations, record } = traceMemory(backend);
    for (let i = 0; i < 50; i++) {
      const out = sum(mul(softmax(reshape(x, [2, 3, 4])), w));
      out.backward();
      x.zeroGrad();
      releaseGraph(out);
      record();
    }
    expect(new Set(live).size).toBe(1);
    expect(allocations[49]).toBe(allocations[0]);
    x.value.dispose();
    x.grad?.dispose();
    w.value.dispose();
    drainPool(backend);
  });
});
