// Round to nearest with ties to even, as IEEE 754's default and NumPy's rint: Math.round rounds ties up, which
// biases quantized weights by half a step at every tie.

/** `x` rounded to the nearest integer, ties to the even one. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

/** `x` rounded half to even, then clamped to [lo, hi]. */
export function roundClamp(x: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, roundHalfEven(x)));
}
