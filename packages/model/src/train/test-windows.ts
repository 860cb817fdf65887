// Test helper: nanoGPT's get_batch as a resumable BatchLoader over an array of ids, for the trainer's tests.
import { PythonRandom, type PythonRandomState } from '@microgpt/tensor';
import type { Batch, BatchLoader } from './trainer';

/**
 * B random windows of T + 1 tokens of `ids` a batch (inputs, and targets shifted by one), drawn from a generator
 * seeded with `seed`; `state()` and `restore()` carry the generator, so a restored loader draws what the original
 * would have drawn next.
 */
export function randomWindows(ids: ArrayLike<number>, B: number, T: number, seed: number): BatchLoader {
  const rng = new PythonRandom(seed);
  return {
    next(): Batch {
      const x = new Int32Array(B * T);
      const y = new Int32Array(B * T);
      for (let b = 0; b < B; b++) {
        const start = rng.randbelow(ids.length - T - 1);
        for (let t = 0; t < T; t++) {
          x[b * T + t] = ids[start + t]!;
          y[b * T + t] = ids[start + t + 1]!;
        }
      }
      return { x, y, B, T };
    },
    state: () => rng.getstate(),
    restore(state) {
      rng.setstate(state as PythonRandomState);
    },
  };
}
