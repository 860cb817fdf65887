// Sum and mean over one axis or all elements, and their backward: the output gradient broadcast back over the
// reduced axis (divided by its length for mean).
import * as T from '@microgpt/tensor';
import { release, withContiguous } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/** Options of {@link sum} and {@link mean}. */
export interface ReduceOptions {
  /** Keep the reduced axis with size 1. */
  keepdims?: boolean;
}

function reduce(op: 'sum' | 'mean', x: Var, axis: number | null, keepdims: boolean): Var {
  const rank = x.value.rank;
  const ax = axis === null ? null : T.normalizeAxis(op, axis, rank);
  const keptShape = x.shape.map((d, i) => (ax === null || i === ax ? 1 : d));
  const shape = keepdims ? keptShape : ax === null ? [] : x.shape.filter((_, i) => i !== ax);
  const out = output(x.value, shape);
  const count = ax === null ? x.value.size : x.shape[ax]!;
  const kernel = op === 'sum' ? T.sum : T.mean;
  withContiguous(x.value, (cx) => {
    if (ax !== null) {
      kernel(cx, ax, { keepdims, out });
      return;
    }
    const flat = cx.reshape([cx.size]);
    const flatOut = out.reshape([]);
    kernel(flat, 0, { out: flatOut });
    flat.dispose();
    flatOut.dispose();
  });
  return opResult(op, [x], out, (o) => {
    if (!x.requiresGrad) return;
    // Scale the (small) reduced gradient first: broadcasting it back is then a single strided add.
    let dOut = o.grad!;
    if (op === 'mean') {
      dOut = output(dOut, dOut.shape);
      T.mul(o.grad!, 1 / count, dOut);
    }
    const spread = dOut.reshape(keptShape);
    const wide = spread.broadcastTo(x.shape);
    const dx = gradOf(x);
    T.add(dx, wide, dx);
    wide.dispose();
    spread.dispose();
    if (dOut !== o.grad) release(dOut);
  });
}

/** Differentiable sum over `axis` (all elements when null, giving shape []). */
export function sum(x: Var, axis: number | null = null, options: ReduceOptions = {}): Var {
  return reduce('sum', x, axis, options.keepdims ?? false);
}

/** Differentiable mean over `axis` (all elements when null, giving shape []). */
export function mean(x: Var, axis: number | null = null, options: ReduceOptions = {}): Var {
  return reduce('mean', x, axis, options.keepdims ?? false);
}
