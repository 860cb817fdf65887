import { describe, expect, it } from 'vitest';
import { randn, tensor, zeros } from '../create';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { layernorm, layernormBackward, rmsnorm, rmsnormBackward } from './norm';

const GRAD_TOLERANCE = { atol: 1e-8, rtol: 1e-7 };
const f64 = { dtype: 'float64' } as const;

/** Plain float64 RMSNorm / LayerNorm of rows of length c, with optional weight and bias. */
function naiveNorm(kind: 'rms' | 'layer', x: ArrayLike<number>, c: number, eps: number, w?: ArrayLike<number>, b?: ArrayLike<number>) {
  const out = new Float64Array(x.length);
  const means: number[] = [];
  const rstds: number[] = [];
  for (let row = 0; row < x.length / c; row++) {
    const xs = Array.from({ length: c }, (_, j) => x[row * c + j]!);
    const mean = kind === 'layer' ? xs.reduce((a, v) => a + v, 0) / c : 0;
    const rstd = 1 / Math.sqrt(xs.reduce((a, v) => a + (v - mean) ** 2, 0) / c + eps);
    means.push(mean);
    rstds.push(rstd);
    xs.forEach((v, j) => (out[row * c + j] = (v - mean) * rstd * (w ? w[j]! : 1) + (b ? b[j]! : 0)));
  }
  return { out, means, rstds };
}

describe('rmsnorm', () => {
  it('matches hand-computed values, with and without weight', () => {
    const x = tensor([1, 2, 3, 4], f64);
    // mean(x²) = 7.5; 1 / sqrt(7.5) = 0.3651483716701107
    const { out, rstd } = rmsnorm(x, null, { eps: 0 });
    assertClose(out, [0.3651483716701107, 0.7302967433402214, 1.0954451150103321, 1.4605934866804429], FLOAT64_TOLERANCE);
    expect(rstd.shape).toEqual([1]);
    assertClose(rstd, [0.3651483716701107], FLOAT64_TOLERANCE);
    const weighted = rmsnorm(x, tensor([1, 0.5, -1, 2], f64), { eps: 0 }).out;
    assertClose(weighted, [0.3651483716701107, 0.3651483716701107, -1.0954451150103321, 2.9211869733608857], FLOAT64_TOLERANCE);
  });

  it("matches microgpt.py's x * (mean(x²) + 1e-5) ** -0.5 by default", () => {
    const x = randn([3, 16], { seed: 1, ...f64 });
    const data = x.toArray();
    const expected = new Float64Array(48);
    for (let row = 0; row < 3; row++) {
      let ms = 0;
      for (let j = 0; j < 16; j++) ms += data[row * 16 + j]! * data[row * 16 + j]!;
      const scale = (ms / 16 + 1e-5) ** -0.5;
      for (let j = 0; j < 16; j++) expected[row * 16 + j] = data[row * 16 + j]! * scale;
    }
    assertClose(rmsnorm(x, null).out, expected, FLOAT64_TOLERANCE);
  });

  it('matches a naive float64 version on rank-3 input, and float32 is close', () => {
    const x = randn([2, 3, 7], { seed: 2, ...f64 });
    const w = randn([7], { seed: 3, ...f64 });
    const ref = naiveNorm('rms', x.toArray(), 7, 1e-5, w.toArray());
    const { out, rstd } = rmsnorm(x, w);
    expect(out.shape).toEqual([2, 3, 7]);
    expect(rstd.shape).toEqual([6]);
    assertClose(out, ref.out, FLOAT64_TOLERANCE);
    assertClose(rstd, ref.rstds, FLOAT64_TOLERANCE);
    assertClose(rmsnorm(x.clone('float32'), w.clone('float32')).out, ref.out, FLOAT32_TOLERANCE);
  });

  it('handles C = 1, N = 0, large values, and writes into given out and rstd', () => {
    assertClose(rmsnorm(tensor([[3], [-2]], f64), null, { eps: 0 }).out, [1, -1], FLOAT64_TOLERANCE);
    expect(rmsnorm(zeros([0, 4]), null).rstd.shape).toEqual([0]);
    assertClose(rmsnorm(tensor([1e6, -1e6, 1e6], f64), null).out, [1, -1, 1], FLOAT64_TOLERANCE);
    const out = zeros([2, 5], f64);
    const rstd = zeros([2], f64);
    const result = rmsnorm(randn([2, 5], { seed: 4, ...f64 }), null, { out, rstd });
    expect(result.out).toBe(out);
    expect(result.rstd).toBe(rstd);
    expect(Array.from(rstd.toArray()).every((r) => r > 0)).toBe(true);
  });

  it('rejects bad arguments with messages naming the op and shapes or dtypes', () => {
    const x = zeros([2, 4]);
    expect(() => rmsnorm(x, zeros([3]))).toThrow(/^rmsnorm: weight is \[3\], expected \[4\]$/);
    expect(() => rmsnorm(x, zeros([4], f64))).toThrow(/^rmsnorm: weight must be float32, found float64$/);
    expect(() => rmsnorm(tensor([1], { dtype: 'int32' }), null)).toThrow(/^rmsnorm: x must be float32 or float64, found int32$/);
    expect(() => rmsnorm(x, null, { rstd: zeros([4]) })).toThrow(/^rmsnorm: rstd is \[4\], expected \[2\]$/);
    expect(() => rmsnorm(x, null, { eps: -1 })).toThrow(/^rmsnorm: eps must be a finite number ≥ 0, found -1$/);
    const { rstd } = rmsnorm(x, null);
    expect(() => rmsnormBackward(x, null, rstd, zeros([4, 2]))).toThrow(/^rmsnormBackward: dout is \[4, 2\], expected \[2, 4\]$/);
    expect(() => rmsnormBackward(x, null, rstd, x, { dweight: zeros([4]) })).toThrow(
      /^rmsnormBackward: dweight \[4\] given, but weight is null$/,
    );
  });
});

describe('rmsnormBackward', () => {
  for (const withWeight of [true, false]) {
    it(`matches finite differences ${withWeight ? 'with' : 'without'} weight`, () => {
      const x = randn([3, 5], { seed: 5, ...f64 });
      const weight = withWeight ? randn([5], { seed: 6, ...f64 }) : null;
      const w = randn([3, 5], { seed: 7, ...f64 });
      const loss = (): number => weightedSum(rmsnorm(x, weight).out, w);
      const { rstd } = rmsnorm(x, weight);
      const { dx, dweight } = rmsnormBackward(x, weight, rstd, w);
      assertClose(dx, numericGradient(loss, x), GRAD_TOLERANCE, 'dx');
      if (weight) assertClose(dweight!, numericGradient(loss, weight), GRAD_TOLERANCE, 'dweight');
      else expect(dweight).toBeNull();
    });
  }

  it('adds into given gradients (twice doubles) and is close in float32', () => {
    const x = randn([2, 2, 7], { seed: 8, ...f64 });
    const weight = randn([7], { seed: 9, ...f64 });
    const dout = randn([2, 2, 7], { seed: 10, ...f64 });
    const { rstd } = rmsnorm(x, weight);
    const once = rmsnormBackward(x, weight, rstd, dout);
    const grads = { dx: zeros([2, 2, 7], f64), dweight: zeros([7], f64) };
    rmsnormBackward(x, weight, rstd, dout, grads);
    const twice = rmsnormBackward(x, weight, rstd, dout, grads);
    expect(twice.dx).toBe(grads.dx);
    assertClose(grads.dx, once.dx.toArray().map((g) => 2 * g), FLOAT64_TOLERANCE);
    assertClose(grads.dweight, once.dweight!.toArray().map((g) => 2 * g), FLOAT64_TOLERANCE);
    const [x32, w32, d32] = [x, weight, dout].map((t) => t.clone('float32')) as [Tensor, Tensor, Tensor];
    const g32 = rmsnormBackward(x32, w32, rmsnorm(x32, w32).rstd, d32);
    assertClose(g32.dx, once.dx, FLOAT32_TOLERANCE);
    assertClose(g32.dweight!, once.dweight!, FLOAT32_TOLERANCE);
  });
});

describe('layernorm', () => {
  it('matches hand-computed values', () => {
    // mean 2.5, variance 1.25, 1 / sqrt(1.25) = 0.894427190999916
    const { out, mean, rstd } = layernorm(tensor([1, 2, 3, 4], f64), null, null, { eps: 0 });
    assertClose(out, [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738], FLOAT64_TOLERANCE);
    assertClose(mean, [2.5], FLOAT64_TOLERANCE);
    assertClose(rstd, [0.894427190999916], FLOAT64_TOLERANCE);
    const affine = layernorm(tensor([1, 2, 3, 4], f64), tensor([2, 2, 2, 2], f64), tensor([1, 0, 0, -1], f64), { eps: 0 });
    assertClose(affine.out, [-1.6832815729997477, -0.8944271909999159, 0.8944271909999159, 1.6832815729997477], FLOAT64_TOLERANCE);
  });

  it('matches a naive float64 version with every weight/bias combination, and float32 is close', () => {
    const x = randn([2, 3, 6], { seed: 11, ...f64, mean: 3 });
    const w = randn([6], { seed: 12, ...f64 });
    const b = randn([6], { seed: 13, ...f64 });
    for (const [weight, bias] of [[w, b], [w, null], [null, b], [null, null]] as const) {
      const ref = naiveNorm('layer', x.toArray(), 6, 1e-5, weight?.toArray(), bias?.toArray());
      const got = layernorm(x, weight, bias);
      assertClose(got.out, ref.out, FLOAT64_TOLERANCE);
      assertClose(got.mean, ref.means, FLOAT64_TOLERANCE);
      assertClose(got.rstd, ref.rstds, FLOAT64_TOLERANCE);
      const f32 = layernorm(x.clone('float32'), weight?.clone('float32') ?? null, bias?.clone('float32') ?? null);
      assertClose(f32.out, ref.out, FLOAT32_TOLERANCE);
    }
  });

  it('stays accurate for a large mean, gives the bias for C = 1, and handles N = 0', () => {
    const shifted = layernorm(tensor([1e8 + 1, 1e8 + 2, 1e8 + 3, 1e8 + 4], f64), null, null, { eps: 0 }).out;
    assertClose(shifted, [-1.3416407864998738, -0.4472135954999579, 0.4472135954999579, 1.3416407864998738], FLOAT64_TOLERANCE);
    expect(Array.from(layernorm(tensor([[5], [-3]]), null, tensor([0.25])).out.toArray())).toEqual([0.25, 0.25]);
    expect(layernorm(zeros([0, 3]), null, null).out.shape).toEqual([0, 3]);
  });

  it('rejects bad arguments with messages naming the op and shapes', () => {
    expect(() => layernorm(zeros([2, 4]), null, zeros([5]))).toThrow(/^layernorm: bias is \[5\], expected \[4\]$/);
    expect(() => layernorm(zeros([2, 4]), null, null, { mean: zeros([3]) })).toThrow(/^layernorm: mean is \[3\], expected \[2\]$/);
    const x = zeros([2, 4]);
    const { mean, rstd } = layernorm(x, null, null);
    expect(() => layernormBackward(x, null, rstd, mean, x, { hasBias: false, dbias: zeros([4]) })).toThrow(
      /^layernormBackward: dbias \[4\] given, but hasBias is false$/,
    );
    expect(() => layernormBackward(x, null, mean, zeros([2], f64), x)).toThrow(/^layernormBackward: rstd must be float32, found float64$/);
  });
});

describe('layernormBackward', () => {
  const x = randn([3, 5], { seed: 14, ...f64 });
  const w = randn([3, 5], { seed: 15, ...f64 });

  for (const [withWeight, withBias] of [[true, true], [true, false], [false, true], [false, false]]) {
    it(`matches finite differences (weight: ${withWeight}, bias: ${withBias})`, () => {
      const weight = withWeight ? randn([5], { seed: 16, ...f64 }) : null;
      const bias = withBias ? randn([5], { seed: 17, ...f64 }) : null;
      const loss = (): number => weightedSum(layernorm(x, weight, bias).out, w);
      const { mean, rstd } = layernorm(x, weight, bias);
      const grads = layernormBackward(x, weight, mean, rstd, w, { hasBias: withBias });
      assertClose(grads.dx, numericGradient(loss, x), GRAD_TOLERANCE, 'dx');
      if (weight) assertClose(grads.dweight!, numericGradient(loss, weight), GRAD_TOLERANCE, 'dweight');
      else expect(grads.dweight).toBeNull();
      if (bias) assertClose(grads.dbias!, numericGradient(loss, bias), GRAD_TOLERANCE, 'dbias');
      else expect(grads.dbias).toBeNull();
    });
  }

  it('adds into given gradients (twice doubles), infers the bias from dbias, and is close in float32', () => {
    const weight = randn([5], { seed: 18, ...f64 });
    const { mean, rstd } = layernorm(x, weight, null);
    const once = layernormBackward(x, weight, mean, rstd, w, { hasBias: true });
    const grads = { dx: zeros([3, 5], f64), dweight: zeros([5], f64), dbias: zeros([5], f64) };
    layernormBackward(x, weight, mean, rstd, w, grads);
    expect(layernormBackward(x, weight, mean, rstd, w, grads).dbias).toBe(grads.dbias);
    assertClose(grads.dx, once.dx.toArray().map((g) => 2 * g), FLOAT64_TOLERANCE);
    assertClose(grads.dweight, once.dweight!.toArray().map((g) => 2 * g), FLOAT64_TOLERANCE);
    assertClose(grads.dbias, once.dbias!.toArray().map((g) => 2 * g), FLOAT64_TOLERANCE);
    const [x32, w32, d32] = [x, weight, w].map((t) => t.clone('float32')) as [Tensor, Tensor, Tensor];
    const stats = layernorm(x32, w32, null);
    const g32 = layernormBackward(x32, w32, stats.mean, stats.rstd, d32, { hasBias: true });
    assertClose(g32.dx, once.dx, FLOAT32_TOLERANCE);
    assertClose(g32.dweight!, once.dweight!, FLOAT32_TOLERANCE);
    assertClose(g32.dbias!, once.dbias!, FLOAT32_TOLERANCE);
  });
});
