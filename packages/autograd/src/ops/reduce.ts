// Sum and mean over one axis or all elements, and their backward: the output gradient broadcast back over the
// reduced axis (divided by its length for mean).
import * as T from '@microgpt/tensor';
import { release } from '../pool';
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
  if (ax === null) {
    const flat = x.value.reshape([x.value.size]);
    const flatOut = out.reshape([]);
    (op === 'sum' ? T.sum : T.mean)(flat, 0, { out: flatOut });
    flat.dispose();
    flatOut.dispose();
  } else {
    (op === 'sum' ? T.sum : T.mean)(x.value, ax, { keepdims, out });
  }
  return opResult(op, [x], out, (o) => {
    if (!x.requiresGrad) return;
    const spread = o.grad!.reshape(keptShape);
    const wide = spread.broadcastTo(x.shape);
    const dx = gradOf(x);
    if (op === 'sum') {
      T.add(dx, wide, dx);
    } else {
      const scaled = output(dx, x.shape);
      T.mul(wide, 1 / count, scaled);
      T.add(dx, scaled, dx);
      release(scaled);
    }
    wide.dispose();
    spread.dispose();
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
