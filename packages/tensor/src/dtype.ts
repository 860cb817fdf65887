// The closed set of element types a tensor can hold, and the typed arrays behind them.

/** Element type of a tensor. Floats for values and gradients; int32 for token ids; uint8 for bytes and masks. */
export type DType = 'float32' | 'float64' | 'int32' | 'uint8';

/** The dtypes that kernels compute with; integer tensors only carry indices and bytes. */
export type FloatDType = 'float32' | 'float64';

/** Typed array that stores elements of dtype `D`. */
export type TypedArrayFor<D extends DType> = D extends 'float32'
  ? Float32Array
  : D extends 'float64'
    ? Float64Array
    : D extends 'int32'
      ? Int32Array
      : Uint8Array;

/** Any typed array that can back a tensor. */
export type TypedArray = Float32Array | Float64Array | Int32Array | Uint8Array;

/** All dtypes, in a stable order (for tests and error messages). */
export const DTYPES: readonly DType[] = ['float32', 'float64', 'int32', 'uint8'];

/** Bytes per element of `dtype`. */
export function bytesPerElement(dtype: DType): number {
  switch (dtype) {
    case 'float32':
    case 'int32':
      return 4;
    case 'float64':
      return 8;
    case 'uint8':
      return 1;
    default:
      return dtype satisfies never;
  }
}

/** A new zero-filled typed array of `length` elements of `dtype`. */
export function allocTypedArray<D extends DType>(dtype: D, length: number): TypedArrayFor<D> {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length) as TypedArrayFor<D>;
    case 'float64':
      return new Float64Array(length) as TypedArrayFor<D>;
    case 'int32':
      return new Int32Array(length) as TypedArrayFor<D>;
    case 'uint8':
      return new Uint8Array(length) as TypedArrayFor<D>;
    default:
      return dtype satisfies never;
  }
}

/** The dtype whose typed array `data` is. */
export function dtypeOfArray(data: TypedArray): DType {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Float64Array) return 'float64';
  if (data instanceof Int32Array) return 'int32';
  return 'uint8';
}

/** True for the dtypes kernels compute with. */
export function isFloatDType(dtype: DType): dtype is FloatDType {
  return dtype === 'float32' || dtype === 'float64';
}
