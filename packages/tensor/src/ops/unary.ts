// Elementwise functions of one tensor (exp, tanh, GELU, …) and their backward. Non-float inputs are
// rejected; outside a function's domain (log of a negative) the result is NaN, as in Math.
import type { UnaryOp } from '../backend';
import { kernel, sameBackend } from '../dispatch';
import type { Tensor } from '../tensor';
import { expectDType, expectFloat, expectShape, outputTensor, withContiguous } from './checks';

/** Options of {@link unary}. */
export interface UnaryOptions {
  /** The exponent, for `pow` only (required there). */
  param?: number;
  /** Write the result here (contiguous, x's shape and dtype); may be x itself. */
  out?: Tensor;
}

/** Options of {@link unaryBackward}. */
export interface UnaryBackwardOptions {
  /** The exponent, for `pow` only (required there). */
  param?: number;
  /** Gradient to add into (contiguous, x's shape and dtype); a new zero tensor when absent. */
  dx?: Tensor;
}

function paramOf(op: UnaryOp, param: number | undefined): number {
  if (op !== 'pow') return 0;
  if (param === undefined) throw new TypeError('pow: the exponent (param) is required');
  return param;
}

/**
 * `f(x)` elementwise, for any shape; the result has x's shape and float dtype.
 * @throws {DTypeError} when x is not float or `out` has another dtype.
 * @throws {ShapeError} when `out` does not have x's shape or is not contiguous.
 * @throws {TypeError} for `pow` without `param`.
 */
export function unary(op: UnaryOp, x: Tensor, options: UnaryOptions = {}): Tensor {
  const backend = sameBackend(op, [x, options.out]);
  const dtype = expectFloat(op, 'x', x);
  const param = paramOf(op, options.param);
  const out = outputTensor(op, 'out', options.out, x.shape, dtype, backend);
  withContiguous([x], (cx) => {
    kernel(backend, 'unary', dtype)({ op, x: cx, out, param });
  });
  return out;
}

/**
 * Backward of {@link unary}: `dx += dout * f'(x)`, with f' recomputed from x. x, dout, dx: the same shape and
 * float dtype. Returns dx (a new tensor when `options.dx` is absent).
 * @throws {ShapeError} when dout or dx does not have x's shape, or dx is not contiguous.
 * @throws {DTypeError} when x is not float or dout, dx have another dtype.
 * @throws {TypeError} for `pow` without `param`.
 */
export function unaryBackward(op: UnaryOp, x: Tensor, dout: Tensor, options: UnaryBackwardOptions = {}): Tensor {
  const name = `${op} backward`;
  const backend = sameBackend(name, [x, dout, options.dx]);
  const dtype = expectFloat(name, 'x', x);
  expectDType(name, 'dout', dout, dtype);
  expectShape(name, 'dout', dout, x.shape);
  const param = paramOf(op, options.param);
  const dx = outputTensor(name, 'dx', options.dx, x.shape, dtype, backend);
  withContiguous([x, dout], (cx, cdout) => {
    kernel(backend, 'unaryBackward', dtype)({ op, x: cx, dout: cdout, dx, param });
  });
  return dx;
}

/** -x elementwise; see {@link unary}. */
export function neg(x: Tensor, out?: Tensor): Tensor {
  return unary('neg', x, { out });
}

/** eˣ elementwise; see {@link unary}. */
export function exp(x: Tensor, out?: Tensor): Tensor {
  return unary('exp', x, { out });
}

/** Natural logarithm elementwise (NaN for negative x, -∞ at 0); see {@link unary}. */
export function log(x: Tensor, out?: Tensor): Tensor {
  return unary('log', x, { out });
}

/** √x elementwise (NaN for negative x); see {@link unary}. */
export function sqrt(x: Tensor, out?: Tensor): Tensor {
  return unary('sqrt', x, { out });
}

/** 1/√x elementwise (NaN for negative x, ∞ at 0); see {@link unary}. */
export function rsqrt(x: Tensor, out?: Tensor): Tensor {
  return unary('rsqrt', x, { out });
}

/** tanh(x) elementwise; see {@link unary}. */
export function tanh(x: Tensor, out?: Tensor): Tensor {
  return unary('tanh', x, { out });
}

/** max(x, 0) elementwise; its gradient at 0 is 0. See {@link unary}. */
export function relu(x: Tensor, out?: Tensor): Tensor {
  return unary('relu', x, { out });
}

/** x·σ(x) elementwise (SiLU, also called swish); see {@link unary}. */
export function silu(x: Tensor, out?: Tensor): Tensor {
  return unary('silu', x, { out });
}

/** relu(x)² elementwise; see {@link unary}. */
export function squaredRelu(x: Tensor, out?: Tensor): Tensor {
  return unary('squared_relu', x, { out });
}

/** x^exponent elementwise (NaN for negative x and a non-integer exponent, as Math.pow); see {@link unary}. */
export function pow(x: Tensor, exponent: number, out?: Tensor): Tensor {
  return unary('pow', x, { param: exponent, out });
}

/**
 * GELU elementwise: exact 0.5·x·(1 + erf(x/√2)) by default (`approximate: 'none'`, op `gelu_erf`), or GPT-2's
 * 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³))) with `approximate: 'tanh'` (op `gelu_tanh`), as PyTorch names them.
 * See {@link unary} for shapes and errors.
 * @throws {TypeError} for another `approximate` value.
 */
export function gelu(x: Tensor, options: { approximate?: 'tanh' | 'none'; out?: Tensor } = {}): Tensor {
  const { approximate = 'none', out } = options;
  // Checked at run time too: JS callers can pass any string.
  if (!['tanh', 'none'].includes(approximate)) {
    throw new TypeError(`gelu: approximate must be 'tanh' or 'none', found '${approximate}'`);
  }
  return unary(approximate === 'tanh' ? 'gelu_tanh' : 'gelu_erf', x, { out });
}
