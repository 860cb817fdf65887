import * as T from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import { add, mul } from './elementwise';
import { embedding } from './embedding';
import { sum } from './reduce';

describeOnBackends('embedding', (backendOf) => {
  const rand = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64', backend: backendOf() });
  const ids = (values: number[][]): T.Tensor => T.tensor(values, { dtype: 'int32', backend: backendOf() });

  it('forward equals the tensor op', () => {
    const weight = rand([6, 4], 1);
    const index = ids([[0, 5, 2], [2, 2, 1]]);
    const out = embedding(param(weight), index);
    expect(out.shape).toEqual([2, 3, 4]);
    expect(out.value.toArray()).toEqual(T.embedding(weight, index).toArray());
    releaseGraph(out);
  });

  it('gradients with repeated ids (a row picked three times gets all three) and unused rows', () => {
    const index = ids([[0, 5, 2], [2, 2, 1]]);
    const weights = rand([2, 3, 4], 2);
    const result = gradCheck((w) => sum(mul(embedding(w, index), constant(weights))), [rand([6, 4], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('gradients with 1-D and scalar ids', () => {
    const flat = T.tensor([3, 0, 3], { dtype: 'int32', backend: backendOf() });
    const one = T.tensor(4, { dtype: 'int32', backend: backendOf() });
    const result = gradCheck(
      (w) => add(sum(mul(embedding(w, flat), constant(rand([3, 4], 2)))), sum(mul(embedding(w, one), constant(rand([4], 3))))),
      [rand([6, 4], 1)],
    );
    expect(result.ok, result.message).toBe(true);
  });

  it('a table used twice accumulates both contributions', () => {
    const a = ids([[1, 2]]);
    const b = ids([[2, 3]]);
    const result = gradCheck(
      (w) => sum(mul(add(embedding(w, a), mul(embedding(w, b), embedding(w, a))), constant(rand([1, 2, 4], 2)))),
      [rand([6, 4], 1)],
    );
    expect(result.ok, result.message).toBe(true);
  });

  it('rejects bad ids and a table that is not 2-D', () => {
    const weight = param(rand([6, 4], 1));
    expect(() => embedding(weight, ids([[0, 6]]))).toThrow(T.IndexError);
    expect(() => embedding(weight, T.tensor([0.5], { dtype: 'float64', backend: backendOf() }))).toThrow(T.DTypeError);
    expect(() => embedding(param(rand([6, 4, 1], 1)), ids([[0]]))).toThrow(T.ShapeError);
  });
});
