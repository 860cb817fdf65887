// Errors of the quant package: bad input to quantize (NaN, Inf, shapes) and bad quantized files.

/** A value, shape or option that cannot be quantized; the message names the tensor, row and column, or the option. */
export class QuantError extends Error {
  /** Always `'QuantError'`, so a caller can tell it apart without `instanceof`. */
  override readonly name = 'QuantError';
}
