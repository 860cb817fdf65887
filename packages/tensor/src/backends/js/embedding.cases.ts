// The embedding family's conformance case: a gather and a scatter-add with repeated ids.
import { embedding, embeddingBackward } from '../../ops/embedding';
import type { ConformanceCase } from '../../testing/conformance';

/** Embedding forward and its scatter-add backward, with repeated ids. */
export function embeddingCases(): ConformanceCase[] {
  return [
    {
      kernel: 'embedding',
      name: 'V=11 C=7, repeated ids, forward and scatter-add',
      run: ({ randn, ints }) => {
        const weight = randn([11, 7]);
        const ids = ints([3, 5], 0, 11);
        const dweight = randn([11, 7]);
        embeddingBackward(ids, randn([3, 5, 7]), dweight);
        return { out: embedding(weight, ids), dweight };
      },
    },
  ];
}
