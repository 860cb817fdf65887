// int8 quantization of one run of values (a row, or the whole tensor).
import { roundClamp } from './round';

/**
 * Symmetric: s = max|w| / 127 (float32), q = round(w / s) in [−127, 127] written to `codes` at the same
 * positions; an all-zero run gets s = 0 and q = 0.
 * @returns s.
 */
export function quantizeInt8Sym(values: ArrayLike<number>, from: number, count: number, codes: Int8Array): number {
  let amax = 0;
  for (let i = from; i < from + count; i++) amax = Math.max(amax, Math.abs(values[i]!));
  const scale = Math.fround(amax / 127);
  for (let i = from; i < from + count; i++) codes[i] = scale === 0 ? 0 : roundClamp(values[i]! / scale, -127, 127);
  return scale;
}

/**
 * Asymmetric: the range [min(w, 0), max(w, 0)] in 255 steps, s = range / 255 (float32), zero point
 * z = round(−128 − min / s), q = round(w / s) + z in [−128, 127]; a run of zeros gets s = 0, z = 0, q = 0.
 */
export function quantizeInt8Asym(values: ArrayLike<number>, from: number, count: number, codes: Int8Array): { scale: number; zeroPoint: number } {
  let lo = 0;
  let hi = 0;
  for (let i = from; i < from + count; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const scale = Math.fround((hi - lo) / 255);
  if (scale === 0) {
    codes.fill(0, from, from + count);
    return { scale: 0, zeroPoint: 0 };
  }
  const zeroPoint = roundClamp(-128 - lo / scale, -128, 127);
  for (let i = from; i < from + count; i++) codes[i] = roundClamp(values[i]! / scale + zeroPoint, -128, 127);
  return { scale, zeroPoint };
}
