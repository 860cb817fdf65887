import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { type Var, gradOf, param } from '../var';
import { type AdamState, adam, adamw } from './adam';
import { sgd } from './sgd';

async function stepped(): Promise<{ a: Var; b: Var; state: AdamState }> {
  const a = param(T.tensor([1, 2, 3], { dtype: 'float64' }));
  const b = param(T.tensor([[1, 2]]));
  T.fill(gradOf(a), 0.5);
  T.fill(gradOf(b), -0.25);
  const opt = adam({ a, b }, { lr: 0.1 });
  opt.step();
  return { a, b, state: await opt.state() };
}

describe('optimizer state', () => {
  it('is plain data: counts, hyperparameters and copies of each buffer by name', async () => {
    const { state } = await stepped();
    expect(state).toMatchObject({ kind: 'adam', step: 1, lr: 0.1, hyper: { beta1: 0.9, beta2: 0.999, eps: 1e-8 }, weightDecay: [0] });
    expect(state.params.a).toMatchObject({ step: 1, shape: [3], dtype: 'float64' });
    expect(state.params.b).toMatchObject({ step: 1, shape: [1, 2], dtype: 'float32' });
    expect(Array.from(state.params.a!.buffers.m!)).toEqual([0.5 * (1 - 0.9), 0.5 * (1 - 0.9), 0.5 * (1 - 0.9)]);
    expect(structuredClone(state)).toEqual(state);
  });

  it('is a copy that later steps do not change', async () => {
    const a = param(T.tensor([1]));
    T.fill(gradOf(a), 1);
    const opt = adam([a], { lr: 0.1 });
    opt.step();
    const state = await opt.state();
    const m = Array.from(state.params['0']!.buffers.m!);
    opt.step();
    expect(Array.from(state.params['0']!.buffers.m!)).toEqual(m);
  });

  it('loadState names the mismatch and changes nothing when it throws', async () => {
    const { state } = await stepped();
    const fresh = (): ReturnType<typeof adam> => adam({ a: param(T.zeros([3], { dtype: 'float64' })), b: param(T.zeros([1, 2])) }, { lr: 0.5 });
    const opt = fresh();
    const before = await opt.state();
    const cases: [AdamState, RegExp | (new (...args: never[]) => Error)][] = [
      [{ ...state, kind: 'adamw' } as never, /^adam\.loadState: state was saved by adamw, not adam$/],
      [{ ...state, params: { ...state.params, c: state.params.a! } }, /^adam\.loadState: state has parameter "c", which this optimizer does not have \(its names: a, b\)$/],
      [{ ...state, params: { ...state.params, a: { ...state.params.a!, shape: [4] } } }, /^adam\.loadState: parameter "a" is \[3\], the state has \[4\]$/],
      [{ ...state, params: { ...state.params, b: { ...state.params.b!, dtype: 'float64' } } }, /^adam\.loadState: parameter "b" is float32, the state has float64$/],
      [{ ...state, params: { ...state.params, b: { ...state.params.b!, buffers: { m: new Float32Array(2), v: new Float64Array(2) } } } }, /^adam\.loadState: parameter "b": buffer v must be a Float32Array, found object$/],
      [{ ...state, params: { ...state.params, b: { ...state.params.b!, buffers: { m: new Float32Array(3), v: new Float32Array(2) } } } }, /^adam\.loadState: parameter "b": buffer m has 3 elements, the parameter 2$/],
      [{ ...state, weightDecay: [0, 0] }, /^adam\.loadState: state has 2 parameter groups, this optimizer has 1$/],
      [{ ...state, hyper: { ...state.hyper, beta1: 1 } }, /^adam\.loadState: beta1 must be in \[0, 1\), found 1$/],
      [{ ...state, lr: -1 }, /^adam\.loadState: lr must be finite and ≥ 0, found -1$/],
      [{ ...state, step: 1.5 }, /^adam\.loadState: step must be an integer ≥ 0, found 1.5$/],
    ];
    for (const [bad, error] of cases) {
      expect(() => {
        opt.loadState(bad);
      }).toThrow(error);
    }
    expect(await opt.state()).toEqual(before);
    const sgdState = await sgd([param(T.zeros([1]))], { lr: 1 }).state();
    expect(() => {
      opt.loadState(sgdState as never);
    }).toThrow(/state was saved by sgd, not adam/);
  });

  it('restores counts, lr, hyperparameters and group weight decays; parameters absent start fresh', async () => {
    const x = param(T.tensor([1, 2]));
    const y = param(T.tensor([3]));
    const source = adamw([{ params: { x }, weightDecay: 0.2 }, { params: { y }, weightDecay: 0 }], { lr: 0.05, beta1: 0.8 });
    T.fill(gradOf(x), 1);
    source.step();
    const target = adamw([{ params: { x: param(T.tensor([1, 2])) } }, { params: { y: param(T.tensor([3])) } }], { lr: 1 });
    T.fill(gradOf(target.params[1]!), 1);
    target.step();
    target.loadState(await source.state());
    expect(await target.state()).toEqual(await source.state());
    expect(target.lr).toBe(0.05);
  });

  it('turns SGD momentum on through loadState', async () => {
    const w = param(T.tensor([1, 2]));
    T.fill(gradOf(w), 1);
    const source = sgd([w], { lr: 0.1, momentum: 0.9 });
    source.step();
    const target = sgd([param(T.tensor([1, 2]))], { lr: 0.1 });
    T.fill(gradOf(target.params[0]!), 1);
    target.step();
    expect((await target.state()).params['0']!.buffers).toEqual({});
    target.loadState(await source.state());
    expect(await target.state()).toEqual(await source.state());
  });
});
