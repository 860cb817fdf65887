// Cross-entropy of logits against int32 targets as one tape entry, softmax fused in: the forward saves the
// probabilities, and the backward adds (probs - onehot(target)) · dloss / count into the logits' gradient.
import * as T from '@microgpt/tensor';
import { acquire, release, releasingOnError } from '../pool';
import { type Var, gradOf, isSeededWithOne, opResult, output } from '../var';

/**
 * Differentiable mean cross-entropy: the mean over rows whose target is not -1 of -log softmax(logits)[target].
 * The targets are data, not a Var; they are read again by the backward, so leave them unchanged until then.
 * @param logits (…, V) float32 or float64.
 * @param targets int32 (…), each in [-1, V); -1 ignores the row (no loss, no gradient, not counted).
 * @returns a scalar Var (shape []) holding the mean loss; NaN when every row is ignored (its gradient is 0).
 * @throws {IndexError} naming the first target outside [-1, V).
 * @throws {DTypeError} when logits is not float or targets not int32.
 * @throws {ShapeError} when logits is a scalar or targets is not logits' shape without the last dim.
 */
export function crossEntropy(logits: Var, targets: T.Tensor): Var {
  const probs = output(logits.value, logits.shape);
  const losses = output(logits.value, logits.shape.slice(0, -1));
  const out = output(logits.value, []);
  releasingOnError([probs, losses, out], () => {
    T.crossEntropy(logits.value, targets, { probs, losses, loss: out });
  });
  return opResult(
    'crossEntropy',
    [logits],
    out,
    (o) => {
      // The loss is a scalar, so its gradient is one number that scales every row's contribution. When the loss is
      // what backward() was called on, that number is 1. Otherwise it stays on the device (reading it would stall the
      // backward on a GPU): the kernel runs with dloss 1 into a zeroed buffer, which the gradient scales there.
      if (isSeededWithOne(o)) {
        T.crossEntropyBackward(probs, targets, { dlogits: gradOf(logits), dloss: 1 });
        return;
      }
      const rows = acquire(probs.shape, probs.dtype, probs.backend, true);
      T.crossEntropyBackward(probs, targets, { dlogits: rows, dloss: 1 });
      T.mul(rows, o.grad!, rows);
      const dlogits = gradOf(logits);
      T.add(dlogits, rows, dlogits);
      release(rows);
    },
    { saved: [probs, losses] },
  );
}
