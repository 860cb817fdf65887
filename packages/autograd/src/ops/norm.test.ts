import * as T from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import type { Var } from '../var';
import { add, mul } from './elementwise';
import { layernorm, rmsnorm } from './norm';
import { sum } from './reduce';

describeOnBackends('norms', (backendOf) => {
  const rand = (shape: number[], seed: number): T.Tensor => T.randn(shape, { seed, dtype: 'float64', backend: backendOf() });
  // Reduces a (2, 3, 5) output to a scalar with fixed random weights, so every output element matters.
  const loss = (out: Var): Var => sum(mul(out, constant(rand([2, 3, 5], 99))));

  it('rmsnorm forward equals the tensor op, with and without weight', () => {
    const x = rand([2, 3, 5], 1);
    const w = rand([5], 2);
    for (const weight of [null, w]) {
      const out = rmsnorm(param(x), weight && param(weight), { eps: 1e-3 });
      const expected = T.rmsnorm(x, weight, { eps: 1e-3 });
      expect(out.value.toArray()).toEqual(expected.out.toArray());
      releaseGraph(out);
    }
  });

  it('layernorm forward equals the tensor op, with every weight and bias combination', () => {
    const x = rand([2, 3, 5], 1);
    for (const [weight, bias] of [
      [null, null],
      [rand([5], 2), null],
      [null, rand([5], 3)],
      [rand([5], 2), rand([5], 3)],
    ] as const) {
      const out = layernorm(param(x), weight && param(weight), bias && param(bias), { eps: 1e-3 });
      const expected = T.layernorm(x, weight, bias, { eps: 1e-3 });
      expect(out.value.toArray()).toEqual(expected.out.toArray());
      releaseGraph(out);
    }
  });

  it('rmsnorm gradients without weight', () => {
    const result = gradCheck((x) => loss(rmsnorm(x, null)), [rand([2, 3, 5], 1)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('rmsnorm gradients with weight and a custom eps', () => {
    const result = gradCheck((x, w) => loss(rmsnorm(x, w, { eps: 0.1 })), [rand([2, 3, 5], 1), rand([5], 2)]);
    expect(result.ok, result.message).toBe(true);
  });

  it('rmsnorm gradient of x with a constant weight, and of the weight with a constant x', () => {
    const x = rand([2, 3, 5], 1);
    const w = rand([5], 2);
    const ofX = gradCheck((xv) => loss(rmsnorm(xv, constant(w))), [x]);
    expect(ofX.ok, ofX.message).toBe(true);
    const ofW = gradCheck((wv) => loss(rmsnorm(constant(x), wv)), [w]);
    expect(ofW.ok, ofW.message).toBe(true);
  });

  it('layernorm gradients for every weight and bias combination', () => {
    const x = rand([2, 3, 5], 1);
    const w = rand([5], 2);
    const b = rand([5], 3);
    const forms: [string, (...v: Var[]) => Var, T.Tensor[]][] = [
      ['plain', (xv) => loss(layernorm(xv, null, null)), [x]],
      ['weight', (xv, wv) => loss(layernorm(xv, wv, null)), [x, w]],
      ['bias', (xv, bv) => loss(layernorm(xv, null, bv)), [x, b]],
      ['weight and bias, eps 0.1', (xv, wv, bv) => loss(layernorm(xv, wv, bv, { eps: 0.1 })), [x, w, b]],
    ];
    for (const [name, fn, inputs] of forms) {
      const result = gradCheck(fn, inputs);
      expect(result.ok, `${name}: ${result.message}`).toBe(true);
    }
  });

  it('layernorm gradients with constant weight and bias, or a constant x', () => {
    const x = rand([2, 3, 5], 1);
    const w = rand([5], 2);
    const b = rand([5], 3);
    const ofX = gradCheck((xv) => loss(layernorm(xv, constant(w), constant(b))), [x]);
    expect(ofX.ok, ofX.message).toBe(true);
    const ofParams = gradCheck((wv, bv) => loss(layernorm(constant(x), wv, bv)), [w, b]);
    expect(ofParams.ok, ofParams.message).toBe(true);
  });

  it('a Var used twice accumulates both contributions', () => {
    const x = rand([2, 3, 5], 1);
    const w = rand([5], 2);
    const b = rand([5], 3);
    const rms = gradCheck((xv, wv) => loss(add(rmsnorm(xv, wv), mul(rmsnorm(xv, wv), xv))), [x, w]);
    expect(rms.ok, rms.message).toBe(true);
    const ln = gradCheck((xv, wv, bv) => loss(add(layernorm(xv, wv, bv), layernorm(xv, wv, bv))), [x, w, b]);
    expect(ln.ok, ln.message).toBe(true);
  });

  it('rejects a weight of the wrong shape without leaking pooled buffers', () => {
    const x = param(rand([2, 3, 5], 1));
    const w = param(rand([4], 2));
    const attempt = (): void => {
      expect(() => rmsnorm(x, w)).toThrow(T.ShapeError);
      expect(() => layernorm(x, w, null)).toThrow(T.ShapeError);
    };
    attempt();
    // The first attempt filled the pool; a second finds its buffers there when the first gave them back.
    const live = backendOf().memory().liveStorages;
    attempt();
    expect(backendOf().memory().liveStorages).toBe(live);
  });
});
