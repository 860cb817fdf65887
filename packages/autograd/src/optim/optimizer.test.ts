import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { add, mul } from '../ops/elementwise';
import { sum } from '../ops/reduce';
import { type Var, constant, gradOf, param } from '../var';
import { adamw } from './adam';
import { sgd } from './sgd';

describe('optimizer object', () => {
  it('follows lr when it is set between steps', () => {
    const w = param(T.tensor([1], { dtype: 'float64' }));
    T.fill(gradOf(w), 1);
    const opt = sgd([w], { lr: 0.5 });
    opt.step();
    opt.lr = 0.25;
    opt.step();
    expect(w.value.item()).toBe(0.25);
  });

  it('refuses a bad lr at step() before changing anything', async () => {
    const w = param(T.tensor([1]));
    T.fill(gradOf(w), 1);
    const opt = adamw([w], { lr: 0.1 });
    opt.lr = Number.NaN;
    expect(() => {
      opt.step();
    }).toThrow(/^adamw: lr must be finite and ≥ 0, found NaN$/);
    expect(await opt.state()).toMatchObject({ step: 0, params: {} });
    expect(w.value.item()).toBe(1);
  });

  it('lists params in order and zeroes their grads in place', () => {
    const [a, b, c] = [param(T.tensor([1, 2])), param(T.tensor([3])), param(T.tensor([4]))];
    const opt = sgd([{ params: { b } }, { params: [a, c] }], { lr: 0.1 });
    expect(opt.params).toEqual([b, a, c]);
    T.fill(gradOf(a), 2);
    const buffer = a.grad;
    opt.zeroGrad();
    expect(a.grad).toBe(buffer);
    expect(Array.from(a.grad!.toArray())).toEqual([0, 0]);
    expect(b.grad).toBeNull();
  });

  it('trains a small least-squares problem through autograd', () => {
    // loss = Σ (w · x + b - y)² with y = 2x - 1: AdamW with no decay on b finds w ≈ 2, b ≈ -1.
    const x = constant(T.tensor([-1, 0, 1, 2], { dtype: 'float64' }));
    const target = constant(T.tensor([-3, -1, 1, 3], { dtype: 'float64' }));
    const w = param(T.tensor([0], { dtype: 'float64' }));
    const b = param(T.tensor([0], { dtype: 'float64' }));
    const opt = adamw([{ params: [w], weightDecay: 0 }, { params: [b], weightDecay: 0 }], { lr: 0.05 });
    const loss = (): Var => {
      const err = add(add(mul(w, x), b), mul(target, constant(T.tensor([-1], { dtype: 'float64' }))));
      return sum(mul(err, err));
    };
    for (let k = 0; k < 500; k++) {
      opt.zeroGrad();
      loss().backward();
      opt.step();
    }
    expect(w.value.item()).toBeCloseTo(2, 3);
    expect(b.value.item()).toBeCloseTo(-1, 3);
  });

  it('frees its buffers on dispose and starts afresh afterwards', async () => {
    const w = param(T.tensor([1, 2, 3]));
    T.fill(gradOf(w), 1);
    const opt = adamw([w], { lr: 0.1 });
    opt.step();
    opt.dispose();
    expect((await opt.state()).params).toEqual({});
    opt.step();
    expect((await opt.state()).params['0']!.step).toBe(1);
  });
});
