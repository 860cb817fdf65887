// The softmax family's conformance cases: softmax and log-softmax forward and backward on narrow, wide and very
// large or very negative rows.
import { logSoftmax, logSoftmaxBackward, softmax, softmaxBackward } from '../../ops/softmax';
import type { ConformanceCase } from '../../testing/conformance';

/** Softmax and log-softmax, forward and backward, on narrow, wide and large-valued rows. */
export function softmaxCases(): ConformanceCase[] {
  return [
    ['small rows 4x1 and 5x7', [5, 7], 1, 0],
    ['wide rows 3x67', [3, 67], 3, 0],
    ['large values around 1000', [4, 9], 300, 1000],
    ['large negative values around -1000', [4, 9], 300, -1000],
  ].map(([name, shape, scale, shift]) => ({
    kernel: 'softmax',
    name: name as string,
    run: ({ randn }) => {
      const x = randn(shape as number[], scale as number, shift as number);
      const y = softmax(x);
      const logY = logSoftmax(x);
      const dy = randn(shape as number[]);
      return { y, logY, dx: softmaxBackward(y, dy), dlogX: logSoftmaxBackward(logY, dy), single: softmax(randn([4, 1])) };
    },
  }));
}
