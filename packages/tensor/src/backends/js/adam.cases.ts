// The adam family's conformance cases: three Adam and three AdamW steps.
import { adamUpdate } from '../../ops/adam';
import type { ConformanceCase } from '../../testing/conformance';

/** Three steps of Adam and of AdamW on the same values. */
export function adamCases(): ConformanceCase[] {
  return [
    { name: 'Adam, 3 steps, 29 values', weightDecay: 0 },
    { name: 'AdamW, 3 steps, 29 values', weightDecay: 0.1 },
  ].map(({ name, weightDecay }) => ({
    kernel: 'adam',
    name,
    run: ({ randn }) => {
      const param = randn([29]);
      const m = randn([29], 0);
      const v = randn([29], 0);
      for (let step = 1; step <= 3; step++) {
        adamUpdate(param, randn([29]), m, v, { lr: 0.01, beta1: 0.85, beta2: 0.99, eps: 1e-8, weightDecay, step });
      }
      return { param, m, v };
    },
  }));
}
