// Cross-entropy of logits against int32 class targets, with the softmax fused in (log-sum-exp, stable for any
// finite logits), and its backward. Target -1 marks a row to ignore. Left out: label smoothing, class weights.
import { kernel, sameBackend } from '../dispatch';
import { ShapeError } from '../errors';
import { shapeSize } from '../shape';
import type { Tensor } from '../tensor';
import { checkIndices, expectDType, expectFloat, expectShape, outputTensor, withViews } from './checks';

/** Checks targets against logits-like `rows` (…, V): dtype int32, shape (…), every value in [-1, V). Returns N and V. */
function checkTargets(op: string, rows: Tensor, rowsName: string, targets: Tensor): { n: number; v: number } {
  if (rows.rank < 1) throw new ShapeError(`${op}: ${rowsName} must have at least 1 dimension, found []`);
  expectDType(op, 'targets', targets, 'int32');
  const lead = rows.shape.slice(0, -1);
  const v = rows.shape[rows.rank - 1]!;
  expectShape(op, 'targets', targets, lead);
  checkIndices(op, 'targets', targets, -1, v, ' (-1 = ignore)');
  return { n: shapeSize(lead), v };
}

/** Buffers `crossEntropy` may write into instead of allocating. */
export interface CrossEntropyOptions {
  /** Contiguous (…, V) tensor of logits' dtype for the softmax probabilities. */
  probs?: Tensor;
  /** Contiguous (…) tensor of logits' dtype for the per-row losses. */
  losses?: Tensor;
  /** Tensor of logits' dtype and shape [] or [1] for the mean loss. */
  loss?: Tensor;
}

/**
 * Mean cross-entropy of softmax(logits) against targets: loss = mean over rows with target ≠ -1 of
 * -log softmax(logits)[target], computed as log Σ exp(logits - max) - (logits[target] - max), so logits of any
 * finite size (1e4 and more) give finite results.
 * @param logits (…, V) float32 or float64.
 * @param targets int32 (…), each in [-1, V); -1 ignores the row (loss 0, no gradient, not counted).
 * @returns loss, the mean as a tensor of shape [] (or the given `loss` buffer; NaN when every row is ignored: read
 * it with `item()` or `await itemAsync()`); probs (…, V), the softmax that `crossEntropyBackward` needs; losses (…),
 * the per-row losses.
 * @throws {IndexError} naming the first target outside [-1, V), its index and value; nothing is written then.
 * @throws {DTypeError} when logits is not float, targets not int32, or a buffer's dtype differs.
 * @throws {ShapeError} when targets is not logits' shape without the last dim, or a buffer does not fit.
 */
export function crossEntropy(
  logits: Tensor,
  targets: Tensor,
  options: CrossEntropyOptions = {},
): {
  /** The mean loss over rows not ignored, shape [] (or the given `options.loss`); NaN when every row is ignored. */
  loss: Tensor;
  /** softmax(logits), (…, V); pass it to `crossEntropyBackward`. */
  probs: Tensor;
  /** Per-row loss, (…), 0 for ignored rows. */
  losses: Tensor;
} {
  const op = 'crossEntropy';
  const backend = sameBackend(op, [logits, targets, options.probs, options.losses, options.loss]);
  const dtype = expectFloat(op, 'logits', logits);
  const { n, v } = checkTargets(op, logits, 'logits', targets);
  const probs = outputTensor(op, 'probs', options.probs, logits.shape, dtype, backend);
  const losses = outputTensor(op, 'losses', options.losses, targets.shape, dtype, backend);
  const lossShape = options.loss?.rank === 1 ? [1] : [];
  const loss = outputTensor(op, 'loss', options.loss, lossShape, dtype, backend);
  withViews((view) => {
    kernel(backend, 'crossEntropy', dtype)({
      logits: view(logits, [n, v]),
      targets: view(targets, [n]),
      probs: view(probs, [n, v]),
      losses: view(losses, [n]),
      loss,
    });
  });
  return { loss, probs, losses };
}

/**
 * Backward of `crossEntropy`: dlogits += (probs - onehot(targets)) · dloss / count, count = rows not ignored;
 * ignored rows get nothing added.
 * @param probs (…, V) from the forward.
 * @param targets int32 (…) as in the forward.
 * @param options dlogits: contiguous (…, V) to add into (allocated, zero, when absent); dloss: the gradient of
 * the final loss with respect to the mean loss (default 1).
 * @returns dlogits.
 * @throws {IndexError} for a target outside [-1, V) (nothing is written).
 * @throws {DTypeError} when probs is not float, targets not int32, or dlogits' dtype differs.
 * @throws {ShapeError} when targets or dlogits do not fit probs.
 */
export function crossEntropyBackward(probs: Tensor, targets: Tensor, options: { dlogits?: Tensor; dloss?: number } = {}): Tensor {
  const op = 'crossEntropyBackward';
  const { dloss = 1 } = options;
  const backend = sameBackend(op, [probs, targets, options.dlogits]);
  const dtype = expectFloat(op, 'probs', probs);
  const { n, v } = checkTargets(op, probs, 'probs', targets);
  const dlogits = outputTensor(op, 'dlogits', options.dlogits, probs.shape, dtype, backend);
  withViews((view) => {
    kernel(backend, 'crossEntropyBackward', dtype)({
      probs: view(probs, [n, v]),
      targets: view(targets, [n]),
      dlogits: view(dlogits, [n, v]),
      dloss,
    });
  });
  return dlogits;
}
