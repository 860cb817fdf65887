// Embedding lookup: rows of a (V, C) table picked by int32 ids of any shape, and the scatter-add backward.
// Left out: padding ids, max-norm renormalization and sparse gradients.
import { kernel, sameBackend } from '../dispatch';
import type { Tensor } from '../tensor';
import { checkIndices, expectBuffer, expectFloat, expectRank, expectShape, outputTensor, withViews } from './checks';

/**
 * Looks up rows of a table: out[…, :] = weight[ids[…], :].
 * @param weight (V, C) float32 or float64.
 * @param ids int32 of any shape (…), each in [0, V).
 * @param out optional contiguous (…, C) of weight's dtype.
 * @returns out (…, C).
 * @throws {IndexError} naming the first id outside [0, V), e.g. `embedding: ids[3] = 70 is outside [0, 65)`; nothing
 * is written then.
 * @throws {DTypeError} when weight is not float, ids not int32, or out's dtype differs.
 * @throws {ShapeError} when weight is not 2-D or out's shape is not (…, C).
 */
export function embedding(weight: Tensor, ids: Tensor, out?: Tensor): Tensor {
  const op = 'embedding';
  const backend = sameBackend(op, [weight, ids, out]);
  const dtype = expectFloat(op, 'weight', weight);
  expectRank(op, 'weight', weight, 2);
  const [v, c] = weight.shape as [number, number];
  checkIndices(op, 'ids', ids, 0, v);
  const result = outputTensor(op, 'out', out, [...ids.shape, c], dtype, backend);
  const n = ids.size;
  withViews((view) => {
    kernel(backend, 'embedding', dtype)({ weight: view(weight, [v, c]), ids: view(ids, [n]), out: view(result, [n, c]) });
  });
  return result;
}

/**
 * Backward of `embedding`: dweight[ids[…], :] += dout[…, :], so an id that appears twice gets both rows.
 * @param ids int32 (…) as in the forward, each in [0, V).
 * @param dout (…, C) gradient with respect to the forward output.
 * @param dweight (V, C) contiguous gradient of the table, dout's dtype, added into.
 * @returns dweight.
 * @throws {IndexError} for an id outside [0, V) (nothing is written).
 * @throws {DTypeError} when dout is not float, ids not int32, or dweight's dtype differs from dout's.
 * @throws {ShapeError} when dweight is not 2-D or not contiguous, or dout is not (…, C).
 */
export function embeddingBackward(ids: Tensor, dout: Tensor, dweight: Tensor): Tensor {
  const op = 'embeddingBackward';
  const backend = sameBackend(op, [ids, dout, dweight]);
  const dtype = expectFloat(op, 'dout', dout);
  expectRank(op, 'dweight', dweight, 2);
  const [v, c] = dweight.shape as [number, number];
  expectBuffer(op, 'dweight', dweight, [v, c], dtype);
  checkIndices(op, 'ids', ids, 0, v);
  expectShape(op, 'dout', dout, [...ids.shape, c]);
  const n = ids.size;
  withViews((view) => {
    kernel(backend, 'embeddingBackward', dtype)({ ids: view(ids, [n]), dout: view(dout, [n, c]), dweight: view(dweight, [v, c]) });
  });
  return dweight;
}
