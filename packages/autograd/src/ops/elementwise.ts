// The binary operators (add, sub, mul, div) with broadcasting, and their backward: each input's gradient is the output gradient
// (times the other input for mul and div) summed back over the dimensions the input was broadcast along.
import * as T from '@microgpt/tensor';
import { release } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/**
 * Adds `contribution` (the output's shape) into `v`'s gradient, summing over broadcast dimensions: leading
 * extra ones and ones where v has size 1. Temporary sums come from the pool.
 */
export function accumulateGrad(v: Var, contribution: T.Tensor): void {
  const grad = gradOf(v);
  if (T.sameShape(grad.shape, contribution.shape)) {
    T.add(grad, contribution, grad);
    return;
  }
  let current = contribution;
  const lead = contribution.rank - grad.rank;
  for (let axis = 0; axis < contribution.rank; axis++) {
    const target = axis < lead ? 1 : grad.shape[axis - lead]!;
    if (target !== 1 || current.shape[axis] === 1) continue;
    const reduced = output(current, current.shape.map((d, i) => (i === axis ? 1 : d)));
    T.sum(current, axis, { keepdims: true, out: reduced });
    if (current !== contribution) release(current);
    current = reduced;
  }
  const view = current.reshape(grad.shape);
  T.add(grad, view, grad);
  view.dispose();
  if (current !== contribution) release(current);
}

/**
 * Differentiable `a op b` for any operator of the core's binary family, with NumPy broadcasting; each operator's
 * derivative is one case of the switch below (a missing one is a type error), and the gradient check reads the
 * family's table, so a new operator is checked without a test of its own.
 * @returns the broadcast shape, in a's dtype.
 * @throws {ShapeError} when the shapes do not broadcast.
 * @throws {DTypeError} when the dtypes differ or are not float.
 */
export function binary(op: T.BinaryOp, a: Var, b: Var): Var {
  const out = output(a.value, T.broadcastShapes(op, a.shape, b.shape));
  T.binary(op, a.value, b.value, out);
  return opResult(op, [a, b], out, (o) => {
    const dOut = o.grad!;
    const scratch = output(dOut, dOut.shape);
    // Adds dOut (or what `compute` writes into scratch from it) into v's gradient.
    const through = (v: Var, compute?: () => void): void => {
      if (!v.requiresGrad) return;
      if (!compute) {
        accumulateGrad(v, dOut);
        return;
      }
      compute();
      accumulateGrad(v, scratch);
    };
    switch (op) {
      case 'add':
        through(a);
        through(b);
        break;
      case 'sub':
        through(a);
        through(b, () => T.unary('neg', dOut, { out: scratch }));
        break;
      case 'mul':
        through(a, () => T.mul(dOut, b.value, scratch));
        through(b, () => T.mul(dOut, a.value, scratch));
        break;
      case 'div':
        // d(a/b)/da = 1/b; d(a/b)/db = -a/b² = -out/b.
        through(a, () => T.div(dOut, b.value, scratch));
        through(b, () => {
          T.mul(dOut, o.value, scratch);
          T.div(scratch, b.value, scratch);
          T.unary('neg', scratch, { out: scratch });
        });
        break;
      default:
        op satisfies never;
    }
    release(scratch);
  });
}

/** Differentiable a + b with NumPy broadcasting. */
export const add = (a: Var, b: Var): Var => binary('add', a, b);
/** Differentiable a - b with NumPy broadcasting. */
export const sub = (a: Var, b: Var): Var => binary('sub', a, b);
/** Differentiable a · b (elementwise) with NumPy broadcasting. */
export const mul = (a: Var, b: Var): Var => binary('mul', a, b);
/** Differentiable a / b (elementwise) with NumPy broadcasting. */
export const div = (a: Var, b: Var): Var => binary('div', a, b);
