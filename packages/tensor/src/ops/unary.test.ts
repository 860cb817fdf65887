import { describe, expect, it } from 'vitest';
import type { UnaryOp } from '../backend';
import { UNARY_OP_DOMAINS, erf, erfc } from '../backends/js/unary';
import type { FloatDType } from '../dtype';
import { tensor, zeros } from '../create';
import { PythonRandom } from '../random/index';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { exp, gelu, log, neg, pow, relu, rsqrt, silu, sqrt, squaredRelu, tanh, unary, unaryBackward } from './unary';

const DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const GRAD_TOLERANCE = { atol: 1e-7, rtol: 1e-6 };

/** Plain float64 definitions; ops whose domain is `positive` (UNARY_OP_DOMAINS) are tested on x > 0 only. */
const REFERENCE: Record<UnaryOp, { f: (x: number, p: number) => number }> = {
  neg: { f: (x) => -x },
  exp: { f: (x) => Math.exp(x) },
  log: { f: (x) => Math.log(x) },
  sqrt: { f: (x) => Math.sqrt(x) },
  rsqrt: { f: (x) => 1 / Math.sqrt(x) },
  tanh: { f: (x) => (Math.exp(2 * x) - 1) / (Math.exp(2 * x) + 1) },
  pow: { f: (x, p) => x ** p },
  relu: { f: (x) => Math.max(x, 0) },
  gelu_tanh: { f: (x) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x ** 3))) },
  gelu_erf: { f: (x) => 0.5 * x * (1 + erf(x / Math.SQRT2)) },
  silu: { f: (x) => x / (1 + Math.exp(-x)) },
  squared_relu: { f: (x) => Math.max(x, 0) ** 2 },
};
const OPS = Object.keys(REFERENCE) as UnaryOp[];
const PARAM = 2.5;

/** Inputs of x's domain rounded to float32 and kept 0.05 away from 0 (relu's kink). */
function inputs(op: UnaryOp, n: number, seed: number): Float64Array {
  const rng = new PythonRandom(seed);
  return Float64Array.from({ length: n }, () => {
    const v = rng.gauss(0, 1.5);
    const away = v + Math.sign(v) * 0.05;
    return Math.fround(UNARY_OP_DOMAINS[op] === 'positive' ? Math.abs(away) : away);
  });
}

describe('erf', () => {
  it('matches known values to 1e-15 relative', () => {
    const known: [number, number][] = [
      [0.5, 0.5204998778130465],
      [1, 0.8427007929497149],
      [2, 0.9953222650189527],
      [-3, -0.9999779095030014],
      [0.01, 0.011283415555849618],
      [5, 0.9999999999984626],
      [0.46875, 0.49261347321793797],
      [4, 0.9999999845827421],
      [-1e-20, -1.1283791670955125e-20],
    ];
    for (const [x, value] of known) expect(Math.abs(erf(x) - value)).toBeLessThanOrEqual(1e-15 * Math.abs(value));
  });

  it('gives erfc accurately in its tail and handles the limits', () => {
    const known: [number, number][] = [
      [3, 2.209049699858544e-5],
      [5, 1.537459794428035e-12],
      [26, 5.663192408856143e-296],
      [10, 2.088487583762545e-45],
      [20, 5.395865611607901e-176],
      [-1, 1.8427007929497148],
      [0.3, 0.6713732405408726],
    ];
    for (const [x, value] of known) expect(Math.abs(erfc(x) - value)).toBeLessThanOrEqual(1e-14 * value);
    expect(erf(0)).toBe(0);
    expect(Object.is(erf(-0), -0)).toBe(true);
    expect(erf(Infinity)).toBe(1);
    expect(erf(-Infinity)).toBe(-1);
    expect(erfc(30)).toBe(0);
    expect(erfc(-30)).toBe(2);
    expect(erf(NaN)).toBeNaN();
  });

  it('is odd, and erf + erfc = 1', () => {
    for (const x of [0.1, 0.46875, 0.47, 1.3, 3.9, 4.1, 7]) {
      expect(erf(-x)).toBe(-erf(x));
      expect(erf(x) + erfc(x)).toBeCloseTo(1, 15);
    }
  });
});

describe('unary', () => {
  it('computes literal values', () => {
    const x = tensor([-2, -0.5, 0, 0.5, 4], { dtype: 'float64' });
    expect(neg(x).toList()).toEqual([2, 0.5, -0, -0.5, -4]);
    expect(relu(x).toList()).toEqual([0, 0, 0, 0.5, 4]);
    expect(squaredRelu(x).toList()).toEqual([0, 0, 0, 0.25, 16]);
    expect(pow(x, 2).toList()).toEqual([4, 0.25, 0, 0.25, 16]);
    const positive = tensor([0.25, 1, 4], { dtype: 'float64' });
    expect(sqrt(positive).toList()).toEqual([0.5, 1, 2]);
    expect(rsqrt(positive).toList()).toEqual([2, 1, 0.5]);
    expect(log(positive).toList()).toEqual([Math.log(0.25), 0, Math.log(4)]);
    expect(exp(tensor([0, 1], { dtype: 'float64' })).toList()).toEqual([1, Math.E]);
    expect(tanh(tensor([0], { dtype: 'float64' })).toList()).toEqual([0]);
  });

  it('matches high-precision GELU and SiLU values and derivatives, far negative tails included', () => {
    const x = tensor([-20, -6, -3, -1, -0.5, 0, 0.5, 1, 3, 10], { dtype: 'float64' });
    const ones = tensor(new Float64Array(10).fill(1));
    // From mpmath at 60 digits; the tails need x·erfc and x·σ(2u) forms rather than 1 + erf, 1 + tanh.
    const tol = { atol: 0, rtol: 1e-13 };
    assertClose(gelu(x), [-5.507248237212468e-88, -5.9195258702261885e-9, -0.0040496940948902835, -0.15865525393145705, -0.15426876936299344, 0, 0.34573123063700656, 0.8413447460685429, 2.99595030590511, 10], tol, 'gelu');
    assertClose(unaryBackward('gelu_erf', x, ones), [-1.1014360483133464e-86, -3.5468709453902015e-8, -0.011945647204183927, -0.0833154705876863, 0.13250487534383715, 0.5, 0.8674951246561629, 1.0833154705876864, 1.011945647204184, 1], tol, "gelu'");
    assertClose(gelu(x, { approximate: 'tanh' }), [-3.3754509563109673e-261, -8.439646700762297e-11, -0.003637392081773019, -0.1588080093917233, -0.15428599017485609, 0, 0.34571400982514394, 0.8411919906082767, 2.996362607918227, 10], tol, 'gelu tanh');
    assertClose(unaryBackward('gelu_tanh', x, ones), [-2.9424328724945027e-259, -7.709973930953696e-10, -0.011584166630969726, -0.08296408384578255, 0.1326300964653577, 0.5, 0.8673699035346423, 1.0829640838457826, 1.0115841666309697, 1], tol, "gelu tanh'");
    assertClose(silu(x), [-4.122307236380407e-8, -0.014835738939808645, -0.14227761953270035, -0.2689414213699951, -0.18877033439907273, 0, 0.3112296656009273, 0.7310585786300049, 2.8577223804672998, 9.999546021312975], tol, 'silu');
  });

  for (const op of OPS) {
    describe(op, () => {
      const param = op === 'pow' ? PARAM : undefined;
      const data = inputs(op, 37, OPS.indexOf(op) + 1);
      const expected = data.map((v) => REFERENCE[op].f(v, PARAM));

      it('matches the float64 reference in both dtypes, float32 within float32 tolerance', () => {
        for (const dtype of DTYPES) {
          const out = unary(op, tensor(data, { dtype, shape: [37] }), { param });
          expect(out.dtype).toBe(dtype);
          assertClose(out, expected, dtype === 'float32' ? FLOAT32_TOLERANCE : { atol: 1e-14, rtol: 1e-13 }, dtype);
        }
      });

      it('has a backward that matches central differences, and accumulates', () => {
        const x = tensor(data, { dtype: 'float64', shape: [37] });
        const w = tensor(inputs('neg', 37, 99), { dtype: 'float64' });
        const numeric = numericGradient(() => weightedSum(unary(op, x, { param }), w), x);
        const dx = unaryBackward(op, x, w, { param });
        assertClose(dx, numeric, GRAD_TOLERANCE, 'dx');
        expect(unaryBackward(op, x, w, { param, dx })).toBe(dx);
        assertClose(dx, numeric.map((g) => 2 * g), { atol: 2e-7, rtol: 1e-6 }, 'dx twice');
        const dx32 = unaryBackward(op, x.clone('float32'), w.clone('float32'), { param });
        assertClose(dx32, numeric, { atol: 1e-4, rtol: 1e-4 }, 'float32 dx');
      });

      it('reads non-contiguous inputs and writes in place', () => {
        const grid = tensor(data.subarray(0, 36), { dtype: 'float64', shape: [6, 6] });
        const transposed = grid.transpose();
        assertClose(unary(op, transposed, { param }), unary(op, transposed.clone(), { param }), FLOAT64_TOLERANCE);
        const dout = tensor(new Float64Array(36).fill(0.5), { shape: [6, 6] }).transpose();
        assertClose(unaryBackward(op, transposed, dout, { param }), unaryBackward(op, transposed.clone(), dout.clone(), { param }), FLOAT64_TOLERANCE);
        const y = grid.clone();
        expect(unary(op, y, { param, out: y })).toBe(y);
        assertClose(y, expected.subarray(0, 36), FLOAT64_TOLERANCE);
      });
    });
  }

  it('produces no NaN or infinity for large valid inputs in the bounded functions', () => {
    for (const dtype of DTYPES) {
      const big = dtype === 'float64' ? [-1e200, -1e103, -1000, -50, 50, 1000, 1e103, 1e200] : [-1e30, -1000, -50, 50, 1000, 1e30];
      const x = tensor(big, { dtype });
      const dout = tensor(big.map(() => 1), { dtype });
      for (const op of ['tanh', 'relu', 'gelu_tanh', 'gelu_erf', 'silu', 'neg'] as const) {
        for (const v of [...unary(op, x).toArray(), ...unaryBackward(op, x, dout).toArray()]) {
          expect(Number.isFinite(v), `${op} ${dtype}`).toBe(true);
        }
      }
      for (const op of ['exp', 'log', 'sqrt', 'rsqrt'] as const) {
        const logits = tensor([0.001, 1, 700, 1000].slice(0, dtype === 'float64' ? 3 : 2), { dtype });
        for (const v of [...unary(op, logits).toArray(), ...unaryBackward(op, logits, tensor(logits.toArray().map(() => 1), { dtype })).toArray()]) {
          expect(Number.isNaN(v), `${op} ${dtype}`).toBe(false);
        }
      }
    }
  });

  it('follows Math outside the domain and at the edges, and takes relu\'(0) = 0', () => {
    const x = tensor([-1, 0], { dtype: 'float64' });
    expect(log(x).toList()).toEqual([NaN, -Infinity]);
    expect(sqrt(x).toList()).toEqual([NaN, 0]);
    expect(rsqrt(x).toList()).toEqual([NaN, Infinity]);
    expect(pow(x, 0.5).toList()).toEqual([NaN, 0]);
    const zero = tensor([0], { dtype: 'float64' });
    const one = tensor([1], { dtype: 'float64' });
    expect(unaryBackward('relu', zero, one).toList()).toEqual([0]);
    expect(unaryBackward('squared_relu', zero, one).toList()).toEqual([0]);
    expect(unaryBackward('pow', zero, one, { param: 0 }).toList()).toEqual([0]);
    expect(unaryBackward('pow', zero, one, { param: 1 }).toList()).toEqual([1]);
    expect(unaryBackward('pow', zero, one, { param: 2 }).toList()).toEqual([0]);
    expect(pow(tensor([-2, 0], { dtype: 'float64' }), 0).toList()).toEqual([1, 1]);
  });

  it('handles empty tensors and scalars', () => {
    expect(exp(zeros([0, 3])).shape).toEqual([0, 3]);
    expect(unaryBackward('tanh', zeros([2, 0]), zeros([2, 0])).shape).toEqual([2, 0]);
    expect(exp(tensor(0, { dtype: 'float64' })).item()).toBe(1);
  });

  describe('errors', () => {
    it('rejects integer tensors', () => {
      expect(() => exp(tensor(new Int32Array([1])))).toThrow(/^exp: x must be float32 or float64, found int32$/);
    });
    it('checks out, dout and dx', () => {
      expect(() => tanh(zeros([2, 3]), zeros([3, 2]))).toThrow(/^tanh: out is \[3, 2\], expected \[2, 3\]$/);
      expect(() => unaryBackward('tanh', zeros([2, 3]), zeros([3]))).toThrow(/^tanh backward: dout is \[3\], expected \[2, 3\]$/);
      expect(() => unaryBackward('silu', zeros([2]), zeros([2], { dtype: 'float64' }))).toThrow(/^silu backward: dout must be float32, found float64$/);
      expect(() => unaryBackward('silu', zeros([2]), zeros([2]), { dx: zeros([1]) })).toThrow(/^silu backward: dx is \[1\], expected \[2\]$/);
    });
    it('needs the exponent for pow and a known GELU form', () => {
      expect(() => unary('pow', zeros([2]))).toThrow(/^pow: the exponent \(param\) is required$/);
      expect(() => unaryBackward('pow', zeros([2]), zeros([2]))).toThrow(/^pow: the exponent \(param\) is required$/);
      const approximate = 'sigmoid' as 'tanh';
      expect(() => gelu(zeros([2]), { approximate })).toThrow(/^gelu: approximate must be 'tanh' or 'none', found 'sigmoid'$/);
    });
  });
});
