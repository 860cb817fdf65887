// Quantized matmul for inference: out (M, N) = x (M, K) · Ŵᵀ, where each row of W is int8 or int4 codes with a
// float32 scale and offset per group of G inputs (Ŵ = scale · q + offset; see QuantMatmulArgs in backend.ts).
//
// Loops run over blocks of ROWS output columns outside and rows m of x inside, so the block's rows of codes (K or
// K/2 bytes each) stay in L1 while every row of x passes over them, and the block's rows share each load of x.
// For generation (M = 1) that is one pass over the weights, which is the whole point of reading 1 or ½ byte a
// weight instead of 4. A call computes the outputs of rows [mStart, mEnd) and columns [nStart, nEnd), so threads
// can split either side; each output is computed the same way whatever the split, hence bit for bit the same
// results on any number of threads.
//
// Two activation modes:
//   float  codes widened to i32, converted to f32 and multiplied by x in f32x4 lanes.
//   int16  each row of x rounded to int16 (scale max|x|/32767 in float32, ties to even), codes widened to
//          i16x8, and i32x4.dot_i16x8_s does 8 multiply-adds an instruction. The i32 sums are flushed to f32 at
//          the end of each group and every FLUSH inputs, so a lane cannot overflow (|q| · |xq| ≤ 128 · 32767).
// SIMD takes 16 bytes of codes at a time (16 int8 inputs, or 16 int4 pairs); what is left of a group (sizes that
// are not a multiple of 16, or 32 for int4) runs the same arithmetic in scalar code.
//
// Measured (`pnpm bench quant-matmul`, wasm, 1 thread, the shakespeare-cpu layers): for one token (M = 1),
// int8/int16 takes 0.39–0.92× the time of the float32 product, int8/float 0.9–1.5×, int4/int16 0.7–1.4×,
// int4/float 1.25–2.25×; for a 64-token prompt the float32 product's register-tiled kernel wins (int8/int16 takes
// 1.1–1.4× its time, int4/int16 2.2–2.5×, float mode 2.5–4.2×).

import { mulAdd } from './multiply-add';

/** Inputs between flushes of the i32 sums in int16 mode: a lane then adds at most 256 products of ≤ 2^22. */
const FLUSH: i32 = 1024;
/** Output columns (rows of codes) per block: 4 independent accumulators; the register budget allows no more. */
const ROWS: i32 = 4;

// @ts-ignore: decorator
@inline function align16(bytes: usize): usize { return (bytes + 15) & ~(<usize>15); }

/**
 * Scratch bytes a call needs (16-byte aligned parts): int16 → xq (M·K i16) | sx (M f32) | group sums of xq
 * (M·groups f32); float → group sums of x (M·groups f32).
 */
export function quantMatmulScratchBytes(M: i32, K: i32, G: i32, int16: i32): i32 {
  const sums = align16(<usize>M * <usize>(K / G) * 4);
  return <i32>(int16 ? align16(<usize>M * <usize>K * 2) + align16(<usize>M * 4) + sums : sums);
}

/** x rounded to the nearest integer (ties to even), clamped to ±32767 (only a subnormal scale gets past it). */
// @ts-ignore: decorator
@inline function toInt16(x: f32): i16 { return <i16>min(32767, max(-32767, <i32>nearest<f32>(x))); }

/**
 * Rows [mStart, mEnd) of x rounded to int16 into xq, with their scales sx, and (withSums) the sum of each group of
 * rounded values into sums.
 */
function prepareInt16(x: usize, K: i32, G: i32, xq: usize, sx: usize, sums: usize, withSums: i32, mStart: i32, mEnd: i32): void {
  const groups = K / G;
  const top = i32x4.splat(32767), bottom = i32x4.splat(-32767);
  for (let m = mStart; m < mEnd; m++) {
    const row = x + <usize>m * <usize>K * 4;
    let vmax = f32x4.splat(0);
    let k = 0;
    for (; k + 4 <= K; k += 4) vmax = f32x4.max(vmax, f32x4.abs(v128.load(row + <usize>k * 4)));
    let amax = max(max(f32x4.extract_lane(vmax, 0), f32x4.extract_lane(vmax, 1)), max(f32x4.extract_lane(vmax, 2), f32x4.extract_lane(vmax, 3)));
    for (; k < K; k++) amax = max(amax, abs(load<f32>(row + <usize>k * 4)));
    const scale: f32 = amax / 32767;
    store<f32>(sx + <usize>m * 4, scale);
    const out = xq + <usize>m * <usize>K * 2;
    if (scale == 0) {
      memory.fill(out, 0, <usize>K * 2);
    } else {
      const vscale = f32x4.splat(scale);
      k = 0;
      for (; k + 8 <= K; k += 8) {
        const a = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(row + <usize>k * 4), vscale)));
        const b = i32x4.trunc_sat_f32x4_s(f32x4.nearest(f32x4.div(v128.load(row + <usize>k * 4, 16), vscale)));
        v128.store(out + <usize>k * 2, i16x8.narrow_i32x4_s(i32x4.max_s(i32x4.min_s(a, top), bottom), i32x4.max_s(i32x4.min_s(b, top), bottom)));
      }
      for (; k < K; k++) store<i16>(out + <usize>k * 2, toInt16(load<f32>(row + <usize>k * 4) / scale));
    }
    if (!withSums) continue;
    for (let g = 0; g < groups; g++) {
      let sum: i64 = 0;
      for (let j = g * G; j < (g + 1) * G; j++) sum += <i64>load<i16>(out + <usize>j * 2);
      store<f32>(sums + (<usize>m * <usize>groups + <usize>g) * 4, <f32>sum);
    }
  }
}

/** The 16 int16 at `at` reordered: the 8 at even positions, then the 8 at odd ones. */
// @ts-ignore: decorator
@inline function deinterleave16(at: usize): void {
  const v0 = v128.load(at), v1 = v128.load(at, 16);
  v128.store(at, i16x8.shuffle(v0, v1, 0, 2, 4, 6, 8, 10, 12, 14));
  v128.store(at, i16x8.shuffle(v0, v1, 1, 3, 5, 7, 9, 11, 13, 15), 16);
}

/**
 * Rows [mStart, mEnd) of xq, for int4 codes: in each group, every 16 activations that meet 16 whole bytes of codes
 * (those of the low nibbles and those of the high nibbles) deinterleaved, the order int4Int16Dot16 reads.
 */
function deinterleaveInt4(xq: usize, K: i32, G: i32, mStart: i32, mEnd: i32): void {
  const half = G >> 1;
  for (let m = mStart; m < mEnd; m++) {
    const row = xq + <usize>m * <usize>K * 2;
    for (let k0 = 0; k0 < K; k0 += G) {
      for (let c = 0; c + 16 <= half; c += 16) {
        deinterleave16(row + <usize>(k0 + c) * 2);
        deinterleave16(row + <usize>(k0 + half + c) * 2);
      }
    }
  }
}

/** Rows [mStart, mEnd): the sum of each group of x (float mode with offsets). */
function prepareSums(x: usize, K: i32, G: i32, sums: usize, mStart: i32, mEnd: i32): void {
  const groups = K / G;
  for (let m = mStart; m < mEnd; m++) {
    for (let g = 0; g < groups; g++) {
      let sum: f32 = 0;
      for (let k = g * G; k < (g + 1) * G; k++) sum += load<f32>(x + (<usize>m * <usize>K + <usize>k) * 4);
      store<f32>(sums + (<usize>m * <usize>groups + <usize>g) * 4, sum);
    }
  }
}

// @ts-ignore: decorator
@inline function hsumf(v: v128): f32 {
  return f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
}

/** Row m's offset term Σ_g offsets[n, g] · sums[m, g] (0 without offsets). */
// @ts-ignore: decorator
@inline function offsetTerm(offsets: usize, sums: usize, groups: i32, m: i32, n: i32): f32 {
  let term: f32 = 0;
  if (!offsets) return term;
  const rowOffsets = offsets + <usize>n * <usize>groups * 4;
  const rowSums = sums + <usize>m * <usize>groups * 4;
  for (let g = 0; g < groups; g++) term += load<f32>(rowOffsets + <usize>g * 4) * load<f32>(rowSums + <usize>g * 4);
  return term;
}

// ------------------------------------------------------------------------------------------------
// 16 codes at a time: 16 bytes of int8 codes (16 inputs), or of int4 codes (their low nibbles are 16 inputs,
// their high nibbles the 16 inputs half a group further on).

/** acc + Σ q·xq over 16 int8 codes at `codes` and 16 int16 activations (x0, x1), in i32x4 lanes. */
// @ts-ignore: decorator
@inline function int8Int16Dot16(acc: v128, codes: usize, x0: v128, x1: v128): v128 {
  const q = v128.load(codes);
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(q), x0), i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(q), x1)));
}

/**
 * acc + Σ q·xq over 16 bytes of int4 codes, read as 8 16-bit lanes: the low nibbles of their even bytes times
 * activations a0, of their odd bytes times a1; the high nibbles likewise times b0 and b1 (deinterleaveInt4 put
 * xq in that order). Shifting 16-bit lanes is one instruction; splitting bytes into nibbles and widening them
 * would be about twice as many.
 */
// @ts-ignore: decorator
@inline function int4Int16Dot16(acc: v128, codes: usize, a0: v128, a1: v128, b0: v128, b1: v128): v128 {
  const v = v128.load(codes);
  const nibble = i16x8.splat(15);
  acc = i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(v128.and(v, nibble), a0), i32x4.dot_i16x8_s(v128.and(i16x8.shr_u(v, 8), nibble), a1)));
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(v128.and(i16x8.shr_u(v, 4), nibble), b0), i32x4.dot_i16x8_s(i16x8.shr_u(v, 12), b1)));
}

/** acc + the products of 16 codes (as i16x8 halves) with the 16 floats at x, in f32x4 lanes. */
// @ts-ignore: decorator
@inline function floatMulAdd16(acc: v128, low: v128, high: v128, x: usize): v128 {
  acc = mulAdd<f32>(acc, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(low)), v128.load(x));
  acc = mulAdd<f32>(acc, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(low)), v128.load(x, 16));
  acc = mulAdd<f32>(acc, f32x4.convert_i32x4_s(i32x4.extend_low_i16x8_s(high)), v128.load(x, 32));
  return mulAdd<f32>(acc, f32x4.convert_i32x4_s(i32x4.extend_high_i16x8_s(high)), v128.load(x, 48));
}

/** acc + Σ q·x over 16 int8 codes at `codes` and the 16 floats at x. */
// @ts-ignore: decorator
@inline function int8FloatDot16(acc: v128, codes: usize, x: usize): v128 {
  const q = v128.load(codes);
  return floatMulAdd16(acc, i16x8.extend_low_i8x16_s(q), i16x8.extend_high_i8x16_s(q), x);
}

/** acc + Σ q·x over 16 bytes of int4 codes: low nibbles times the floats at xa, high ones times those at xb. */
// @ts-ignore: decorator
@inline function int4FloatDot16(acc: v128, codes: usize, xa: usize, xb: usize): v128 {
  const bytes = v128.load(codes);
  const lo = v128.and(bytes, i8x16.splat(15));
  const hi = i8x16.shr_u(bytes, 4);
  acc = floatMulAdd16(acc, i16x8.extend_low_i8x16_u(lo), i16x8.extend_high_i8x16_u(lo), xa);
  return floatMulAdd16(acc, i16x8.extend_low_i8x16_u(hi), i16x8.extend_high_i8x16_u(hi), xb);
}

// Scalar tails: codes [from, to) of a group at `codes` (int4: bytes, each holding inputs j and j + half).

function int8Int16Tail(codes: usize, xq: usize, from: i32, to: i32): i32 {
  let sum = 0;
  for (let k = from; k < to; k++) sum += <i32>load<i8>(codes + <usize>k) * <i32>load<i16>(xq + <usize>k * 2);
  return sum;
}

function int4Int16Tail(codes: usize, xq: usize, half: i32, from: i32, to: i32): i32 {
  let sum = 0;
  for (let j = from; j < to; j++) {
    const byte = <i32>load<u8>(codes + <usize>j);
    sum += (byte & 15) * <i32>load<i16>(xq + <usize>j * 2) + (byte >> 4) * <i32>load<i16>(xq + <usize>(j + half) * 2);
  }
  return sum;
}

function int8FloatTail(codes: usize, x: usize, from: i32, to: i32): f32 {
  let sum: f32 = 0;
  for (let k = from; k < to; k++) sum += <f32>load<i8>(codes + <usize>k) * load<f32>(x + <usize>k * 4);
  return sum;
}

function int4FloatTail(codes: usize, x: usize, half: i32, from: i32, to: i32): f32 {
  let sum: f32 = 0;
  for (let j = from; j < to; j++) {
    const byte = <i32>load<u8>(codes + <usize>j);
    sum += <f32>(byte & 15) * load<f32>(x + <usize>j * 4) + <f32>(byte >> 4) * load<f32>(x + <usize>(j + half) * 4);
  }
  return sum;
}

/** acc with an int16 tail's sum added to its lane 0. */
// @ts-ignore: decorator
@inline function plusIntTail(acc: v128, tail: i32): v128 {
  return i32x4.replace_lane(acc, 0, i32x4.extract_lane(acc, 0) + tail);
}

/** acc with a float tail's sum added to its lane 0. */
// @ts-ignore: decorator
@inline function plusFloatTail(acc: v128, tail: f32): v128 {
  return f32x4.replace_lane(acc, 0, f32x4.extract_lane(acc, 0) + tail);
}

/** total + scale · acc, whose lanes are i32 sums (int16 mode) or f32 sums. */
// @ts-ignore: decorator
@inline function scaleAdd(total: v128, acc: v128, scale: f32, int16: bool): v128 {
  return mulAdd<f32>(total, int16 ? f32x4.convert_i32x4_s(acc) : acc, f32x4.splat(scale));
}

/**
 * Outputs [mStart, mEnd) × [nStart, nEnd), ROWS rows of codes at a time (a block past the last row repeats it and
 * stores nothing). Per group, and per FLUSH inputs within a group (needed in int16 mode only, harmless in float
 * mode), dot products of 16 bytes of codes at a time in i32x4 (int16 mode) or f32x4 lanes, then scalar tails;
 * each chunk's sums are scaled into f32x4 lanes; one horizontal sum an output. Compiled once per format and mode (a function for all four is twice as slow: V8 then spills
 * registers): Q is i8 for int8 codes, u8 for int4 ones; X is the activations' type, f32 (xm = x) or i16 (xm = xq).
 */
function product<Q, X>(xm: usize, sx: usize, sums: usize, codes: usize, scales: usize, offsets: usize, out: usize,
  N: i32, K: i32, G: i32, mStart: i32, mEnd: i32, nStart: i32, nEnd: i32): void {
  const int4 = !isSigned<Q>();
  const int16 = !isFloat<X>();
  const groups = K / G;
  const rowBytes = <usize>(int4 ? K >> 1 : K);
  const groupBytes = int4 ? G >> 1 : G;
  // A chunk of FLUSH inputs is FLUSH / 2 bytes of int4 codes.
  const chunkBytes = int4 ? FLUSH >> 1 : FLUSH;
  const xBytes = sizeof<X>();
  for (let n = nStart; n < nEnd; n += ROWS) {
    const last = nEnd - 1;
    const n1 = min(n + 1, last), n2 = min(n + 2, last), n3 = min(n + 3, last);
    const c0 = codes + <usize>n * rowBytes, c1 = codes + <usize>n1 * rowBytes;
    const c2 = codes + <usize>n2 * rowBytes, c3 = codes + <usize>n3 * rowBytes;
    const s0 = scales + <usize>n * <usize>groups * 4, s1 = scales + <usize>n1 * <usize>groups * 4;
    const s2 = scales + <usize>n2 * <usize>groups * 4, s3 = scales + <usize>n3 * <usize>groups * 4;
    for (let m = mStart; m < mEnd; m++) {
      const x = xm + <usize>m * <usize>K * xBytes;
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
      for (let g = 0; g < groups; g++) {
        const xg = x + <usize>(g * G) * xBytes;
        const at = <usize>(g * groupBytes);
        const g4 = <usize>g * 4;
        for (let b = 0; b < groupBytes; ) {
          const stop = min(groupBytes, b + chunkBytes);
          let a0 = v128.splat<i32>(0), a1 = v128.splat<i32>(0), a2 = v128.splat<i32>(0), a3 = v128.splat<i32>(0);
          if (int16 && int4) {
            for (; b + 16 <= stop; b += 16) {
              const xa = xg + <usize>b * 2, xb = xg + <usize>(b + groupBytes) * 2;
              const xa0 = v128.load(xa), xa1 = v128.load(xa, 16), xb0 = v128.load(xb), xb1 = v128.load(xb, 16);
              a0 = int4Int16Dot16(a0, c0 + at + <usize>b, xa0, xa1, xb0, xb1);
              a1 = int4Int16Dot16(a1, c1 + at + <usize>b, xa0, xa1, xb0, xb1);
              a2 = int4Int16Dot16(a2, c2 + at + <usize>b, xa0, xa1, xb0, xb1);
              a3 = int4Int16Dot16(a3, c3 + at + <usize>b, xa0, xa1, xb0, xb1);
            }
            if (b < stop) {
              a0 = plusIntTail(a0, int4Int16Tail(c0 + at, xg, groupBytes, b, stop)); a1 = plusIntTail(a1, int4Int16Tail(c1 + at, xg, groupBytes, b, stop));
              a2 = plusIntTail(a2, int4Int16Tail(c2 + at, xg, groupBytes, b, stop)); a3 = plusIntTail(a3, int4Int16Tail(c3 + at, xg, groupBytes, b, stop));
            }
          } else if (int16) {
            for (; b + 16 <= stop; b += 16) {
              const x0 = v128.load(xg + <usize>b * 2), x1 = v128.load(xg + <usize>b * 2, 16);
              a0 = int8Int16Dot16(a0, c0 + at + <usize>b, x0, x1);
              a1 = int8Int16Dot16(a1, c1 + at + <usize>b, x0, x1);
              a2 = int8Int16Dot16(a2, c2 + at + <usize>b, x0, x1);
              a3 = int8Int16Dot16(a3, c3 + at + <usize>b, x0, x1);
            }
            if (b < stop) {
              a0 = plusIntTail(a0, int8Int16Tail(c0 + at, xg, b, stop)); a1 = plusIntTail(a1, int8Int16Tail(c1 + at, xg, b, stop));
              a2 = plusIntTail(a2, int8Int16Tail(c2 + at, xg, b, stop)); a3 = plusIntTail(a3, int8Int16Tail(c3 + at, xg, b, stop));
            }
          } else if (int4) {
            for (; b + 16 <= stop; b += 16) {
              const xa = xg + <usize>b * 4, xb = xg + <usize>(b + groupBytes) * 4;
              a0 = int4FloatDot16(a0, c0 + at + <usize>b, xa, xb);
              a1 = int4FloatDot16(a1, c1 + at + <usize>b, xa, xb);
              a2 = int4FloatDot16(a2, c2 + at + <usize>b, xa, xb);
              a3 = int4FloatDot16(a3, c3 + at + <usize>b, xa, xb);
            }
            if (b < stop) {
              a0 = plusFloatTail(a0, int4FloatTail(c0 + at, xg, groupBytes, b, stop)); a1 = plusFloatTail(a1, int4FloatTail(c1 + at, xg, groupBytes, b, stop));
              a2 = plusFloatTail(a2, int4FloatTail(c2 + at, xg, groupBytes, b, stop)); a3 = plusFloatTail(a3, int4FloatTail(c3 + at, xg, groupBytes, b, stop));
            }
          } else {
            for (; b + 16 <= stop; b += 16) {
              const xa = xg + <usize>b * 4;
              a0 = int8FloatDot16(a0, c0 + at + <usize>b, xa);
              a1 = int8FloatDot16(a1, c1 + at + <usize>b, xa);
              a2 = int8FloatDot16(a2, c2 + at + <usize>b, xa);
              a3 = int8FloatDot16(a3, c3 + at + <usize>b, xa);
            }
            if (b < stop) {
              a0 = plusFloatTail(a0, int8FloatTail(c0 + at, xg, b, stop)); a1 = plusFloatTail(a1, int8FloatTail(c1 + at, xg, b, stop));
              a2 = plusFloatTail(a2, int8FloatTail(c2 + at, xg, b, stop)); a3 = plusFloatTail(a3, int8FloatTail(c3 + at, xg, b, stop));
            }
          }
          b = stop;
          t0 = scaleAdd(t0, a0, load<f32>(s0 + g4), int16); t1 = scaleAdd(t1, a1, load<f32>(s1 + g4), int16);
          t2 = scaleAdd(t2, a2, load<f32>(s2 + g4), int16); t3 = scaleAdd(t3, a3, load<f32>(s3 + g4), int16);
        }
      }
      const scale: f32 = int16 ? load<f32>(sx + <usize>m * 4) : 1;
      const o = out + <usize>m * <usize>N * 4;
      const rows = min(ROWS, nEnd - n);
      for (let r = 0; r < rows; r++) {
        const total = r == 0 ? t0 : r == 1 ? t1 : r == 2 ? t2 : t3;
        store<f32>(o + <usize>(n + r) * 4, scale * (hsumf(total) + offsetTerm(offsets, sums, groups, m, n + r)));
      }
    }
  }
}

/**
 * Outputs [mStart, mEnd) × [nStart, nEnd) of out (M, N) = x (M, K) · Ŵᵀ. int4, int16 and offsets (0 = none) as in
 * QuantMatmulArgs; scratch holds quantMatmulScratchBytes(M, K, G, int16) bytes, of which the call uses the
 * parts of rows [mStart, mEnd).
 */
export function quantMatmul(x: usize, codes: usize, scales: usize, offsets: usize, out: usize, M: i32, N: i32, K: i32, G: i32,
  int4: i32, int16: i32, scratch: usize, mStart: i32, mEnd: i32, nStart: i32, nEnd: i32): void {
  if (!int16) {
    if (offsets) prepareSums(x, K, G, scratch, mStart, mEnd);
    if (int4) product<u8, f32>(x, 0, scratch, codes, scales, offsets, out, N, K, G, mStart, mEnd, nStart, nEnd);
    else product<i8, f32>(x, 0, scratch, codes, scales, offsets, out, N, K, G, mStart, mEnd, nStart, nEnd);
    return;
  }
  const xq = scratch;
  const sx = xq + align16(<usize>M * <usize>K * 2);
  const sums = sx + align16(<usize>M * 4);
  prepareInt16(x, K, G, xq, sx, sums, <i32>(offsets != 0), mStart, mEnd);
  if (int4) {
    deinterleaveInt4(xq, K, G, mStart, mEnd);
    product<u8, i16>(xq, sx, sums, codes, scales, offsets, out, N, K, G, mStart, mEnd, nStart, nEnd);
  } else product<i8, i16>(xq, sx, sums, codes, scales, offsets, out, N, K, G, mStart, mEnd, nStart, nEnd);
}
