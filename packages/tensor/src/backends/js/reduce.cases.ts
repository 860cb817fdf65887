// The reduce family's conformance cases: sum, mean and max along every axis, a long sum, size-1 and empty axes.
import { max, mean, sum } from '../../ops/reduce';
import type { Tensor } from '../../tensor';
import type { ConformanceCase } from '../../testing/conformance';

/** Sum, mean and max along each axis and over all, a long sum, and size-1 and empty axes. */
export function reduceCases(): ConformanceCase[] {
  return [
    {
      kernel: 'reduce',
      name: 'sum, mean, max along each axis of [3,4,5] and all',
      run: ({ randn }) => {
        const x = randn([3, 4, 5]);
        const results: Record<string, Tensor> = {};
        for (const [name, reduce] of [['sum', sum], ['mean', mean], ['max', max]] as const) {
          for (const axis of [0, 1, -1]) results[`${name}${axis}`] = reduce(x, axis);
          results[`${name}All`] = reduce(x, null);
        }
        return results;
      },
    },
    {
      kernel: 'reduce',
      name: 'sum of 1000 values, size-1 axis, empty axis',
      looseness: 4,
      run: ({ randn }) => ({
        long: sum(randn([1000]), 0),
        single: sum(randn([5, 1, 3]), 1, { keepdims: true }),
        empty: sum(randn([2, 0]), 1),
      }),
    },
  ];
}
