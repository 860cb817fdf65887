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
  logits: Tensor;
  targets: Tensor;
  probs: Tensor;
  losses: Tensor;
  loss: Tensor;
}

/** dlogits += (probs - onehot(targets)) * dloss / count, where count = rows not ignored. */
export interface CrossEntropyBackwardArgs {
  probs: Tensor;
  targets: Tensor;
  dlogits: Tensor;
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
