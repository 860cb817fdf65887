import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { type Var, param } from '../var';
import { paramVars, resolveParams } from './params';

const v = (): Var => param(T.tensor([1, 2]));

describe('resolveParams', () => {
  it('names array entries by position and record entries by key, across groups', () => {
    const [a, b, c, d] = [v(), v(), v(), v()];
    const resolved = resolveParams('test', [{ params: [a, b], weightDecay: 0.1 }, { params: { bias: c } }, { params: [d], weightDecay: 0 }], 0.5);
    expect(resolved.params.map((p) => [p.name, p.group])).toEqual([['0', 0], ['1', 0], ['bias', 1], ['3', 2]]);
    expect(resolved.params.map((p) => p.v)).toEqual([a, b, c, d]);
    expect(resolved.weightDecay).toEqual([0.1, 0.5, 0]);
  });

  it('takes a plain Var[] or record as one group', () => {
    const [a, b] = [v(), v()];
    expect(resolveParams('test', [a, b], 0).params.map((p) => p.name)).toEqual(['0', '1']);
    expect(resolveParams('test', { a, b }, 0.2)).toMatchObject({ params: [{ name: 'a' }, { name: 'b' }], weightDecay: [0.2] });
    expect(resolveParams('test', [], 0)).toEqual({ params: [], weightDecay: [0] });
  });

  it('rejects duplicates, name clashes, mixtures and bad weight decays', () => {
    const a = v();
    expect(() => resolveParams('adamw', [{ params: [a] }, { params: { x: a } }], 0)).toThrow(/^adamw: parameter "x" appears twice; each Var may be in one group only$/);
    expect(() => resolveParams('adamw', [{ params: { 1: v() } }, { params: [v(), v()] }], 0)).toThrow(/^adamw: two parameters are named "1"; names must be unique$/);
    expect(() => resolveParams('sgd', [a, { params: [v()] }] as never, 0)).toThrow(TypeError);
    expect(() => resolveParams('sgd', [{ params: [a], weightDecay: -1 }], 0)).toThrow(/^sgd: weightDecay of group 0 must be finite and ≥ 0, found -1$/);
  });

  it('rejects non-float and non-contiguous parameters', () => {
    expect(() => resolveParams('sgd', [param(T.tensor([1, 2], { dtype: 'int32' }))], 0)).toThrow(T.DTypeError);
    const transposed = param(T.zeros([2, 3]).transpose());
    expect(() => resolveParams('sgd', { t: transposed }, 0)).toThrow(/^sgd: parameter "t" \[3, 2\] is not contiguous/);
  });
});

describe('paramVars', () => {
  it('lists distinct Vars of lists, records and groups in order', () => {
    const [a, b, c] = [v(), v(), v()];
    expect(paramVars([a, b, a])).toEqual([a, b]);
    expect(paramVars({ c, a })).toEqual([c, a]);
    expect(paramVars([{ params: [a] }, { params: { b, c } }])).toEqual([a, b, c]);
  });
});
