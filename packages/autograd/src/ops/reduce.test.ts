import { randn } from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { constant, param, releaseGraph } from '../var';
import { mul } from './elementwise';
import { transpose } from './layout';
import { mean, sum } from './reduce';

describeOnBackends('sum and mean', (backendOf) => {
  const cases = [
    { name: 'all elements', axis: null, keepdims: false },
    { name: 'all elements, keepdims', axis: null, keepdims: true },
    { name: 'axis 0', axis: 0, keepdims: false },
    { name: 'axis -1, keepdims', axis: -1, keepdims: true },
    { name: 'middle axis', axis: 1, keepdims: false },
  ];
  for (const reduce of [sum, mean]) {
    for (const c of cases) {
      it(`${reduce.name} over ${c.name}: gradient`, () => {
        const backend = backendOf();
        const x = randn([2, 3, 4], { seed: 1, dtype: 'float64', backend });
        const probe = reduce(constant(x), c.axis, { keepdims: c.keepdims });
        const w = randn(probe.shape, { seed: 2, dtype: 'float64', backend });
        releaseGraph(probe);
        const result = gradCheck((v) => sum(mul(reduce(v, c.axis, { keepdims: c.keepdims }), constant(w))), [x]);
        expect(result.ok, result.message).toBe(true);
      });
    }
  }

  it('a strided input allocates nothing after the first step', () => {
    const backend = backendOf();
    const x = param(randn([4, 6], { seed: 3, backend }));
    const step = (): void => {
      const loss = mean(transpose(x));
      loss.backward();
      releaseGraph(loss);
    };
    step();
    const before = backend.memory().totalAllocations;
    for (let i = 0; i < 20; i++) step();
    expect(backend.memory().totalAllocations).toBe(before);
    expect(Array.from(x.grad!.toArray()).every((g) => Math.abs(g - 21 / 24) < 1e-6)).toBe(true);
  });
});
