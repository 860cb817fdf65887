// int4 quantization of one group of G values, two codes a byte in ggml's layout: byte j of the group holds the
// code of value j (low nibble) and of value j + G/2 (high nibble), so a SIMD kernel gets the first and second
// half of the group from one load with a mask and a shift.
import { roundClamp } from './round';
import { toFloat16 } from './half';

/** Writes code q of value `j` of the group starting at value `from` (group size G). */
function putNibble(codes: Uint8Array, from: number, G: number, j: number, q: number): void {
  const half = G / 2;
  const at = from / 2 + (j % half);
  codes[at] = j < half ? (codes[at]! & 0xf0) | q : (codes[at]! & 0x0f) | (q << 4);
}

/**
 * Symmetric (Q4_0): d = m / −8 (fp16) where m is the value of largest magnitude, q = round(w / d) + 8 in
 * [0, 15]; a group of zeros gets d = 0 and q = 8 (ŵ = 0 exactly).
 * @returns d.
 */
export function quantizeInt4SymGroup(values: ArrayLike<number>, from: number, G: number, codes: Uint8Array): number {
  let extreme = 0;
  for (let i = from; i < from + G; i++) if (Math.abs(values[i]!) > Math.abs(extreme)) extreme = values[i]!;
  const d = toFloat16(extreme / -8);
  for (let j = 0; j < G; j++) putNibble(codes, from, G, j, d === 0 ? 8 : roundClamp(values[from + j]! / d + 8, 0, 15));
  return d;
}

/**
 * Asymmetric (Q4_1): d = (max − min)/15 and m = min, both fp16; q = round((w − m)/d) in [0, 15]; a constant
 * group gets d = 0, q = 0 (ŵ = m).
 */
export function quantizeInt4Group(values: ArrayLike<number>, from: number, G: number, codes: Uint8Array): { scale: number; minimum: number } {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = from; i < from + G; i++) {
    lo = Math.min(lo, values[i]!);
    hi = Math.max(hi, values[i]!);
  }
  const minimum = toFloat16(lo);
  const d = toFloat16((hi - lo) / 15);
  for (let j = 0; j < G; j++) putNibble(codes, from, G, j, d === 0 ? 0 : roundClamp((values[from + j]! - minimum) / d, 0, 15));
  return { scale: d, minimum };
}
