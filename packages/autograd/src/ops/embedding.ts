// Embedding lookup as one tape entry: rows of a (V, C) table picked by int32 ids; the backward scatter-adds
// the output gradient into the table's gradient, so a repeated id gets every row's contribution.
import * as T from '@microgpt/tensor';
import { releasingOnError } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/**
 * Differentiable embedding: out[…, :] = weight[ids[…], :]. The ids are data, not a Var; they are read again by
 * the backward, so leave them unchanged until then.
 * @param weight (V, C) float32 or float64.
 * @param ids int32 of any shape (…), each in [0, V).
 * @returns (…, C).
 * @throws {ShapeError} when weight is not 2-D.
 * @throws {IndexError} naming the first id outside [0, V).
 * @throws {DTypeError} when weight is not float or ids not int32.
 */
export function embedding(weight: Var, ids: T.Tensor): Var {
  if (weight.value.rank !== 2) {
    throw new T.ShapeError(`embedding: weight must have 2 dimensions (V, C), found ${T.formatShape(weight.shape)}`);
  }
  const out = output(weight.value, [...ids.shape, weight.shape[1]!]);
  releasingOnError([out], () => T.embedding(weight.value, ids, out));
  return opResult('embedding', [weight], out, (o) => {
    T.embeddingBackward(ids, o.grad!, gradOf(weight));
  });
}
