// float16 and bfloat16 bit patterns (as safetensors stores them) to numbers, exactly. HF checkpoints are often
// saved in these; @microgpt/quant has the rounding direction, but the model package cannot depend on it.

/** The value of an fp16 bit pattern (IEEE binary16; exact: every fp16 value is a float32 value). */
export function float16Value(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >>> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** The value of a bf16 bit pattern: the top half of a float32 (exact). */
export function bfloat16Value(bits: number): number {
  u32[0] = (bits & 0xffff) << 16;
  return f32[0]!;
}
