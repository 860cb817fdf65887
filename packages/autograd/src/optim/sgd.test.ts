import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradAt, setGrad, valuesOf } from './test-grads';
import { type Var, param } from '../var';
import { sgd } from './sgd';



interface TorchSgd {
  lr: number;
  momentum: number;
  nesterov: boolean;
  weightDecay: number;
}

/** torch.optim.SGD (dampening 0) as a plain float64 loop: the momentum buffer starts as a copy of d. */
function torchSgd(p: number[], steps: number, o: TorchSgd): number[] {
  let buf: number[] = [];
  for (let k = 0; k < steps; k++) {
    const g = gradAt(k, p.length);
    const d = g.map((gi, i) => (o.weightDecay !== 0 ? gi + o.weightDecay * p[i]! : gi));
    let update = d;
    if (o.momentum !== 0) {
      const prev = buf;
      buf = k === 0 ? [...d] : prev.map((b, i) => o.momentum * b + d[i]!);
      const b = buf;
      update = o.nesterov ? d.map((di, i) => di + o.momentum * b[i]!) : b;
    }
    p = p.map((pi, i) => pi - o.lr * update[i]!);
  }
  return p;
}

describeOnBackends('sgd', (backendOf) => {
  const p64 = (values: number[]): Var => param(T.tensor(values, { dtype: 'float64', backend: backendOf() }));

  it('takes a hand-computed plain step: p -= lr · g', () => {
    const w = p64([1, -2]);
    setGrad(w, [0.5, 0.25]);
    sgd([w], { lr: 0.1 }).step();
    expect(valuesOf(w)).toEqual([1 - 0.1 * 0.5, -2 - 0.1 * 0.25]);
  });

  const cases: [string, TorchSgd][] = [
    ['plain', { lr: 0.05, momentum: 0, nesterov: false, weightDecay: 0 }],
    ['weight decay', { lr: 0.05, momentum: 0, nesterov: false, weightDecay: 0.1 }],
    ['momentum', { lr: 0.05, momentum: 0.9, nesterov: false, weightDecay: 0 }],
    ['Nesterov', { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 0 }],
    ['Nesterov with weight decay', { lr: 0.03, momentum: 0.8, nesterov: true, weightDecay: 0.01 }],
  ];
  for (const [name, o] of cases) {
    it(`matches PyTorch's loop over 6 steps: ${name}`, () => {
      const start = [0.5, -1.25, 2, 0.125];
      const w = p64(start);
      const opt = sgd([w], o);
      for (let k = 0; k < 6; k++) {
        setGrad(w, gradAt(k, start.length));
        opt.step();
      }
      expect(valuesOf(w)).toEqual(torchSgd(start, 6, o));
    });
  }

  it('skips parameters with a null grad and leaves grads unchanged by weight decay', async () => {
    const a = p64([1, 2]);
    const b = p64([3]);
    const opt = sgd({ a, b }, { lr: 0.5, momentum: 0.9, weightDecay: 0.1 });
    setGrad(a, [1, 1]);
    opt.step();
    expect(valuesOf(b)).toEqual([3]);
    expect(b.grad).toBeNull();
    expect(Array.from(a.grad!.toArray())).toEqual([1, 1]);
    expect(Object.keys((await opt.state()).params)).toEqual(['a']);
  });

  it('allocates nothing after the first step', () => {
    const w = p64([0.5, -1, 2]);
    const opt = sgd([w], { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.1 });
    setGrad(w, [1, 2, 3]);
    opt.step();
    const before = backendOf().memory().totalAllocations;
    for (let k = 0; k < 5; k++) opt.step();
    expect(backendOf().memory().totalAllocations).toBe(before);
    opt.dispose();
  });

  it('resumes from state() bit for bit', async () => {
    const start = [0.5, -1.25, 2, 0.125];
    const run = (w: Var, opt: ReturnType<typeof sgd>, from: number, to: number): void => {
      for (let k = from; k < to; k++) {
        opt.lr = 0.1 * (1 - k / 10);
        setGrad(w, gradAt(k, start.length));
        opt.step();
      }
    };
    const options = { lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 0.01 };
    const w = p64(start);
    const opt = sgd([w], options);
    run(w, opt, 0, 5);
    const saved = structuredClone(await opt.state());
    const middle = valuesOf(w);
    run(w, opt, 5, 10);
    const restored = p64(middle);
    const again = sgd([restored], { lr: 1 });
    again.loadState(saved);
    expect((await again.state()).hyper).toEqual({ momentum: 0.9, nesterov: true });
    run(restored, again, 5, 10);
    expect(new Uint8Array(restored.value.toArray().buffer)).toEqual(new Uint8Array(w.value.toArray().buffer));
  });
});

describe('sgd arguments', () => {
  const w = (): Var => param(T.tensor([1, 2]));

  it('rejects bad hyperparameters with RangeErrors', () => {
    expect(() => sgd([w()], { lr: -1 })).toThrow(/^sgd: lr must be finite and ≥ 0, found -1$/);
    expect(() => sgd([w()], { lr: 0.1, momentum: -0.5 })).toThrow(/^sgd: momentum must be finite and ≥ 0, found -0.5$/);
    expect(() => sgd([w()], { lr: 0.1, nesterov: true })).toThrow(/^sgd: nesterov needs momentum > 0$/);
    expect(() => sgd([w()], { lr: 0.1, weightDecay: Number.NaN })).toThrow(RangeError);
  });

  it('updates float32 parameters with float32 rounding', () => {
    const v = w();
    setGrad(v, [0.1, 0.2]);
    sgd([v], { lr: 0.3 }).step();
    const f = Math.fround;
    expect(valuesOf(v)).toEqual([f(1 - f(f(0.1) * 0.3)), f(2 - f(f(0.2) * 0.3))]);
  });
});
