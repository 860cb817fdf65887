// Quantized weights as a model's linear layers: a LinearOperator that runs the backend's quantMatmul kernel on
// codes, scales and offsets kept in the backend's memory.
import type { LinearOperator } from '@microgpt/model';
import { type Backend, Tensor, kernel } from '@microgpt/tensor';
import { QuantError } from './errors';
import { type QuantizedMatrix, groupScalesAndOffsets } from './matrix';

/**
 * How the kernel treats activations: `float` multiplies them by the decoded weights in float32; `int16` rounds
 * each row of activations to int16 first and works in integers (i32x4.dot_i16x8_s on wasm), changing each
 * activation by at most sx · (1/2 + 2⁻⁹), sx = max|row| / 32767 (about max|row| / 65280).
 */
export type ActivationMode = 'float' | 'int16';

/** A linear operator over quantized weights, which owns backend memory. */
export interface QuantizedLinear extends LinearOperator {
  /** The quantized weights (host copy); the operator runs on their codes, scales and offsets on the backend. */
  readonly matrix: QuantizedMatrix;
  /** Frees the codes, scales and offsets. */
  dispose(): void;
}

/**
 * The rows of `matrices` stacked into one matrix (q, k and v as one (3C, C) layer): same scheme, columns and
 * group size; per-tensor scales become per-row ones.
 * @throws {QuantError} when the matrices do not match.
 */
export function stackRows(matrices: readonly QuantizedMatrix[]): QuantizedMatrix {
  const first = matrices[0]!;
  for (const m of matrices) {
    if (m.scheme !== first.scheme || m.cols !== first.cols || m.groupSize !== first.groupSize) {
      throw new QuantError(`stackRows: matrices must share scheme, columns and group size; found ${m.scheme} ${m.cols}/${m.groupSize} and ${first.scheme} ${first.cols}/${first.groupSize}`);
    }
  }
  const perRow = (m: QuantizedMatrix, values: Float32Array | Int8Array): number[] => {
    const groups = (m.rows * m.cols) / m.groupSize;
    return Array.from({ length: groups }, (_, g) => values[m.perTensor ? 0 : g]!);
  };
  const concat = <T extends Int8Array | Uint8Array | Float32Array>(parts: ArrayLike<number>[], make: new (n: number) => T): T => {
    const out = new make(parts.reduce((n, p) => n + p.length, 0));
    let at = 0;
    for (const p of parts) {
      out.set(p, at);
      at += p.length;
    }
    return out;
  };
  const bytes = concat(matrices.map((m) => new Uint8Array(m.codes.buffer, m.codes.byteOffset, m.codes.byteLength)), Uint8Array);
  const codes = first.codes instanceof Int8Array ? new Int8Array(bytes.buffer) : bytes;
  return {
    scheme: first.scheme,
    rows: matrices.reduce((n, m) => n + m.rows, 0),
    cols: first.cols,
    groupSize: first.groupSize,
    perTensor: false,
    codes,
    scales: concat(matrices.map((m) => perRow(m, m.scales)), Float32Array),
    zeroPoints: first.zeroPoints ? concat(matrices.map((m) => perRow(m, m.zeroPoints!)), Int8Array) : null,
    minima: first.minima ? concat(matrices.map((m) => perRow(m, m.minima!)), Float32Array) : null,
  };
}

/** A float32 tensor on `backend` holding `values`. */
function upload(values: Float32Array | Uint8Array, shape: number[], backend: Backend): Tensor {
  const t = Tensor.empty(shape, values instanceof Uint8Array ? 'uint8' : 'float32', backend);
  backend.write(t.storage, t.offset, values);
  return t;
}

/**
 * A linear operator computing out (1, N, OC) = inp (1, N, IC) · Ŵᵀ, Ŵ the (OC, IC) matrix `m` decodes to, with
 * the backend's quantMatmul kernel (float32 activations only).
 */
export function quantizedLinear(m: QuantizedMatrix, backend: Backend, activations: ActivationMode): QuantizedLinear {
  const { scales, offsets } = groupScalesAndOffsets(m);
  const groups = m.cols / m.groupSize;
  const codes = upload(new Uint8Array(m.codes.buffer, m.codes.byteOffset, m.codes.byteLength), [m.codes.length], backend);
  const scaleTensor = upload(scales, [m.rows, groups], backend);
  const offsetTensor = offsets ? upload(offsets, [m.rows, groups], backend) : null;
  const format = m.scheme === 'int8' || m.scheme === 'int8-asym' ? ('int8' as const) : ('int4' as const);
  // The pass's buffers are reused call after call: keep their 2-D views rather than make new ones per token.
  const views = new WeakMap<Tensor, Tensor>();
  const matrixView = (t: Tensor, cols: number): Tensor => {
    let view = views.get(t);
    if (!view) views.set(t, (view = t.reshape([t.size / cols, cols])));
    return view;
  };
  return {
    matrix: m,
    inFeatures: m.cols,
    outFeatures: m.rows,
    forward(inp, out) {
      if (inp.dtype !== 'float32') throw new QuantError(`quantized linear: activations must be float32, found ${inp.dtype} (load the model as float32)`);
      // Looked up per call (a cached lookup): a profile that starts later records it, and one that stops leaves no wrapper.
      kernel(backend, 'quantMatmul', 'float32')({ x: matrixView(inp, m.cols), codes, scales: scaleTensor, offsets: offsetTensor, format, groupSize: m.groupSize, activations, out: matrixView(out, m.rows) });
    },
    dispose() {
      codes.dispose();
      scaleTensor.dispose();
      offsetTensor?.dispose();
    },
  };
}
