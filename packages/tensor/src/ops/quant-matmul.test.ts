// The reference quantized matmul against a plain dequantize-then-matmul in float64, the int16 activation bound,
// and argument errors. (The wasm kernel is checked against this reference by the conformance suite.)
import { describe, expect, it } from 'vitest';
import { tensor } from '../create';
import { PythonRandom } from '../random/index';
import { quantMatmul } from './quant-matmul';

const rng = new PythonRandom(11);

/** Random codes, scales and offsets for W (N, K) in groups of G, and W decoded independently of the kernel. */
function weights(N: number, K: number, G: number, format: 'int8' | 'int4', withOffsets: boolean) {
  const q = Int32Array.from({ length: N * K }, () => (format === 'int8' ? Math.floor(rng.random() * 256) - 128 : Math.floor(rng.random() * 16)));
  const bytes = new Uint8Array(format === 'int8' ? N * K : (N * K) / 2);
  for (let i = 0; i < N * K; i++) {
    if (format === 'int8') bytes[i] = q[i]! & 255;
    else {
      const group = Math.floor(i / G);
      const j = i % G;
      const at = group * (G / 2) + (j % (G / 2));
      bytes[at]! |= j < G / 2 ? q[i]! : q[i]! << 4;
    }
  }
  const groups = K / G;
  const scales = Float32Array.from({ length: N * groups }, () => Math.fround(rng.random() * 0.02));
  const offsets = withOffsets ? Float32Array.from({ length: N * groups }, () => Math.fround(rng.gauss(0, 0.1))) : null;
  const decoded = Float64Array.from(q, (code, i) => {
    const g = Math.floor(i / K) * groups + Math.floor((i % K) / G);
    return scales[g]! * code + (offsets ? offsets[g]! : 0);
  });
  return {
    args: { codes: tensor(bytes), scales: tensor(scales, { shape: [N, groups] }), offsets: offsets ? tensor(offsets, { shape: [N, groups] }) : null, format, groupSize: G },
    decoded,
  };
}

/** x · Wᵀ in float64. */
function reference(x: Float64Array, W: Float64Array, M: number, N: number, K: number): Float64Array {
  const out = new Float64Array(M * N);
  for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[m * N + n]! += x[m * K + k]! * W[n * K + k]!;
  return out;
}

describe('quantMatmul (js reference)', () => {
  it.each([
    [4, 24, 64, 64, 'int8', false],
    [3, 10, 64, 32, 'int8', true],
    [4, 24, 64, 32, 'int4', false],
    [2, 7, 96, 32, 'int4', true],
    [1, 5, 20, 10, 'int4', true],
  ] as const)('%i×%i·(%i groups of %i) %s, offsets %s: equals dequantize-then-matmul; int16 within its bound', (M, N, K, G, format, withOffsets) => {
    const { args, decoded } = weights(N, K, G, format, withOffsets);
    const xValues = Float64Array.from({ length: M * K }, () => rng.gauss(0, 1));
    const x = tensor(xValues, { shape: [M, K], dtype: 'float64' });
    const want = reference(xValues, decoded, M, N, K);
    const got = quantMatmul(x, args).toArray();
    for (let i = 0; i < want.length; i++) expect(got[i]).toBeCloseTo(want[i]!, 12);
    // int16: xq is x / sx rounded to float32 (off by ≤ 2⁻²⁴ · 32767 < 2⁻⁹) then to an integer (≤ 1/2), so each x
    // moves by at most sx · (1/2 + 2⁻⁹), sx = float32(max|x_row| / 32767), and out by that times Σ_k |W[n, k]|.
    const rounded = quantMatmul(x, args, { activations: 'int16' }).toArray();
    for (let m = 0; m < M; m++) {
      const sx = Math.fround(Math.max(...Array.from(xValues.subarray(m * K, (m + 1) * K), Math.abs)) / 32767);
      for (let n = 0; n < N; n++) {
        let l1 = 0;
        for (let k = 0; k < K; k++) l1 += Math.abs(decoded[n * K + k]!);
        expect(Math.abs(rounded[m * N + n]! - want[m * N + n]!)).toBeLessThanOrEqual(sx * (0.5 + 2 ** -9) * l1 + 1e-12);
      }
    }
  });

  it('a row of zeros gives zeros in both modes', () => {
    const { args } = weights(3, 32, 32, 'int4', true);
    const x = tensor(new Float32Array(2 * 32), { shape: [2, 32] });
    for (const activations of ['float', 'int16'] as const) expect(Array.from(quantMatmul(x, args, { activations }).toArray())).toEqual(new Array(6).fill(0));
  });

  it('names what does not fit', () => {
    const { args } = weights(4, 64, 32, 'int4', false);
    const x = tensor(new Float32Array(2 * 64), { shape: [2, 64] });
    expect(() => quantMatmul(tensor(new Float32Array(2 * 60), { shape: [2, 60] }), args)).toThrow('quantMatmul: groupSize 32 must divide K = 60 and be even (int4)');
    expect(() => quantMatmul(x, { ...args, groupSize: 16 })).toThrow('quantMatmul: scales is [4, 2], expected (N, 4) for K = 64 in groups of 16');
    // @ts-expect-error: a caller without types can pass anything
    expect(() => quantMatmul(x, args, { activations: 'int8' })).toThrow("quantMatmul: activations must be 'float' or 'int16', found int8");
    expect(() => quantMatmul(x, { ...args, codes: tensor(new Uint8Array(10)) })).toThrow('quantMatmul: codes is [10], expected [128]');
    expect(() => quantMatmul(x, { ...args, codes: tensor(new Int32Array(128)) })).toThrow('quantMatmul: codes must be uint8, found int32');
    expect(() => quantMatmul(x, { ...args, scales: tensor(new Float64Array(8), { shape: [4, 2], dtype: 'float64' }) })).toThrow('quantMatmul: scales must be float32, found float64');
    expect(() => quantMatmul(x, { ...args, offsets: tensor(new Float32Array(4), { shape: [4, 1] }) })).toThrow('quantMatmul: offsets is [4, 1], expected [4, 2]');
  });
});
