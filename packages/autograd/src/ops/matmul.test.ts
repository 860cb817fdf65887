import { randn } from '@microgpt/tensor';
import { expect, it } from 'vitest';
import { describeOnBackends } from '../test-backends';
import { gradCheck } from '../grad-check';
import { mul } from './elementwise';
import { matmul } from './matmul';
import { sum } from './reduce';
import { constant } from '../var';

describeOnBackends('matmul gradients', (backendOf) => {
  const forms = [
    { name: 'plain 2-D', a: [3, 4], b: [4, 5], transA: false, transB: false },
    { name: 'transposed A', a: [4, 3], b: [4, 5], transA: true, transB: false },
    { name: 'transposed B', a: [3, 4], b: [5, 4], transA: false, transB: true },
    { name: 'both transposed', a: [4, 3], b: [5, 4], transA: true, transB: true },
    { name: 'batched', a: [2, 3, 4], b: [2, 4, 5], transA: false, transB: false },
    { name: 'batched, shared 2-D b', a: [2, 3, 4], b: [4, 5], transA: false, transB: false },
    { name: 'batched, shared 2-D a transposed', a: [4, 3], b: [2, 5, 4], transA: true, transB: true },
  ];
  for (const form of forms) {
    it(form.name, () => {
      const backend = backendOf();
      const a = randn(form.a, { seed: 1, dtype: 'float64', backend });
      const b = randn(form.b, { seed: 2, dtype: 'float64', backend });
      const outShape = [...(form.a.length === 3 ? [2] : form.b.length === 3 ? [2] : []), 3, 5];
      const weights = randn(outShape, { seed: 3, dtype: 'float64', backend });
      const result = gradCheck((x, y) => sum(mul(matmul(x, y, form), constant(weights))), [a, b]);
      expect(result.ok, result.message).toBe(true);
    });
  }
});
