// The quantized linear product for inference, checked and dispatched to the backend's quantMatmul kernel.
import type { QuantMatmulArgs } from '../backend';
import { kernel, sameBackend } from '../dispatch';
import { ShapeError, formatShape } from '../errors';
import type { Tensor } from '../tensor';
import { expectBuffer, expectDType, expectFloat, expectRank, outputTensor } from './checks';

/** Quantized weights: W (N, K) as codes, per-group scales and offsets (see QuantMatmulArgs). */
export interface QuantizedWeights {
  /** int8: (N·K) bytes; int4: (N·K/2) bytes. */
  readonly codes: Tensor;
  /** (N, K / groupSize) float32. */
  readonly scales: Tensor;
  /** (N, K / groupSize) float32, or null for none. */
  readonly offsets: Tensor | null;
  /** Code width: one signed byte per weight (`int8`) or one unsigned nibble, two per byte (`int4`, ggml Q4_0 order). */
  readonly format: 'int8' | 'int4';
  /** Consecutive inputs of a weight row sharing one scale and offset; divides K (and is even for int4). */
  readonly groupSize: number;
}

/**
 * x (M, K) · Ŵᵀ where Ŵ (N, K) is decoded from quantized `weights` (W[n, k] = scale · q + offset per group).
 * @param options.activations `float` (default), or `int16` to round each row of x to int16 and multiply in integers.
 * @returns (M, N) of x's dtype (written into `options.out` when given).
 * @throws {ShapeError} when codes, scales or offsets do not fit (N, K) and the group size, or the group size
 * does not divide K (or is odd for int4).
 * @throws {TypeError} for a format other than int8/int4 or activations other than float/int16.
 * @throws {DTypeError} for a non-float x, codes that are not uint8, or scales/offsets that are not float32.
 */
export function quantMatmul(x: Tensor, weights: QuantizedWeights, options: { activations?: 'float' | 'int16'; out?: Tensor } = {}): Tensor {
  const { codes, scales, offsets, format, groupSize } = weights;
  const backend = sameBackend('quantMatmul', [x, codes, scales, offsets, options.out]);
  const dtype = expectFloat('quantMatmul', 'x', x);
  expectRank('quantMatmul', 'x', x, 2);
  expectRank('quantMatmul', 'scales', scales, 2);
  const [M, K] = x.shape as [number, number];
  const [N, groups] = scales.shape as [number, number];
  if (!(['int8', 'int4'] as string[]).includes(format)) throw new TypeError(`quantMatmul: format must be 'int8' or 'int4', found ${format}`);
  const activations = options.activations ?? 'float';
  if (!(['float', 'int16'] as string[]).includes(activations)) throw new TypeError(`quantMatmul: activations must be 'float' or 'int16', found ${activations}`);
  if (!(Number.isSafeInteger(groupSize) && groupSize >= 1 && K % groupSize === 0 && (format === 'int8' || groupSize % 2 === 0))) {
    throw new ShapeError(`quantMatmul: groupSize ${groupSize} must divide K = ${K}${format === 'int4' ? ' and be even (int4)' : ''}`);
  }
  if (groups * groupSize !== K) throw new ShapeError(`quantMatmul: scales is ${formatShape(scales.shape)}, expected (N, ${K / groupSize}) for K = ${K} in groups of ${groupSize}`);
  expectBuffer('quantMatmul', 'scales', scales, [N, groups], 'float32');
  if (offsets) expectBuffer('quantMatmul', 'offsets', offsets, [N, groups], 'float32');
  expectDType('quantMatmul', 'codes', codes, 'uint8');
  expectBuffer('quantMatmul', 'codes', codes, [format === 'int8' ? N * K : (N * K) / 2], 'uint8');
  if (!x.isContiguous()) throw new ShapeError('quantMatmul: x must be contiguous');
  const out = outputTensor('quantMatmul', 'out', options.out, [M, N], dtype, backend);
  const args: QuantMatmulArgs = { x, codes, scales, offsets, format, groupSize, activations, out };
  kernel(backend, 'quantMatmul', dtype)(args);
  return out;
}
