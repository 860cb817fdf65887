// The mean next-token loss of a token sequence read in consecutive windows of the context size: a number any
// other implementation can recompute (window i covers tokens [i·T, i·T + T]: inputs i·T … i·T + T − 1 predict
// the next token each; the last window is shorter), unlike a loss over random batches.
import { ModelError } from '../errors';
import { forwardLogits } from './inference';
import type { GPT } from './model';

/** What {@link windowLoss} measured. */
export interface WindowLoss {
  /** Mean cross-entropy (natural log) over every predicted token. */
  readonly loss: number;
  /** Tokens predicted: ids.length − 1. */
  readonly tokens: number;
  /** Windows read: ⌈(ids.length − 1) / T⌉. */
  readonly windows: number;
  /** The window length (the context size). */
  readonly T: number;
}

/**
 * The mean next-token cross-entropy of `ids` under `model`, read in consecutive windows of `T` predictions
 * (window i feeds ids[i·T … i·T + T − 1] and predicts ids[i·T + 1 … i·T + T]; each window starts with an empty
 * context), accumulated in float64.
 * @param T window length, 1 ≤ T ≤ blockSize (default: the model's blockSize).
 * @throws {ModelError} for fewer than 2 ids, T out of range, an id outside the vocabulary; MemoryLimitError when
 * one window's forward pass does not fit.
 */
export function windowLoss(model: GPT, ids: ArrayLike<number>, T = model.config.blockSize): WindowLoss {
  const { blockSize, vocabSize: V } = model.config;
  if (ids.length < 2) throw new ModelError(`windowLoss: needs at least 2 tokens (one to read, one to predict), found ${ids.length}`);
  if (!(Number.isSafeInteger(T) && T >= 1 && T <= blockSize)) throw new ModelError(`windowLoss: T must be an integer in [1, ${blockSize}], found ${T}`);
  const tokens = ids.length - 1;
  let sum = 0;
  let windows = 0;
  for (let start = 0; start < tokens; start += T) {
    const L = Math.min(T, tokens - start);
    const input = Array.from({ length: L }, (_, t) => ids[start + t]!);
    const logits = forwardLogits(model, input, 1, L);
    for (let t = 0; t < L; t++) {
      const row = logits.subarray(t * V, (t + 1) * V);
      let max = -Infinity;
      for (const x of row) if (x > max) max = x;
      let z = 0;
      for (const x of row) z += Math.exp(x - max);
      sum += max + Math.log(z) - row[ids[start + t + 1]!]!;
    }
    windows++;
  }
  return { loss: sum / tokens, tokens, windows, T };
}
