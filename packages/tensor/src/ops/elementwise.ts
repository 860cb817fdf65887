// Elementwise arithmetic with NumPy broadcasting, and with a number on either side. Gradients of broadcast
// operands are not here: autograd sums them back with `reduceToShape` (ops/reduce.ts).
import type { BinaryOp } from '../backend';
import { kernel, sameBackend } from '../dispatch';
import { DTypeError, formatShape } from '../errors';
import { broadcastShapes } from '../shape';
import type { Tensor } from '../tensor';
import { expectFloat, outputTensor, withContiguous } from './checks';

/**
 * `a op b` elementwise. Two tensors broadcast NumPy-style: shapes align on the right and a dimension of 1
 * stretches, e.g. (B, T, C) with (C) gives (B, T, C). A number on either side applies to every element. The
 * result has the tensor operands' float dtype (both must match); `out` may be one of the inputs.
 * @throws {ShapeError} when the shapes do not broadcast or `out` does not fit.
 * @throws {DTypeError} for non-float or differing dtypes.
 * @throws {TypeError} when neither operand is a tensor.
 */
export function binary(op: BinaryOp, a: Tensor | number, b: Tensor | number, out?: Tensor): Tensor {
  if (typeof a === 'number' && typeof b === 'number') {
    throw new TypeError(`${op}: at least one operand must be a tensor, found the numbers ${a} and ${b}`);
  }
  if (typeof a === 'number' || typeof b === 'number') {
    const scalarFirst = typeof a === 'number';
    const [t, scalar] = scalarFirst ? [b as Tensor, a] : [a, b as number];
    const backend = sameBackend(op, [t, out]);
    const dtype = expectFloat(op, scalarFirst ? 'b' : 'a', t);
    const result = outputTensor(op, 'out', out, t.shape, dtype, backend);
    withContiguous([t], (c) => {
      kernel(backend, 'binaryScalar', dtype)({ op, a: c, scalar, scalarFirst, out: result });
    });
    return result;
  }
  const backend = sameBackend(op, [a, b, out]);
  const dtype = expectFloat(op, 'a', a);
  if (b.dtype !== dtype) {
    throw new DTypeError(`${op}: a is ${dtype} ${formatShape(a.shape)}, b is ${b.dtype} ${formatShape(b.shape)}; dtypes must match`);
  }
  const shape = broadcastShapes(op, a.shape, b.shape);
  const result = outputTensor(op, 'out', out, shape, dtype, backend);
  const wideA = a.broadcastTo(shape);
  const wideB = b.broadcastTo(shape);
  try {
    kernel(backend, 'binary', dtype)({ op, a: wideA, b: wideB, out: result });
  } finally {
    wideA.dispose();
    wideB.dispose();
  }
  return result;
}

/** `a + b` elementwise, broadcasting; see {@link binary} for shapes, dtypes and errors. */
export function add(a: Tensor | number, b: Tensor | number, out?: Tensor): Tensor {
  return binary('add', a, b, out);
}

/** `a - b` elementwise, broadcasting; see {@link binary} for shapes, dtypes and errors. */
export function sub(a: Tensor | number, b: Tensor | number, out?: Tensor): Tensor {
  return binary('sub', a, b, out);
}

/** `a * b` elementwise, broadcasting; see {@link binary} for shapes, dtypes and errors. */
export function mul(a: Tensor | number, b: Tensor | number, out?: Tensor): Tensor {
  return binary('mul', a, b, out);
}

/** `a / b` elementwise, broadcasting; see {@link binary} for shapes, dtypes and errors. */
export function div(a: Tensor | number, b: Tensor | number, out?: Tensor): Tensor {
  return binary('div', a, b, out);
}
