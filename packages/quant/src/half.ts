// fp16 (IEEE binary16) and bf16 (bfloat16) conversions to and from float32, by bit manipulation (Node 20 has no
// Math.f16round). Float32 → 16-bit rounds to nearest, ties to even, keeps subnormals (fp16), overflows to
// infinity, and keeps NaN a NaN (quiet, with the sign and the top payload bits). 16-bit → float32 is exact.

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The float32 bit pattern of `value` (rounded to float32 first). */
function float32Bits(value: number): number {
  f32[0] = value;
  return u32[0]!;
}

/** The float32 whose bit pattern is `bits`. */
function fromFloat32Bits(bits: number): number {
  u32[0] = bits >>> 0;
  return f32[0]!;
}

/** Shifts `mantissa` right by `shift` bits, rounding to nearest with ties to even. */
function shiftRoundEven(mantissa: number, shift: number): number {
  if (shift >= 32) return 0;
  const kept = mantissa >>> shift;
  const rest = mantissa - kept * 2 ** shift;
  const half = 2 ** (shift - 1);
  return rest > half || (rest === half && (kept & 1) === 1) ? kept + 1 : kept;
}

/**
 * The fp16 bit pattern nearest to `value` (rounded to float32 first): ties to even, subnormals kept,
 * |value| ≥ 65520 → ±infinity, NaN → a quiet NaN with the same sign.
 */
export function float32ToFloat16Bits(value: number): number {
  const bits = float32Bits(value);
  const sign = (bits >>> 16) & 0x8000;
  const exponent = (bits >>> 23) & 0xff;
  const mantissa = bits & 0x7fffff;
  if (exponent === 0xff) return mantissa === 0 ? sign | 0x7c00 : sign | 0x7e00 | (mantissa >>> 13);
  const e = exponent - 127 + 15; // fp16 biased exponent
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal fp16 (or zero): the value is (1.m) · 2^(exponent−127); fp16 subnormals count 2^−24 units.
    if (exponent === 0) return sign; // float32 subnormals are far below fp16's smallest subnormal
    return sign | shiftRoundEven(mantissa | 0x800000, 14 - e);
  }
  // A carry out of the mantissa moves to the exponent (and to infinity), which the bit layout does by itself.
  return sign | ((e << 10) + shiftRoundEven(mantissa, 13));
}

/** The float32 value of an fp16 bit pattern (exact). */
export function float16BitsToFloat32(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : fromFloat32Bits(((bits & 0x8000) << 16) | 0x7f800000 | (mantissa << 13));
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * The bf16 bit pattern nearest to `value` (rounded to float32 first): the top 16 bits of float32, rounded to
 * nearest with ties to even; NaN → a quiet NaN with the same sign and top payload bits.
 */
export function float32ToBfloat16Bits(value: number): number {
  const bits = float32Bits(value);
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x7fffff) !== 0) return (bits >>> 16) | 0x40;
  // The sign rides along in the top bits; a carry out of the mantissa moves to the exponent (max → infinity).
  return shiftRoundEven(bits, 16);
}

/** The float32 value of a bf16 bit pattern (exact). */
export function bfloat16BitsToFloat32(bits: number): number {
  return fromFloat32Bits((bits & 0xffff) << 16);
}

/** `x` rounded to the nearest fp16 value (as a float32 number). */
export function toFloat16(x: number): number {
  return float16BitsToFloat32(float32ToFloat16Bits(x));
}

/** Every element of `values` as fp16 bits. */
export function toFloat16Array(values: ArrayLike<number>): Uint16Array {
  return Uint16Array.from({ length: values.length }, (_, i) => float32ToFloat16Bits(values[i]!));
}

/** Every fp16 bit pattern of `bits` as float32. */
export function fromFloat16Array(bits: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: bits.length }, (_, i) => float16BitsToFloat32(bits[i]!));
}

/** Every element of `values` as bf16 bits. */
export function toBfloat16Array(values: ArrayLike<number>): Uint16Array {
  return Uint16Array.from({ length: values.length }, (_, i) => float32ToBfloat16Bits(values[i]!));
}

/** Every bf16 bit pattern of `bits` as float32. */
export function fromBfloat16Array(bits: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: bits.length }, (_, i) => bfloat16BitsToFloat32(bits[i]!));
}
