// The README's examples, run as tests so that they stay true.
import { findBackend, randn, tensor } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { Value, adamw, add, constant, matmul, mean, mul, param, releaseGraph, relu, sub } from './index';

describe('README examples', () => {
  it('fits a tiny MLP with AdamW without allocating after the first step', async () => {
    // Fit y = sin(x) on 64 points with a 1 → 32 → 1 MLP.
    const x = constant(tensor(Array.from({ length: 64 }, (_, i) => [i / 10 - 3.2]))); // (64, 1)
    const y = constant(tensor(Array.from({ length: 64 }, (_, i) => [Math.sin(i / 10 - 3.2)])));
    const w1 = param(randn([1, 32], { seed: 1 }));
    const b1 = param(randn([32], { seed: 2, std: 0.1 }));
    const w2 = param(randn([32, 1], { seed: 3, std: 0.2 }));
    const b2 = param(randn([1], { seed: 4, std: 0.1 }));
    const opt = adamw([w1, b1, w2, b2], { lr: 0.01, weightDecay: 0 });
    const losses: number[] = [];
    let allocations = 0;
    for (let step = 0; step < 500; step++) {
      const h = relu(add(matmul(x, w1), b1)); // (64, 32)
      const err = sub(add(matmul(h, w2), b2), y); // (64, 1)
      const loss = mean(mul(err, err));
      loss.backward();
      opt.step();
      opt.zeroGrad();
      losses.push(await loss.value.itemAsync());
      releaseGraph(loss);
      if (step === 0) allocations = findBackend('js').memory().totalAllocations;
    }
    expect(losses[499]!).toBeLessThan(losses[0]! / 20);
    expect(findBackend('js').memory().totalAllocations).toBe(allocations);
  });

  it('backpropagates through scalars', () => {
    const a = new Value(2);
    const b = new Value(-3);
    const c = a.mul(b).add(a.pow(2)).relu(); // relu(a·b + a²) = relu(-2) = 0
    const d = a.mul(b).exp().add(c); // e^(a·b) + c
    d.backward();
    expect(d.data).toBeCloseTo(Math.exp(-6), 15);
    expect(a.grad).toBeCloseTo(-3 * Math.exp(-6), 15); // ∂d/∂a = b·e^(a·b) (c's branch is off)
    expect(b.grad).toBeCloseTo(2 * Math.exp(-6), 15);
  });
});
