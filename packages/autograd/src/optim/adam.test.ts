import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradAt, setGrad, valuesOf } from './test-grads';
import { type Var, param } from '../var';
import { adam, adamw } from './adam';
import type { Optimizer } from './optimizer';

const bitsOf = (v: Var): Uint8Array => new Uint8Array(v.value.toArray().buffer);

// Betas with exact binary powers, so the loop's beta ** t is exact and the comparison can be exact too.
const BETAS = { beta1: 0.875, beta2: 0.9375, eps: 1e-8 };

/** torch.optim.Adam / AdamW as a plain float64 loop, in the tensor kernel's order of operations. */
function torchAdam(p: number[], steps: number, lr: number, weightDecay: number, decoupled: boolean): number[] {
  const { beta1, beta2, eps } = BETAS;
  const m = p.map(() => 0);
  const v = p.map(() => 0);
  for (let t = 1; t <= steps; t++) {
    const g = gradAt(t - 1, p.length);
    for (let i = 0; i < p.length; i++) {
      const gi = decoupled ? g[i]! : g[i]! + weightDecay * p[i]!;
      if (decoupled) p[i] = p[i]! * (1 - lr * weightDecay);
      m[i] = beta1 * m[i]! + (1 - beta1) * gi;
      v[i] = beta2 * v[i]! + (1 - beta2) * (gi * gi);
      p[i] = p[i]! - (lr * (m[i]! / (1 - beta1 ** t))) / (Math.sqrt(v[i]! / (1 - beta2 ** t)) + eps);
    }
  }
  return p;
}

describeOnBackends('adam and adamw', (backendOf) => {
  const p64 = (values: number[]): Var => param(T.tensor(values, { dtype: 'float64', backend: backendOf() }));
  const p32 = (values: number[]): Var => param(T.tensor(values, { dtype: 'float32', backend: backendOf() }));

  it('takes two hand-computed steps (p = 1, g = 0.5, lr = 0.1, default betas)', async () => {
    const w = p64([1]);
    const opt = adam([w], { lr: 0.1 });
    setGrad(w, [0.5]);
    opt.step();
    const m1 = 0.9 * 0 + (1 - 0.9) * 0.5;
    const v1 = 0.999 * 0 + (1 - 0.999) * (0.5 * 0.5);
    const p1 = 1 - (0.1 * (m1 / (1 - 0.9))) / (Math.sqrt(v1 / (1 - 0.999)) + 1e-8);
    expect(valuesOf(w)).toEqual([p1]);
    expect(p1).toBeCloseTo(0.9, 7); // the first step moves by lr · sign(g)
    opt.step();
    const m2 = 0.9 * m1 + (1 - 0.9) * 0.5;
    const v2 = 0.999 * v1 + (1 - 0.999) * (0.5 * 0.5);
    const p2 = p1 - (0.1 * (m2 / (1 - 0.9 * 0.9))) / (Math.sqrt(v2 / (1 - 0.999 * 0.999)) + 1e-8);
    expect(valuesOf(w)).toEqual([p2]);
    const { m, v } = (await opt.state()).params['0']!.buffers;
    expect([m![0], v![0]]).toEqual([m2, v2]);
  });

  for (const [name, decoupled, wd] of [['adam', false, 0], ['adam with L2 decay', false, 0.1], ['adamw', true, 0.1]] as const) {
    it(`matches PyTorch's loop over 6 steps: ${name}`, () => {
      const start = [0.5, -1.25, 2, 0.125];
      const w = p64(start);
      const make = decoupled ? adamw : adam;
      const opt = make([w], { lr: 0.05, ...BETAS, weightDecay: wd });
      for (let k = 0; k < 6; k++) {
        setGrad(w, gradAt(k, start.length));
        opt.step();
      }
      expect(valuesOf(w)).toEqual(torchAdam([...start], 6, 0.05, wd, decoupled));
    });
  }

  it('leaves the gradient unchanged with L2 decay', () => {
    const w = p64([2, -3]);
    setGrad(w, [0.5, 0.25]);
    adam([w], { lr: 0.1, weightDecay: 0.5 }).step();
    expect(Array.from(w.grad!.toArray())).toEqual([0.5, 0.25]);
  });

  it('decays only the groups that ask for it (AdamW)', async () => {
    const start = [0.5, -1.25, 2];
    const decayed = p64(start);
    const norm = p64(start);
    const plain = p64(start);
    const opt = adamw([{ params: [decayed], weightDecay: 0.1 }, { params: { norm }, weightDecay: 0 }], { lr: 0.05, ...BETAS });
    const reference = adam([plain], { lr: 0.05, ...BETAS });
    for (let k = 0; k < 4; k++) {
      for (const v of [decayed, norm, plain]) setGrad(v, gradAt(k, start.length));
      opt.step();
      reference.step();
    }
    expect(valuesOf(decayed)).toEqual(torchAdam([...start], 4, 0.05, 0.1, true));
    expect(valuesOf(norm)).toEqual(valuesOf(plain));
    expect((await opt.state()).weightDecay).toEqual([0.1, 0]);
  });

  it('uses the default weight decay for groups without their own', async () => {
    const opt = adamw([{ params: [p64([1])] }, { params: [p64([1])], weightDecay: 0 }], { lr: 0.1 });
    expect((await opt.state()).weightDecay).toEqual([0.01, 0]);
    expect((await adam([p64([1])], { lr: 0.1 }).state()).weightDecay).toEqual([0]);
  });

  it('skips null grads; a parameter counts its own steps for bias correction', async () => {
    const early = p64([1]);
    const late = p64([1]);
    const opt = adam([early, late], { lr: 0.1 });
    setGrad(early, [0.5]);
    opt.step();
    opt.step();
    expect(valuesOf(late)).toEqual([1]);
    expect(Object.keys((await opt.state()).params)).toEqual(['0']);
    setGrad(late, [0.5]);
    opt.step();
    const fresh = p64([1]);
    setGrad(fresh, [0.5]);
    adam([fresh], { lr: 0.1 }).step();
    expect(valuesOf(late)).toEqual(valuesOf(fresh));
    const state = await opt.state();
    expect([state.step, state.params['0']!.step, state.params['1']!.step]).toEqual([3, 3, 1]);
  });

  it('allocates m and v at the first step only, on the parameter backend and dtype', async () => {
    const backend = backendOf();
    const a = p32([1, 2, 3]);
    const b = p64([4, 5]);
    setGrad(a, [0.1, 0.2, 0.3]);
    setGrad(b, [0.4, 0.5]);
    const opt = adam([a, b], { lr: 0.1, weightDecay: 0.1 });
    const start = backend.memory().totalAllocations;
    opt.step();
    expect(backend.memory().totalAllocations - start).toBeGreaterThanOrEqual(4);
    const warm = backend.memory().totalAllocations;
    for (let k = 0; k < 5; k++) opt.step();
    expect(backend.memory().totalAllocations).toBe(warm);
    const { params } = await opt.state();
    expect(params['0']!.buffers.m).toBeInstanceOf(Float32Array);
    expect(params['1']!.buffers.v).toBeInstanceOf(Float64Array);
    const live = backend.memory().liveStorages;
    opt.dispose();
    expect(backend.memory().liveStorages).toBe(live - 4);
  });

  it('resumes from state() bit for bit (groups, names, float32 and float64, a skipped parameter)', async () => {
    const initial = { w: [0.5, -1.25, 2, 0.125], b: [0.25, -0.5], n: [1, 1, 1] };
    const make = (values: typeof initial): Record<string, Var> => ({ w: p32(values.w), b: p64(values.b), n: p64(values.n) });
    const optimizerOf = (v: Record<string, Var>): Optimizer =>
      adamw([{ params: { w: v.w!, n: v.n! }, weightDecay: 0.1 }, { params: { b: v.b! }, weightDecay: 0 }], { lr: 1e-2, beta1: 0.85, beta2: 0.99 });
    const run = (v: Record<string, Var>, opt: Optimizer, from: number, to: number): void => {
      for (let k = from; k < to; k++) {
        opt.lr = 1e-2 * (1 - k / 10);
        setGrad(v.w!, gradAt(k, 4));
        setGrad(v.b!, gradAt(k + 7, 2));
        // n gets its first gradient at step 3, so its own step count lags the optimizer's.
        if (k >= 3) setGrad(v.n!, gradAt(k + 3, 3));
        opt.step();
      }
    };
    const first = make(initial);
    const opt = optimizerOf(first);
    run(first, opt, 0, 5);
    const saved = structuredClone(await opt.state());
    const middle = { w: valuesOf(first.w!), b: valuesOf(first.b!), n: valuesOf(first.n!) };
    run(first, opt, 5, 10);
    const second = make(middle);
    const again = optimizerOf(second);
    again.loadState(saved);
    expect(again.lr).toBe(saved.lr);
    run(second, again, 5, 10);
    for (const name of ['w', 'b', 'n']) expect(bitsOf(second[name]!)).toEqual(bitsOf(first[name]!));
    expect((await again.state()).step).toBe(10);
  });
});

describe('adam arguments', () => {
  const w = (): Var => param(T.tensor([1, 2]));

  it('rejects bad hyperparameters with RangeErrors', () => {
    expect(() => adam([w()], { lr: 0.1, beta1: 1 })).toThrow(/^adam: beta1 must be in \[0, 1\), found 1$/);
    expect(() => adamw([w()], { lr: 0.1, beta2: -0.1 })).toThrow(/^adamw: beta2 must be in \[0, 1\), found -0.1$/);
    expect(() => adam([w()], { lr: 0.1, eps: -1 })).toThrow(/^adam: eps must be finite and ≥ 0, found -1$/);
    expect(() => adamw([w()], { lr: Number.POSITIVE_INFINITY })).toThrow(/^adamw: lr must be finite and ≥ 0, found Infinity$/);
    expect(() => adamw([{ params: [w()], weightDecay: -0.1 }], { lr: 0.1 })).toThrow(/^adamw: weightDecay of group 0 must be finite and ≥ 0, found -0.1$/);
  });
});
