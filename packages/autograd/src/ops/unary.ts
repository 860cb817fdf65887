// Elementwise functions of one Var (exp, tanh, GELU, …) and x·c, x + c with a number c. The backward of a
// function recomputes f'(x) from the saved input with the tensor package's unaryBackward, which adds into dx.
import * as T from '@microgpt/tensor';
import { release, releasingOnError, withContiguous } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/** Options of {@link gelu}. */
export interface GeluOptions {
  /** 'none' (default): the exact erf form; 'tanh': GPT-2's tanh approximation (PyTorch's names). */
  approximate?: 'tanh' | 'none';
}

/**
 * Differentiable `f(x)` elementwise for any tensor unary op; the backward adds dout·f'(x) into x's gradient.
 * @param op one of the tensor package's unary ops ('exp', 'gelu_erf', 'squared_relu', …).
 * @param x any shape, float32 or float64 (may be a strided view).
 * @param param the exponent, for 'pow' only (required there).
 * @returns x's shape and dtype.
 * @throws {DTypeError} when x is not float.
 * @throws {TypeError} for 'pow' without `param`.
 */
export function unary(op: T.UnaryOp, x: Var, param?: number): Var {
  const out = output(x.value, x.shape);
  releasingOnError([out], () => {
    withContiguous(x.value, (cx) => T.unary(op, cx, { param, out }));
  });
  return opResult(op, [x], out, (o) => {
    if (!x.requiresGrad) return;
    withContiguous(x.value, (cx) => T.unaryBackward(op, cx, o.grad!, { param, dx: gradOf(x) }));
  });
}

/** Differentiable -x; see {@link unary} for shapes and errors. */
export const neg = (x: Var): Var => unary('neg', x);
/** Differentiable eˣ; see {@link unary}. */
export const exp = (x: Var): Var => unary('exp', x);
/** Differentiable natural log (NaN for negative x, -∞ at 0); see {@link unary}. */
export const log = (x: Var): Var => unary('log', x);
/** Differentiable √x (NaN for negative x); see {@link unary}. */
export const sqrt = (x: Var): Var => unary('sqrt', x);
/** Differentiable 1/√x (NaN for negative x); see {@link unary}. */
export const rsqrt = (x: Var): Var => unary('rsqrt', x);
/** Differentiable tanh(x); see {@link unary}. */
export const tanh = (x: Var): Var => unary('tanh', x);
/** Differentiable max(x, 0), with gradient 0 at 0; see {@link unary}. */
export const relu = (x: Var): Var => unary('relu', x);
/** Differentiable x·σ(x) (SiLU, swish); see {@link unary}. */
export const silu = (x: Var): Var => unary('silu', x);
/** Differentiable relu(x)²; see {@link unary}. */
export const squaredRelu = (x: Var): Var => unary('squared_relu', x);

/** Differentiable x^exponent (NaN for negative x and a non-integer exponent, as Math.pow); see {@link unary}. */
export function pow(x: Var, exponent: number): Var {
  return unary('pow', x, exponent);
}

/**
 * Differentiable GELU: exact 0.5·x·(1 + erf(x/√2)) by default, or GPT-2's tanh approximation with
 * `approximate: 'tanh'`, as the tensor package's gelu. See {@link unary} for shapes and errors.
 * @throws {TypeError} for another `approximate` value.
 */
export function gelu(x: Var, options: GeluOptions = {}): Var {
  const { approximate = 'none' } = options;
  // Checked at run time too: JS callers can pass any string.
  if (!['tanh', 'none'].includes(approximate)) {
    throw new TypeError(`gelu: approximate must be 'tanh' or 'none', found '${approximate}'`);
  }
  return unary(approximate === 'tanh' ? 'gelu_tanh' : 'gelu_erf', x);
}

/**
 * Differentiable x·c for a number c (attention's 1/√D, residual scaling); the backward adds c·dout.
 * @param x any shape, float32 or float64.
 * @returns x's shape and dtype.
 * @throws {DTypeError} when x is not float.
 */
export function scale(x: Var, c: number): Var {
  const out = output(x.value, x.shape);
  releasingOnError([out], () => {
    withContiguous(x.value, (cx) => T.mul(cx, c, out));
  });
  return opResult('scale', [x], out, (o) => {
    if (!x.requiresGrad) return;
    const scaled = output(o.grad!, o.shape);
    T.mul(o.grad!, c, scaled);
    const dx = gradOf(x);
    T.add(dx, scaled, dx);
    release(scaled);
  });
}

/**
 * Differentiable x + c for a number c; the backward adds dout unchanged.
 * @param x any shape, float32 or float64.
 * @returns x's shape and dtype.
 * @throws {DTypeError} when x is not float.
 */
export function addScalar(x: Var, c: number): Var {
  const out = output(x.value, x.shape);
  releasingOnError([out], () => {
    withContiguous(x.value, (cx) => T.add(cx, c, out));
  });
  return opResult('addScalar', [x], out, (o) => {
    if (!x.requiresGrad) return;
    const dx = gradOf(x);
    T.add(dx, o.grad!, dx);
  });
}
