// Fused softmax + cross-entropy over the rows of (N, V) logits, forward and backward. Rows whose target is -1
// are ignored: loss 0, no gradient, not counted in the mean. The op checks targets are in [-1, V).
// Argument types first, then the JS kernels; the family's conformance cases are in cross-entropy.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf, intsOf } from './storage';

/**
 * Fused softmax + cross-entropy. logits, probs: (N, V); targets: (N) int32, -1 = ignore; losses: (N) per-row
 * loss (0 for ignored rows); loss: one element (shape [] or [1]) of logits' dtype, overwritten with the mean loss
 * over rows that are not ignored (NaN when every row is). The mean stays on the backend, so a GPU need not read
 * it back.
 */
export interface CrossEntropyArgs {
  /** Unnormalized scores, (N, V). */
  logits: Tensor;
  /** Target class per row, (N) int32 in [0, V), or -1 to ignore the row. */
  targets: Tensor;
  /** Softmax of `logits`, (N, V), overwritten and saved for the backward. */
  probs: Tensor;
  /** Per-row loss, (N), overwritten; 0 for ignored rows. */
  losses: Tensor;
  /**
   * One element (shape [] or [1]) of the logits' dtype, overwritten with the mean over rows not ignored (NaN when
   * all are).
   */
  loss: Tensor;
}

/** dlogits += (probs - onehot(targets)) * dloss / count, where count = rows not ignored. */
export interface CrossEntropyBackwardArgs {
  /** The probabilities the forward saved, (N, V). */
  probs: Tensor;
  /** The forward's targets, (N) int32, -1 = ignored row (no gradient). */
  targets: Tensor;
  /** Gradient with respect to the logits, (N, V), accumulated into (+=). */
  dlogits: Tensor;
  /** Gradient of the final loss with respect to the mean loss (1 when the mean is the loss). */
  dloss: number;
}

/**
 * probs = softmax(logits) per row; losses[i] = log Σ_j exp(logits[i, j] - max) - (logits[i, t] - max), the
 * log-sum-exp form of -log probs[i, t], finite for any finite logits; loss = the mean over rows not ignored (NaN
 * when all are).
 */
export function crossEntropy({ logits, targets, probs, losses, loss }: CrossEntropyArgs): void {
  const [n, v] = logits.shape as [number, number];
  const xs = floatsOf(logits);
  const ts = intsOf(targets);
  const ps = floatsOf(probs);
  const ls = floatsOf(losses);
  let total = 0;
  let count = 0;
  for (let row = 0; row < n; row++) {
    const xRow = logits.offset + row * v;
    const pRow = probs.offset + row * v;
    let max = -Infinity;
    for (let j = 0; j < v; j++) max = Math.max(max, xs[xRow + j]!);
    let sum = 0;
    for (let j = 0; j < v; j++) sum += Math.exp(xs[xRow + j]! - max);
    for (let j = 0; j < v; j++) ps[pRow + j] = Math.exp(xs[xRow + j]! - max) / sum;
    const target = ts[targets.offset + row]!;
    let rowLoss = 0;
    if (target >= 0) {
      rowLoss = Math.log(sum) - (xs[xRow + target]! - max);
      count++;
    }
    ls[losses.offset + row] = rowLoss;
    total += rowLoss;
  }
  floatsOf(loss)[loss.offset] = total / count;
}

/** dlogits[i, j] += (probs[i, j] - [j = targets[i]]) · dloss / count, where count = rows not ignored. */
export function crossEntropyBackward({ probs, targets, dlogits, dloss }: CrossEntropyBackwardArgs): void {
  const [n, v] = probs.shape as [number, number];
  const ps = floatsOf(probs);
  const ts = intsOf(targets);
  const ds = floatsOf(dlogits);
  let count = 0;
  for (let row = 0; row < n; row++) if (ts[targets.offset + row]! >= 0) count++;
  const scale = dloss / count;
  for (let row = 0; row < n; row++) {
    const target = ts[targets.offset + row]!;
    if (target < 0) continue;
    const pRow = probs.offset + row * v;
    const dRow = dlogits.offset + row * v;
    for (let j = 0; j < v; j++) ds[dRow + j]! += (ps[pRow + j]! - (j === target ? 1 : 0)) * scale;
  }
}
