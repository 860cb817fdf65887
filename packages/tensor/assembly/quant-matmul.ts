// Quantized matmul for inference: out (M, N) = x (M, K) · Ŵᵀ, where each row of W is int8 or int4 codes with a
// float32 scale and offset per group of G inputs (Ŵ = scale · q + offset; see QuantMatmulArgs in backend.ts).
//
// Loops run over output columns n outside and rows m inside, so one row of codes (K or K/2 bytes) stays in L1
// while every row of x passes over it; for generation (M = 1) that is one pass over the weights, which is the
// whole point of reading 1 or ½ byte a weight instead of 4.
//
// Two activation modes:
//   float  q widened to i32, converted to f32 and multiplied by x in f32x4 lanes.
//   int16  each row of x rounded to int16 once per call (scale max|x|/32767, ties to even), codes widened to
//          i16x8, and i32x4.dot_i16x8_s does 8 multiply-adds an instruction; i32 sums are flushed to f32 at
//          the end of each group and every 1024 inputs (|q|·|xq| ≤ 128 · 32767, so a lane cannot overflow).
// int4 groups whose size is a multiple of 32, and int8 groups of a multiple of 16, run in SIMD; other group
// sizes (small models) run the same arithmetic in scalar code.

/** Inputs between i32 flushes in int16 mode. */
const FLUSH: i32 = 1024;

// @ts-ignore: decorator
@inline function align16(bytes: usize): usize { return (bytes + 15) & ~(<usize>15); }

/** Scratch layout: int16 → xq (M·K i16) | sx (M f32) | group sums of xq (M·groups i32); float → group sums of x (M·groups f32). */
export function quantMatmulScratchBytes(M: i32, K: i32, G: i32, int16: i32): i32 {
  const groups = <usize>(K / G);
  if (!int16) return <i32>align16(<usize>M * groups * 4);
  return <i32>(align16(<usize>M * <usize>K * 2) + align16(<usize>M * 4) + align16(<usize>M * groups * 4));
}

/** Rounds each row of x to int16 into scratch, with its scale and the sum of each group. */
function prepareInt16(x: usize, M: i32, K: i32, G: i32, xq: usize, sx: usize, sums: usize): void {
  const groups = K / G;
  for (let m = 0; m < M; m++) {
    const row = x + <usize>m * <usize>K * 4;
    let amax: f32 = 0;
    for (let k = 0; k < K; k++) amax = max(amax, abs(load<f32>(row + <usize>k * 4)));
    const scale: f32 = amax / 32767;
    store<f32>(sx + <usize>m * 4, scale);
    const out = xq + <usize>m * <usize>K * 2;
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      for (let k = g * G; k < (g + 1) * G; k++) {
        const q = scale == 0 ? 0 : <i32>nearest<f32>(load<f32>(row + <usize>k * 4) / scale);
        store<i16>(out + <usize>k * 2, <i16>q);
        sum += q;
      }
      store<i32>(sums + (<usize>m * <usize>groups + <usize>g) * 4, sum);
    }
  }
}

/** The sum of each group of each row of x (float mode with offsets). */
function prepareSums(x: usize, M: i32, K: i32, G: i32, sums: usize): void {
  const groups = K / G;
  for (let m = 0; m < M; m++) {
    for (let g = 0; g < groups; g++) {
      let sum: f32 = 0;
      for (let k = g * G; k < (g + 1) * G; k++) sum += load<f32>(x + (<usize>m * <usize>K + <usize>k) * 4);
      store<f32>(sums + (<usize>m * <usize>groups + <usize>g) * 4, sum);
    }
  }
}

// @ts-ignore: decorator
@inline function hsum(v: v128): i32 {
  return i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1) + i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3);
}
// @ts-ignore: decorator
@inline function hsumf(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** q of input j of an int4 group at `codes` (G inputs): byte j mod G/2, low nibble for the first half. */
// @ts-ignore: decorator
@inline function nibble(codes: usize, G: i32, j: i32): i32 {
  const half = G >> 1;
  const byte = <i32>load<u8>(codes + <usize>(j < half ? j : j - half));
  return j < half ? byte & 15 : byte >> 4;
}

/** Σ q·xq over one int8 group of G inputs (codes, xq at the group's start). */
function dotInt8Int16(codes: usize, xq: usize, G: i32): f32 {
  let total: f32 = 0;
  let k = 0;
  if (G % 16 == 0) {
    while (k < G) {
      const stop = min(G, k + FLUSH);
      let acc = i32x4.splat(0);
      for (; k < stop; k += 16) {
        const q = v128.load(codes + <usize>k);
        acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q), v128.load(xq + <usize>k * 2)));
        acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q), v128.load(xq + <usize>k * 2, 16)));
      }
      total += <f32>hsum(acc);
    }
    return total;
  }
  let sum = 0;
  for (; k < G; k++) sum += <i32>load<i8>(codes + <usize>k) * <i32>load<i16>(xq + <usize>k * 2);
  return <f32>sum;
}

/** Σ q·xq over one int4 group of G inputs (G/2 bytes at codes; xq at the group's start). */
function dotInt4Int16(codes: usize, xq: usize, G: i32): f32 {
  const half = G >> 1;
  if (G % 32 == 0) {
    const low = i8x16.splat(15);
    let acc = i32x4.splat(0);
    for (let c = 0; c < half; c += 16) {
      const bytes = v128.load(codes + <usize>c);
      const lo = v128.and(bytes, low);
      const hi = i8x16.shr_u(bytes, 4);
      const a = xq + <usize>c * 2;
      const b = xq + <usize>(c + half) * 2;
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(lo), v128.load(a)));
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(lo), v128.load(a, 16)));
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(hi), v128.load(b)));
      acc = i32x4.add(acc, i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(hi), v128.load(b, 16)));
    }
    return <f32>hsum(acc);
  }
  let sum = 0;
  for (let j = 0; j < G; j++) sum += nibble(codes, G, j) * <i32>load<i16>(xq + <usize>j * 2);
  return <f32>sum;
}

/** Four f32x4 products of 16 codes (as i16x8 halves) with 16 floats of x, added to acc. */
// @ts-ignore: decorator
@inline function mulAdd16(acc: v128, low: v128, high: v128, x: usize): v128 {
  acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(low)), v128.load(x)));
  acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(low)), v128.load(x, 16)));
  acc = f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(high)), v128.load(x, 32)));
  return f32x4.add(acc, f32x4.mul(f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(high)), v128.load(x, 48)));
}

/** Σ q·x over one int8 group in float32. */
function dotInt8Float(codes: usize, x: usize, G: i32): f32 {
  let k = 0;
  let total: f32 = 0;
  if (G % 16 == 0) {
    let acc = f32x4.splat(0);
    for (; k < G; k += 16) {
      const q = v128.load(codes + <usize>k);
      acc = mulAdd16(acc, i16x8.extend_low_i8x16_s(q), i16x8.extend_high_i8x16_s(q), x + <usize>k * 4);
    }
    return hsumf(acc);
  }
  for (; k < G; k++) total += <f32>load<i8>(codes + <usize>k) * load<f32>(x + <usize>k * 4);
  return total;
}

/** Σ q·x over one int4 group in float32. */
function dotInt4Float(codes: usize, x: usize, G: i32): f32 {
  const half = G >> 1;
  if (G % 32 == 0) {
    const low = i8x16.splat(15);
    let acc = f32x4.splat(0);
    for (let c = 0; c < half; c += 16) {
      const bytes = v128.load(codes + <usize>c);
      const lo = v128.and(bytes, low);
      const hi = i8x16.shr_u(bytes, 4);
      acc = mulAdd16(acc, i16x8.extend_low_i8x16_u(lo), i16x8.extend_high_i8x16_u(lo), x + <usize>c * 4);
      acc = mulAdd16(acc, i16x8.extend_low_i8x16_u(hi), i16x8.extend_high_i8x16_u(hi), x + <usize>(c + half) * 4);
    }
    return hsumf(acc);
  }
  let total: f32 = 0;
  for (let j = 0; j < G; j++) total += <f32>nibble(codes, G, j) * load<f32>(x + <usize>j * 4);
  return total;
}

/**
 * Output columns [start, end) of out (M, N) = x (M, K) · Ŵᵀ. int4, int16 and offsets (0 = none) as in
 * QuantMatmulArgs; scratch holds quantMatmulScratchBytes(M, K, G, int16) bytes.
 */
export function quantMatmul(x: usize, codes: usize, scales: usize, offsets: usize, out: usize, M: i32, N: i32, K: i32, G: i32,
  int4: i32, int16: i32, scratch: usize, start: i32, end: i32): void {
  const groups = K / G;
  const xq = scratch;
  const sx = scratch + align16(<usize>M * <usize>K * 2);
  const sums = int16 ? sx + align16(<usize>M * 4) : scratch;
  if (int16) prepareInt16(x, M, K, G, xq, sx, sums);
  else if (offsets) prepareSums(x, M, K, G, sums);
  const rowBytes = <usize>(int4 ? K >> 1 : K);
  const groupBytes = <usize>(int4 ? G >> 1 : G);
  for (let n = start; n < end; n++) {
    const row = codes + <usize>n * rowBytes;
    const groupScales = scales + <usize>n * <usize>groups * 4;
    const groupOffsets = offsets + <usize>n * <usize>groups * 4;
    for (let m = 0; m < M; m++) {
      let total: f32 = 0;
      for (let g = 0; g < groups; g++) {
        const k0 = g * G;
        const groupCodes = row + <usize>g * groupBytes;
        let dot: f32;
        if (int16) {
          const at = xq + (<usize>m * <usize>K + <usize>k0) * 2;
          dot = int4 ? dotInt4Int16(groupCodes, at, G) : dotInt8Int16(groupCodes, at, G);
        } else {
          const at = x + (<usize>m * <usize>K + <usize>k0) * 4;
          dot = int4 ? dotInt4Float(groupCodes, at, G) : dotInt8Float(groupCodes, at, G);
        }
        total += load<f32>(groupScales + <usize>g * 4) * dot;
        if (offsets) {
          const sum: f32 = int16 ? <f32>load<i32>(sums + (<usize>m * <usize>groups + <usize>g) * 4) : load<f32>(sums + (<usize>m * <usize>groups + <usize>g) * 4);
          total += load<f32>(groupOffsets + <usize>g * 4) * sum;
        }
      }
      store<f32>(out + (<usize>m * <usize>N + <usize>n) * 4, int16 ? load<f32>(sx + <usize>m * 4) * total : total);
    }
  }
}
