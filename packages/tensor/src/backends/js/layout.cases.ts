// The layout family's conformance case: fill of a view, strided copy, concat and split.
import { concat, copy, fill, split } from '../../ops/layout';
import type { Tensor } from '../../tensor';
import type { ConformanceCase } from '../../testing/conformance';

/** Fill, strided copy, concat and split in one case. */
export function layoutCases(): ConformanceCase[] {
  return [
    {
      kernel: 'layout',
      name: 'fill, strided copy, concat, split',
      run: ({ randn }) => {
        const x = randn([4, 6]);
        const filled = randn([3, 5]);
        fill(filled.slice(1, 1, 3), 2.5);
        const copied = randn([6, 4]);
        copy(x.transpose(), copied);
        const joined = concat([x, randn([2, 6]), randn([0, 6])], 0);
        const [left, right] = split(x, [1, 5], 1) as [Tensor, Tensor];
        return { filled, copied, joined, left, right };
      },
    },
  ];
}
