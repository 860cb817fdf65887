import * as T from '@microgpt/tensor';
import { createStorageOnlyBackend } from '@microgpt/tensor/testing';
import { describe, expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import { add, mul } from './elementwise';
import { crossEntropy } from './cross-entropy';
import { sum } from './reduce';

describeOnBackends('crossEntropy', (backendOf) => {
  const rand = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64', backend: backendOf() });
  const targetsOf = (values: number[][]): T.Tensor => T.tensor(values, { dtype: 'int32', backend: backendOf() });

  it('forward is a scalar equal to the tensor op’s mean loss', () => {
    const logits = rand([2, 3, 5], 1);
    const targets = targetsOf([[0, 4, 2], [-1, 1, 1]]);
    const loss = crossEntropy(param(logits), targets);
    expect(loss.shape).toEqual([]);
    expect(loss.value.item()).toBe(T.crossEntropy(logits, targets).loss.item());
    releaseGraph(loss);
  });

  it('gradients of (B, T, V) logits', () => {
    const targets = targetsOf([[0, 4, 2], [3, 1, 1]]);
    const result = gradCheck((x) => crossEntropy(x, targets), [rand([2, 3, 5], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('gradients with ignored targets (-1): those rows get none and are not counted', () => {
    const targets = targetsOf([[0, -1, 2], [-1, 1, -1]]);
    const result = gradCheck((x) => crossEntropy(x, targets), [rand([2, 3, 5], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('gradients of 1-D logits against a scalar target, scaled by a downstream op', () => {
    const target = T.tensor(2, { dtype: 'int32', backend: backendOf() });
    const scale = T.tensor(-2.5, { dtype: 'float64', backend: backendOf() });
    const result = gradCheck((x) => mul(crossEntropy(x, target), constant(scale)), [rand([5], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('logits used twice accumulate both contributions', () => {
    const a = targetsOf([[0, 4, 2]]);
    const b = targetsOf([[1, -1, 2]]);
    const weights = rand([1, 3, 5], 2);
    const result = gradCheck((x) => add(crossEntropy(x, a), add(crossEntropy(x, b), sum(mul(x, constant(weights))))), [rand([1, 3, 5], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('every row ignored: the loss is NaN and the gradient zero', () => {
    const logits = param(rand([2, 5], 1));
    const loss = crossEntropy(logits, T.tensor([-1, -1], { dtype: 'int32', backend: backendOf() }));
    expect(loss.value.item()).toBeNaN();
    loss.backward();
    expect(Array.from(logits.grad!.toArray())).toEqual(new Array<number>(10).fill(0));
    releaseGraph(loss);
  });

  it('rejects a target outside [-1, V) and targets of the wrong shape', () => {
    const logits = param(rand([2, 5], 1));
    expect(() => crossEntropy(logits, T.tensor([0, 5], { dtype: 'int32', backend: backendOf() }))).toThrow(T.IndexError);
    expect(() => crossEntropy(logits, T.tensor([0, 1, 2], { dtype: 'int32', backend: backendOf() }))).toThrow(T.ShapeError);
  });
});

describe('crossEntropy on a backend that reads only asynchronously', () => {
  it.each([
    ['the loss itself (its gradient is the seed 1)', false],
    ['a scaled loss (its gradient stays on the device)', true],
  ])('runs forward and backward of %s without reading, giving the js backend’s loss and gradient bit for bit', async (_, scaled) => {
    const asyncOnly = T.withAsyncFallback(createStorageOnlyBackend('async-only', {}, { readSync: false }));
    const run = (backend: T.Backend): { loss: T.Tensor; grad: T.Tensor } => {
      const logits = param(T.randn([3, 4, 6], { seed: 3, backend }));
      const targets = T.tensor([[0, 5, -1, 2], [1, 1, 3, -1], [4, 0, 2, 5]], { dtype: 'int32', backend });
      const mean = crossEntropy(logits, targets);
      const loss = scaled ? mul(mean, constant(T.tensor(0.75, { backend }))) : mean;
      loss.backward();
      const result = { loss: loss.value.clone(), grad: logits.grad! };
      releaseGraph(loss);
      return result;
    };
    const js = run(T.findBackend('js'));
    const other = run(asyncOnly);
    expect(await other.loss.itemAsync()).toBe(js.loss.item());
    expect(await other.grad.toArrayAsync()).toEqual(js.grad.toArray());
  });
});
