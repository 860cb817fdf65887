// The error bounds each scheme documents, on random and adversarial matrices, and the exact cases.
import { PythonRandom } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { QuantError } from './errors';
import { type IntScheme, type QuantizedMatrix, codeAt, dequantizeMatrix, groupScalesAndOffsets, quantizeMatrix, quantizationError } from './matrix';
import { roundHalfEven } from './round';

const rng = new PythonRandom(5);
const gauss = (n: number, std = 1): Float32Array => Float32Array.from({ length: n }, () => rng.gauss(0, std));

/** The bound each scheme promises for element i of a group with scale s (and the group's min for int4-asym). */
function bound(m: QuantizedMatrix, values: ArrayLike<number>, i: number): number {
  const g = Math.floor(i / m.groupSize);
  const s = Math.abs(m.scales[m.perTensor ? 0 : g]!);
  const slack = 1e-6 * Math.abs(values[i]!) + 1e-30; // float32 rounding of s·q + offset
  if (m.scheme === 'int4') {
    const sameSign = Math.sign(values[i]!) !== Math.sign(m.scales[g]!); // d = m / −8 has the opposite sign of m
    return (sameSign ? s / 2 : s * (1 + 2 ** -8)) + slack; // fp16 rounding of d can push −m/d just past 8
  }
  if (m.scheme === 'int4-asym') {
    let lo = Infinity;
    for (let j = g * m.groupSize; j < (g + 1) * m.groupSize; j++) lo = Math.min(lo, values[j]!);
    return s / 2 + Math.abs(lo - m.minima![g]!) + slack;
  }
  return s / 2 + slack;
}

function checkBounds(values: Float32Array, rows: number, cols: number, scheme: IntScheme, perTensor = false): QuantizedMatrix {
  const m = quantizeMatrix(values, rows, cols, { scheme, perTensor });
  const decoded = dequantizeMatrix(m);
  for (let i = 0; i < values.length; i++) {
    expect(Number.isFinite(decoded[i]!)).toBe(true);
    const error = Math.abs(values[i]! - decoded[i]!);
    if (error > bound(m, values, i)) throw new Error(`${scheme}${perTensor ? ' per tensor' : ''}: element ${i} = ${values[i]} decodes to ${decoded[i]}, error ${error} > bound ${bound(m, values, i)}`);
  }
  return m;
}

const SCHEMES: [IntScheme, boolean][] = [['int8', false], ['int8', true], ['int8-asym', false], ['int8-asym', true], ['int4', false], ['int4-asym', false]];

describe('quantizeMatrix', () => {
  it.each(SCHEMES)('%s (per tensor: %s) stays within its bound on Gaussian, uniform and skewed weights', (scheme, perTensor) => {
    checkBounds(gauss(64 * 128, 0.02), 64, 128, scheme, perTensor);
    checkBounds(Float32Array.from({ length: 48 * 96 }, () => rng.random() * 2 - 1), 48, 96, scheme, perTensor);
    checkBounds(Float32Array.from({ length: 32 * 64 }, () => rng.random() * 5 + 3), 32, 64, scheme, perTensor); // all positive, away from 0
  });

  it.each(SCHEMES)('%s (per tensor: %s): constant rows, zero rows, huge outliers', (scheme, perTensor) => {
    const rows = 6;
    const cols = 64;
    const values = new Float32Array(rows * cols);
    values.fill(0.75, 0, cols); // constant
    // row 1 stays all zero
    values.fill(-3, 2 * cols, 3 * cols);
    values.set(gauss(cols, 0.01), 3 * cols);
    values[3 * cols + 7] = 1e4; // one outlier among small weights
    values.set(gauss(cols, 1e-3), 4 * cols);
    values[5 * cols + 1] = -2e4;
    const m = checkBounds(values, rows, cols, scheme, perTensor);
    const decoded = dequantizeMatrix(m);
    for (let c = 0; c < cols; c++) expect(decoded[cols + c]).toBe(0); // exact zeros
  });

  it('all zeros decode to exact zeros with zero scales in every scheme', () => {
    for (const [scheme, perTensor] of SCHEMES) {
      const m = quantizeMatrix(new Float32Array(4 * 32), 4, 32, { scheme, perTensor });
      expect(Array.from(dequantizeMatrix(m)).every((v) => Object.is(v, 0))).toBe(true);
      expect(Array.from(m.scales).every((s) => s === 0)).toBe(true);
    }
  });

  it('rounds ties to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, -2.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([0, 2, 2, -0, -2, -2, 2, 3]);
    // w / s = 0.5 and 1.5 exactly: s = 127 / 127 = 1 for a row whose largest value is 127.
    const m = quantizeMatrix(Float32Array.from([127, 0.5, 1.5, 2.5, -0.5, -3.5]), 1, 6, { scheme: 'int8' });
    expect(Array.from(m.codes)).toEqual([127, 0, 2, 2, 0, -4]);
  });

  it('int8 uses the full code range; int4 keeps two codes a byte in ggml’s layout', () => {
    const values = Float32Array.from({ length: 32 }, (_, i) => i - 16);
    const sym = quantizeMatrix(values, 1, 32, { scheme: 'int8' });
    expect(Math.min(...sym.codes)).toBe(-127);
    const asym = quantizeMatrix(values, 1, 32, { scheme: 'int8-asym' });
    expect(Math.min(...asym.codes)).toBe(-128);
    expect(Math.max(...asym.codes)).toBe(127);
    const q4 = quantizeMatrix(values, 1, 32, { scheme: 'int4' });
    expect(q4.codes).toHaveLength(16);
    expect(q4.scales[0]).toBe(2); // m = −16 → d = 2
    for (let j = 0; j < 16; j++) {
      expect(q4.codes[j]! & 15).toBe(codeAt(q4, j));
      expect(q4.codes[j]! >> 4).toBe(codeAt(q4, j + 16));
      expect(codeAt(q4, j)).toBe(roundHalfEven((j - 16) / 2) + 8);
    }
  });

  it('kernel scales and offsets decode the same values as dequantizeMatrix', () => {
    for (const [scheme, perTensor] of SCHEMES) {
      const values = gauss(8 * 64);
      const m = quantizeMatrix(values, 8, 64, { scheme, perTensor });
      const { scales, offsets } = groupScalesAndOffsets(m);
      expect(scales).toHaveLength((8 * 64) / m.groupSize);
      const decoded = dequantizeMatrix(m);
      for (let i = 0; i < values.length; i++) {
        const g = Math.floor(i / m.groupSize);
        const viaKernel = Math.fround(scales[g]! * codeAt(m, i) + (offsets?.[g] ?? 0));
        // int8-asym decodes s·(q − z) exactly; the kernel's float32 offset −s·z can differ in the last bits.
        if (scheme === 'int8-asym') expect(Math.abs(decoded[i]! - viaKernel)).toBeLessThanOrEqual(2 ** -23 * Math.abs(scales[g]! * 128));
        else expect(decoded[i]).toBe(viaKernel);
      }
    }
  });

  it('picks an even int4 group size that divides the row, or says why not', () => {
    expect(quantizeMatrix(gauss(4 * 16), 4, 16, { scheme: 'int4' }).groupSize).toBe(16);
    expect(quantizeMatrix(gauss(4 * 96), 4, 96, { scheme: 'int4' }).groupSize).toBe(32);
    expect(quantizeMatrix(gauss(2 * 20), 2, 20, { scheme: 'int4' }).groupSize).toBe(20);
    expect(() => quantizeMatrix(gauss(2 * 27), 2, 27, { scheme: 'int4' }, 'w')).toThrow('w: int4 needs an even number of inputs a row, found 27; use int8');
    expect(() => quantizeMatrix(gauss(2 * 64), 2, 64, { scheme: 'int4', groupSize: 24 }, 'w')).toThrow('w: int4 groupSize 24 must be even and divide the 64 inputs');
  });

  it('refuses NaN and infinities, naming row and column; shapes that do not match; per-tensor int4', () => {
    const values = gauss(3 * 8);
    values[13] = NaN;
    expect(() => quantizeMatrix(values, 3, 8, { scheme: 'int8' }, 'h.0.mlp.fc1.weight')).toThrow('h.0.mlp.fc1.weight: value at row 1, column 5 is NaN; only finite weights can be quantized');
    values[13] = -Infinity;
    expect(() => quantizeMatrix(values, 3, 8, { scheme: 'int4' }, 'w')).toThrow(QuantError);
    expect(() => quantizeMatrix(gauss(10), 3, 4, { scheme: 'int8' }, 'w')).toThrow('w: expected 3 × 4 values, found 10');
    expect(() => quantizeMatrix(gauss(64), 2, 32, { scheme: 'int4', perTensor: true }, 'w')).toThrow('per-tensor scales are for int8');
    const huge = gauss(32);
    huge[3] = 1e9;
    expect(() => quantizeMatrix(huge, 1, 32, { scheme: 'int4' }, 'w')).toThrow(/overflow int4's fp16 scales; use int8/);
  });

  it('reports the largest and mean absolute error', () => {
    const values = gauss(16 * 32);
    const m = quantizeMatrix(values, 16, 32, { scheme: 'int4' });
    const { maxAbs, meanAbs } = quantizationError(values, m);
    const decoded = dequantizeMatrix(m);
    const errors = Array.from(values, (v, i) => Math.abs(v - decoded[i]!));
    expect(maxAbs).toBe(Math.max(...errors));
    expect(meanAbs).toBeCloseTo(errors.reduce((a, b) => a + b, 0) / errors.length, 12);
    expect(meanAbs).toBeGreaterThan(0);
  });
});
