// unary and unaryBackward: one shader per function, the function and its derivative spliced in as WGSL
// expressions of `x` (and `g`, the incoming gradient), in float32.
import type { Kernels, UnaryArgs, UnaryBackwardArgs, UnaryOp } from '@microgpt/tensor';
import type { GpuRuntime } from '../runtime';
import { ENTRY, memo, packParams, uniform } from '../wgsl';
import { dispatchContiguous } from './split';

/**
 * Helpers the expressions use. erfc is Numerical Recipes' Chebyshev fit (relative error below 1.2e-7 everywhere,
 * so gelu_erf keeps its tiny values for very negative inputs); tanh clamps its argument because a tanh computed
 * as sinh/cosh overflows to NaN past about 89; pow follows C's pow for negative bases with integral exponents
 * and for zero.
 */
const HELPERS = /* wgsl */ `
fn erfc_(x: f32) -> f32 {
  let z = abs(x);
  let t = 1.0 / (1.0 + 0.5 * z);
  let r = t * exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 +
    t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
  return select(2.0 - r, r, x >= 0.0);
}
fn tanh_(x: f32) -> f32 { return tanh(clamp(x, -15.0, 15.0)); }
fn sigmoid_(x: f32) -> f32 { return 1.0 / (1.0 + exp(-x)); }
// Bit patterns through a variable: a constant infinity or NaN does not compile.
fn bits_(b: u32) -> f32 { var v = b; return bitcast<f32>(v); }
fn pow_(x: f32, e: f32) -> f32 {
  if (x == 0.0) { return select(select(1.0, 0.0, e > 0.0), bits_(0x7f800000u), e < 0.0); }
  if (x > 0.0) { return pow(x, e); }
  if (e != floor(e)) { return bits_(0x7fc00000u); }
  let m = pow(-x, e);
  return select(m, -m, abs(e % 2.0) == 1.0);
}
const SQRT_2_OVER_PI: f32 = 0.7978845608028654;
const INV_SQRT_2: f32 = 0.7071067811865476;
const INV_SQRT_2PI: f32 = 0.3989422804014327;
const CUBIC: f32 = 0.044715;
fn gelu_s(v: f32) -> f32 { return sigmoid_(2.0 * SQRT_2_OVER_PI * (v + CUBIC * v * v * v)); }
`;

/** f(x) and g · f'(x) per function (`p.param` is pow's exponent). */
const FORMULAS: Record<UnaryOp, readonly [string, string]> = {
  neg: ['-x', '-g'],
  exp: ['exp(x)', 'g * exp(x)'],
  log: ['log(x)', 'g / x'],
  sqrt: ['sqrt(x)', '0.5 * g / sqrt(x)'],
  rsqrt: ['inverseSqrt(x)', '-0.5 * g * inverseSqrt(x) * inverseSqrt(x) * inverseSqrt(x)'],
  tanh: ['tanh_(x)', 'g * (1.0 - tanh_(x) * tanh_(x))'],
  pow: ['pow_(x, p.param)', 'select(g * p.param * pow_(x, p.param - 1.0), 0.0, p.param == 0.0)'],
  relu: ['max(x, 0.0)', 'select(0.0, g, x > 0.0)'],
  gelu_tanh: [
    'x * gelu_s(x)',
    // s(1 - s) = 0 far from 0, where the cubic may have overflowed: the second term is then 0, not 0 · ∞.
    'g * (gelu_s(x) + select(2.0 * gelu_s(x) * (1.0 - gelu_s(x)) * x * SQRT_2_OVER_PI * (1.0 + 3.0 * CUBIC * x * x), 0.0, gelu_s(x) * (1.0 - gelu_s(x)) == 0.0))',
  ],
  gelu_erf: ['0.5 * x * erfc_(-x * INV_SQRT_2)', 'g * (0.5 * erfc_(-x * INV_SQRT_2) + x * INV_SQRT_2PI * exp(-0.5 * x * x))'],
  silu: ['x * sigmoid_(x)', 'g * sigmoid_(x) * (1.0 + x * (1.0 - sigmoid_(x)))'],
  squared_relu: ['select(0.0, x * x, x > 0.0)', 'select(0.0, 2.0 * g * x, x > 0.0)'],
};

function shader(op: UnaryOp, backward: boolean): string {
  return memo(`unary:${op}:${backward}`, () => code(op, backward));
}

function code(op: UnaryOp, backward: boolean): string {
  const [forward, derivative] = FORMULAS[op];
  const body = backward
    ? `let x = t_x[p.xOffset + i]; let g = t_g[p.gOffset + i]; t_out[p.outOffset + i] += ${derivative};`
    : `let x = t_x[p.xOffset + i]; t_out[p.outOffset + i] = ${forward};`;
  return /* wgsl */ `
${uniform('n: u32, xOffset: u32, gOffset: u32, outOffset: u32, param: f32')}
${HELPERS}
${ENTRY}
  if (i >= p.n) { return; }
  ${body}
}`;
}

/** unary and unaryBackward on `rt` (float32). */
export function unaryKernels(rt: GpuRuntime): Partial<Kernels> {
  return {
    unary({ op, x, out, param }: UnaryArgs) {
      dispatchContiguous(rt, shader(op, false), [['t_x', x], ['t_out', out]], x.size, (start, count) =>
        packParams([{ u: count }, { u: x.offset + start }, { u: 0 }, { u: out.offset + start }, { f: param }]));
    },
    unaryBackward({ op, x, dout, dx, param }: UnaryBackwardArgs) {
      dispatchContiguous(rt, shader(op, true), [['t_x', x], ['t_g', dout], ['t_out', dx]], x.size, (start, count) =>
        packParams([{ u: count }, { u: x.offset + start }, { u: dout.offset + start }, { u: dx.offset + start }, { f: param }]));
    },
  };
}
