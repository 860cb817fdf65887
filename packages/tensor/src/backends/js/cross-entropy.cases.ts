// The cross-entropy family's conformance case: large logits and ignored rows, forward and backward.
import { crossEntropy, crossEntropyBackward } from '../../ops/cross-entropy';
import type { ConformanceCase } from '../../testing/conformance';

/** Cross-entropy forward and backward with ignored rows and large logits. */
export function crossEntropyCases(): ConformanceCase[] {
  return [
    {
      kernel: 'crossEntropy',
      name: 'N=9 V=27 with ignored rows, large logits',
      run: ({ randn, ints }) => {
        const logits = randn([9, 27], 30);
        const targets = ints([9], -1, 27);
        const { loss, probs, losses } = crossEntropy(logits, targets);
        return { loss, probs, losses, dlogits: crossEntropyBackward(probs, targets, { dloss: 0.5 }) };
      },
    },
  ];
}
