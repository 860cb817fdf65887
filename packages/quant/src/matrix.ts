// A weight matrix (rows = output channels, cols = inputs) in quantized form, the schemes that make one, and
// what the quantized matmul kernel needs from it. Every scheme decodes as W[r, c] = scale · q + offset per group
// of consecutive inputs of a row (a whole row for int8, 32 inputs for int4).
import { QuantError } from './errors';
import { quantizeInt4Group, quantizeInt4SymGroup } from './int4';
import { quantizeInt8Asym, quantizeInt8Sym } from './int8';

/** Integer schemes. */
export type IntScheme = 'int8' | 'int8-asym' | 'int4' | 'int4-asym';

/** How to quantize a matrix. */
export interface QuantizeOptions {
  /** The integer scheme (see {@link QuantizedMatrix} for what each stores and its error bound). */
  readonly scheme: IntScheme;
  /** int8 only: one scale (and zero point) for the whole matrix instead of one per row. Default false. */
  readonly perTensor?: boolean;
  /** int4 only: inputs per group, even and dividing cols. Default 32, or the largest even divisor of cols below it. */
  readonly groupSize?: number;
}

/**
 * A (rows, cols) matrix in quantized form.
 * - `int8`: q = round(w / s) in [−127, 127], s = max|w| / 127 per row (or tensor); ŵ = s·q. Error ≤ s/2.
 * - `int8-asym`: the range [min, max] (widened to hold 0) in 256 steps: s = (max − min)/255, zero point z in
 *   [−128, 127], q = round(w / s) + z; ŵ = s·(q − z). Error ≤ s/2.
 * - `int4` (ggml's Q4_0): per group of G inputs, d = m / −8 where m is the value of largest magnitude (d kept as
 *   fp16), q = round(w / d) + 8 in [0, 15]; ŵ = d·(q − 8). Error ≤ |d|/2 for values of m's sign, ≤ |d| for the
 *   other sign (the range is −8…7).
 * - `int4-asym` (Q4_1): per group d = (max − min)/15 and the minimum m (both fp16), q = round((w − m)/d) in
 *   [0, 15]; ŵ = d·q + m. Error ≤ d/2 (+ fp16 rounding of m).
 * Rounding is to nearest, ties to even. A group whose scale is 0 (all zeros, or constant for int4-asym) has q
 * at zero and decodes exactly (never NaN); an int4 scale below fp16's range (|d| < 2^−25) rounds to 0 and its
 * group decodes as zeros (int4-asym: as the minimum). `scales` holds int4 scales already rounded to fp16.
 */
export interface QuantizedMatrix {
  /** The scheme the codes are in. */
  readonly scheme: IntScheme;
  /** Number of rows (output channels of a linear layer). */
  readonly rows: number;
  /** Number of columns (inputs of a linear layer). */
  readonly cols: number;
  /** Inputs per scale: cols for int8, G for int4. */
  readonly groupSize: number;
  /** int8: one scale for the whole matrix. */
  readonly perTensor: boolean;
  /** int8: rows·cols signed bytes, row-major. int4: rows·cols/2 bytes; in each group of G, byte j holds q of input j (low nibble) and of input j + G/2 (high nibble). */
  readonly codes: Int8Array | Uint8Array;
  /** (rows, cols / groupSize) scales, or (1) per tensor. */
  readonly scales: Float32Array;
  /** int8-asym: zero points, same layout as scales; else null. */
  readonly zeroPoints: Int8Array | null;
  /** int4-asym: group minima (fp16 values), same layout as scales; else null. */
  readonly minima: Float32Array | null;
}

/** The group size of an int4 matrix with `cols` inputs. @throws {QuantError} when there is none. */
export function int4GroupSize(cols: number, requested: number | undefined, name: string): number {
  if (requested !== undefined) {
    if (!(Number.isSafeInteger(requested) && requested >= 2 && requested % 2 === 0 && cols % requested === 0)) {
      throw new QuantError(`${name}: int4 groupSize ${requested} must be even and divide the ${cols} inputs`);
    }
    return requested;
  }
  for (let g = Math.min(32, cols); g >= 2; g--) if (g % 2 === 0 && cols % g === 0) return g;
  throw new QuantError(`${name}: int4 needs an even number of inputs a row, found ${cols}; use int8`);
}

/** Checks that every value is finite. @throws {QuantError} naming the first NaN or infinity by row and column. */
function checkFinite(values: ArrayLike<number>, cols: number, name: string): void {
  for (let i = 0; i < values.length; i++) {
    if (!Number.isFinite(values[i]!)) throw new QuantError(`${name}: value at row ${Math.floor(i / cols)}, column ${i % cols} is ${values[i]}; only finite weights can be quantized`);
  }
}

/**
 * Quantizes `values`, a (rows, cols) row-major matrix named `name` (for messages), with `options`.
 * @throws {QuantError} for NaN or infinite values (naming row and column), a shape that does not match, or an
 * int4 matrix whose rows cannot be split in even groups.
 */
export function quantizeMatrix(values: ArrayLike<number>, rows: number, cols: number, options: QuantizeOptions, name = 'matrix'): QuantizedMatrix {
  if (!(Number.isSafeInteger(rows) && Number.isSafeInteger(cols) && rows >= 0 && cols >= 1 && values.length === rows * cols)) {
    throw new QuantError(`${name}: expected ${rows} × ${cols} values, found ${values.length}`);
  }
  checkFinite(values, cols, name);
  const { scheme } = options;
  const perTensor = options.perTensor === true;
  if (perTensor && (scheme === 'int4' || scheme === 'int4-asym')) throw new QuantError(`${name}: per-tensor scales are for int8; int4 is grouped`);
  if (scheme === 'int8' || scheme === 'int8-asym') {
    const codes = new Int8Array(rows * cols);
    const groups = perTensor ? 1 : rows;
    const span = perTensor ? rows * cols : cols;
    const scales = new Float32Array(groups);
    const zeroPoints = scheme === 'int8-asym' ? new Int8Array(groups) : null;
    for (let g = 0; g < groups; g++) {
      const from = g * span;
      if (zeroPoints) {
        const { scale, zeroPoint } = quantizeInt8Asym(values, from, span, codes);
        scales[g] = scale;
        zeroPoints[g] = zeroPoint;
      } else {
        scales[g] = quantizeInt8Sym(values, from, span, codes);
      }
    }
    return { scheme, rows, cols, groupSize: cols, perTensor, codes, scales, zeroPoints, minima: null };
  }
  if (!(['int4', 'int4-asym'] as string[]).includes(scheme)) throw new QuantError(`${name}: unknown scheme '${scheme}'; schemes: int8, int8-asym, int4, int4-asym`);
  const G = int4GroupSize(cols, options.groupSize, name);
  const groups = (rows * cols) / G;
  const codes = new Uint8Array((rows * cols) / 2);
  const scales = new Float32Array(groups);
  const minima = scheme === 'int4-asym' ? new Float32Array(groups) : null;
  for (let g = 0; g < groups; g++) {
    if (minima) {
      const { scale, minimum } = quantizeInt4Group(values, g * G, G, codes);
      scales[g] = scale;
      minima[g] = minimum;
    } else {
      scales[g] = quantizeInt4SymGroup(values, g * G, G, codes);
    }
    if (!Number.isFinite(scales[g]!) || (minima && !Number.isFinite(minima[g]!))) {
      const row = Math.floor((g * G) / cols);
      throw new QuantError(`${name}: row ${row}, inputs ${(g * G) % cols}…${((g * G) % cols) + G - 1}: values this large (beyond ±${65504 * 8} for int4, ±65504 for int4-asym) overflow int4's fp16 scales; use int8`);
    }
  }
  return { scheme, rows, cols, groupSize: G, perTensor: false, codes, scales, zeroPoints: null, minima };
}

/** q of element `i` (row-major) of `m`: the signed byte (int8) or the nibble 0…15 (int4). */
export function codeAt(m: QuantizedMatrix, i: number): number {
  if (m.scheme === 'int8' || m.scheme === 'int8-asym') return m.codes[i]!;
  const G = m.groupSize;
  const group = Math.floor(i / G);
  const j = i - group * G;
  const byte = m.codes[group * (G / 2) + (j % (G / 2))]!;
  return j < G / 2 ? byte & 15 : byte >> 4;
}

/**
 * The kernel's per-group scale and offset of `m`, each (rows, cols / groupSize): ŵ = scale · q + offset
 * (int8: offset −s·z; int4: −8d; int4-asym: the minimum). Per-tensor scales are repeated for every row.
 */
export function groupScalesAndOffsets(m: QuantizedMatrix): {
  /** Scale per group, (rows, cols / groupSize) row-major. */
  scales: Float32Array;
  /** Offset per group, same layout; null for symmetric int8 (offset 0). */
  offsets: Float32Array | null;
} {
  const groups = (m.rows * m.cols) / m.groupSize;
  const scales = new Float32Array(groups);
  for (let g = 0; g < groups; g++) scales[g] = m.scales[m.perTensor ? 0 : g]!;
  if (m.scheme === 'int8') return { scales, offsets: null };
  const offsets = new Float32Array(groups);
  for (let g = 0; g < groups; g++) {
    const at = m.perTensor ? 0 : g;
    offsets[g] = m.scheme === 'int8-asym' ? -m.scales[at]! * m.zeroPoints![at]! : m.scheme === 'int4' ? -8 * m.scales[at]! : m.minima![at]!;
  }
  return { scales, offsets };
}

/**
 * The float32 values `m` stands for, row-major (rows, cols): ŵ = scale · q + offset, and for int8-asym
 * s · (q − z) (so that the zero point decodes to exactly 0).
 */
export function dequantizeMatrix(m: QuantizedMatrix): Float32Array {
  const { scales, offsets } = groupScalesAndOffsets(m);
  const out = new Float32Array(m.rows * m.cols);
  for (let i = 0; i < out.length; i++) {
    const g = Math.floor(i / m.groupSize);
    if (m.zeroPoints) out[i] = scales[g]! * (codeAt(m, i) - m.zeroPoints[m.perTensor ? 0 : g]!);
    else out[i] = scales[g]! * codeAt(m, i) + (offsets ? offsets[g]! : 0);
  }
  return out;
}

/** Largest and mean absolute difference of two equally long arrays. */
export function absoluteError(a: ArrayLike<number>, b: ArrayLike<number>): { maxAbs: number; meanAbs: number } {
  let maxAbs = 0;
  let sum = 0;
  for (let i = 0; i < a.length; i++) {
    const e = Math.abs(a[i]! - b[i]!);
    maxAbs = Math.max(maxAbs, e);
    sum += e;
  }
  return { maxAbs, meanAbs: a.length === 0 ? 0 : sum / a.length };
}

/** Largest and mean absolute difference between `values` and what `m` decodes to. */
export function quantizationError(values: ArrayLike<number>, m: QuantizedMatrix): {
  /** Largest |value − decoded| over the matrix. */
  maxAbs: number;
  /** Mean |value − decoded| (0 for an empty matrix). */
  meanAbs: number;
} {
  return absoluteError(values, dequantizeMatrix(m));
}
