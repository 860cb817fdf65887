// The reference quantized matmul: decode each weight from its code, scale and offset, and sum in float64. In
// `int16` mode the activations are first rounded to int16 per row with the float32 arithmetic the fast kernels
// use, so they and this reference round every activation the same way and differ only in summation.
// Argument types first, then the JS kernels; the family's conformance cases are in quant-matmul.cases.ts.
import type { Tensor } from '../../tensor';
import { dataOf, floatsOf } from './storage';

/**
 * Linear layer with quantized weights (inference): out (M, N) = x (M, K) · Wᵀ, where W (N, K) is decoded per group
 * of `groupSize` consecutive inputs of a row: W[n, k] = scales[n, g] · q[n, k] + offsets[n, g], g = ⌊k / groupSize⌋
 * (offsets null = 0).
 * - `int8`: codes holds N·K bytes, row-major; q is the byte read as a signed int8.
 * - `int4`: codes holds N·K/2 bytes; each group of G inputs is G/2 bytes, byte j holding q of input j (low
 *   nibble) and of input j + G/2 (high nibble), ggml's Q4_0 layout for G = 32; q is the nibble, 0…15.
 * `activations`: `float` multiplies x by the decoded weights; `int16` first rounds each row of x to int16 with
 * scale sx = max|x_row| / 32767, in float32 like the kernels: xq = the nearest integer to float32(x / sx) (ties to
 * even, clamped to ±32767; a row of zeros has sx = 0 and xq = 0), so |x − sx·xq| ≤ sx · (1/2 + 2⁻⁹) for a normal
 * sx. Each group's dot product is then exact in integers:
 * out[m, n] = sx · Σ_g (scales[n, g] · Σ_k xq·q + offsets[n, g] · Σ_k xq).
 * x: (M, K) float; codes: uint8; scales, offsets: (N, K / groupSize) float32; out: (M, N) of x's dtype,
 * overwritten. All contiguous; groupSize divides K (and is even for int4).
 */
export interface QuantMatmulArgs {
  /** Activations, (M, K) float, contiguous. */
  x: Tensor;
  /** Packed weight codes, uint8: N·K bytes for int8, N·K/2 for int4 (layout above). */
  codes: Tensor;
  /** Per-group scale, (N, K / groupSize) float32. */
  scales: Tensor;
  /** Per-group offset (asymmetric quantization), (N, K / groupSize) float32, or null for symmetric (offset 0). */
  offsets: Tensor | null;
  /** Code width: one signed byte per weight (`int8`) or one unsigned nibble (`int4`). */
  format: 'int8' | 'int4';
  /** Consecutive inputs of a weight row that share one scale and offset; divides K, even for int4. */
  groupSize: number;
  /**
   * `float` multiplies x as is; `int16` first quantizes each row of x to int16 (see above), faster on integer SIMD
   * and slightly less exact.
   */
  activations: 'float' | 'int16';
  /** Result, (M, N) of x's dtype, overwritten. */
  out: Tensor;
}

/** Rounds half to even (IEEE's default; Math.round rounds ties up). */
function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/**
 * row (K) rounded in place to int16: sx = float32(max|row| / 32767), each value to the nearest integer of
 * float32(value / sx), clamped to ±32767 (reached only when sx is subnormal). Returns sx; a row of zeros (or
 * one whose sx underflows) has sx = 0 and becomes zeros.
 */
function roundRowToInt16(row: Float64Array): number {
  let amax = 0;
  for (const value of row) amax = Math.max(amax, Math.abs(value));
  const sx = Math.fround(amax / 32767);
  for (let k = 0; k < row.length; k++) row[k] = sx === 0 ? 0 : Math.min(32767, Math.max(-32767, roundHalfEven(Math.fround(row[k]! / sx))));
  return sx;
}

/** q of input k of row n: the signed byte (int8) or the nibble (int4, Q4_0 layout within each group). */
function codeOf(codes: ArrayLike<number>, base: number, format: 'int8' | 'int4', K: number, G: number, n: number, k: number): number {
  if (format === 'int8') {
    const byte = codes[base + n * K + k]!;
    return byte > 127 ? byte - 256 : byte;
  }
  const j = k % G;
  const byte = codes[base + (n * K + k - j) / 2 + (j % (G / 2))]!;
  return j < G / 2 ? byte & 15 : byte >> 4;
}

/** out (M, N) = x (M, K) · Ŵᵀ for quantized W (see QuantMatmulArgs). */
export function quantMatmul({ x, codes, scales, offsets, format, groupSize: G, activations, out }: QuantMatmulArgs): void {
  const [M = 0, K = 0] = x.shape;
  const N = out.shape[1] ?? 0;
  const X = floatsOf(x);
  const Q = dataOf(codes);
  const S = floatsOf(scales);
  const O = offsets ? floatsOf(offsets) : null;
  const Y = floatsOf(out);
  const groups = K / G;
  const row = new Float64Array(K);
  for (let m = 0; m < M; m++) {
    let sx = 1;
    for (let k = 0; k < K; k++) row[k] = X[x.offset + m * K + k]!;
    if (activations === 'int16') sx = roundRowToInt16(row);
    for (let n = 0; n < N; n++) {
      let total = 0;
      for (let g = 0; g < groups; g++) {
        let dot = 0;
        let sum = 0;
        for (let k = g * G; k < (g + 1) * G; k++) {
          dot += row[k]! * codeOf(Q, codes.offset, format, K, G, n, k);
          sum += row[k]!;
        }
        total += S[scales.offset + n * groups + g]! * dot + (O ? O[offsets!.offset + n * groups + g]! * sum : 0);
      }
      Y[out.offset + m * N + n] = sx * total;
    }
  }
}
