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
// int4 groups whose size is a multiple of 32, and int8 groups of a multiple of 16, run in SIMD (int16 mode four
// rows of codes at a time, sharing each load of activations); other group sizes (small models) run the same
// arithmetic in scalar code. Measured (`pnpm bench quant-matmul`, wasm, 1 thread, shakespeare-cpu layers, M = 1):
// int8/int16 takes 0.55–0.9× the time of the float32 product, int8/float 1.4–2×, int4/int16 1–1.5×.

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

/**
 * Rounds each row of x to int16 into scratch (SIMD, 8 at a time, then a scalar tail), with its scale, and when
 * there are offsets the sum of each group of rounded values.
 */
function prepareInt16(x: usize, M: i32, K: i32, G: i32, xq: usize, sx: usize, sums: usize, withSums: i32): void {
  const groups = K / G;
  for (let m = 0; m < M; m++) {
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
        v128.store(out + <usize>k * 2, i16x8.narrow_i32x4_s(a, b));
      }
      for (; k < K; k++) store<i16>(out + <usize>k * 2, <i16>(<i32>nearest<f32>(load<f32>(row + <usize>k * 4) / scale)));
    }
    if (!withSums) continue;
    for (let g = 0; g < groups; g++) {
      let sum = 0;
      for (let j = g * G; j < (g + 1) * G; j++) sum += <i32>load<i16>(out + <usize>j * 2);
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

/** Σ q·xq over one int8 group of G inputs (scalar: group sizes the blocked SIMD path does not take). */
function dotInt8Int16(codes: usize, xq: usize, G: i32): f32 {
  let sum = 0;
  for (let k = 0; k < G; k++) sum += <i32>load<i8>(codes + <usize>k) * <i32>load<i16>(xq + <usize>k * 2);
  return <f32>sum;
}

/** Σ q·xq over one int4 group of G inputs (scalar, likewise). */
function dotInt4Int16(codes: usize, xq: usize, G: i32): f32 {
  let sum = 0;
  for (let j = 0; j < G; j++) sum += nibble(codes, G, j) * <i32>load<i16>(xq + <usize>j * 2);
  return <f32>sum;
}

/** Rows of codes per block of the SIMD int16 path: they share each load of activations, and 4 independent accumulators keep the adds from waiting on each other. */
const ROWS: i32 = 4;

/** acc + the two dot products of 16 codes (as i16x8 halves) with 16 int16 activations at xq. */
// @ts-ignore: decorator
@inline function dot16(acc: v128, low: v128, high: v128, x0: v128, x1: v128): v128 {
  return i32x4.add(acc, i32x4.add(i32x4.dot_i16x8_s(low, x0), i32x4.dot_i16x8_s(high, x1)));
}

/** total + scale · (the i32 lanes of acc as floats). */
// @ts-ignore: decorator
@inline function scaleAdd(total: v128, acc: v128, scale: f32): v128 {
  return f32x4.add(total, f32x4.mul(f32x4.convert_i32x4_s(acc), f32x4.splat(scale)));
}

/**
 * Output columns [start, end) in int16 mode, ROWS rows of codes at a time (a block past the last row repeats it
 * and stores nothing): per group, integer dot products in i32x4 lanes, scaled into f32x4 lanes; one horizontal
 * sum a row. Needs int8 groups of a multiple of 16 inputs, int4 groups of a multiple of 32.
 */
function blockedInt16(codes: usize, scales: usize, offsets: usize, out: usize, xq: usize, sx: usize, sums: usize,
  M: i32, N: i32, K: i32, G: i32, int4: i32, start: i32, end: i32): void {
  const groups = K / G;
  const rowBytes = <usize>(int4 ? K >> 1 : K);
  const half = G >> 1;
  const low = i8x16.splat(15);
  for (let n = start; n < end; n += ROWS) {
    const n1 = min(n + 1, end - 1), n2 = min(n + 2, end - 1), n3 = min(n + 3, end - 1);
    const r0 = codes + <usize>n * rowBytes, r1 = codes + <usize>n1 * rowBytes, r2 = codes + <usize>n2 * rowBytes, r3 = codes + <usize>n3 * rowBytes;
    const s0 = scales + <usize>n * <usize>groups * 4, s1 = scales + <usize>n1 * <usize>groups * 4;
    const s2 = scales + <usize>n2 * <usize>groups * 4, s3 = scales + <usize>n3 * <usize>groups * 4;
    for (let m = 0; m < M; m++) {
      const x = xq + <usize>m * <usize>K * 2;
      let t0 = f32x4.splat(0), t1 = f32x4.splat(0), t2 = f32x4.splat(0), t3 = f32x4.splat(0);
      for (let g = 0; g < groups; g++) {
        const k0 = g * G;
        const g4 = <usize>g * 4;
        if (int4) {
          let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
          const at = <usize>(k0 >> 1);
          for (let c = 0; c < half; c += 16) {
            const xa = x + <usize>(k0 + c) * 2, xb = x + <usize>(k0 + half + c) * 2;
            const xa0 = v128.load(xa), xa1 = v128.load(xa, 16), xb0 = v128.load(xb), xb1 = v128.load(xb, 16);
            let b = v128.load(r0 + at + <usize>c);
            let lo = v128.and(b, low), hi = i8x16.shr_u(b, 4);
            a0 = dot16(dot16(a0, i16x8.extend_low_i8x16_u(lo), i16x8.extend_high_i8x16_u(lo), xa0, xa1), i16x8.extend_low_i8x16_u(hi), i16x8.extend_high_i8x16_u(hi), xb0, xb1);
            b = v128.load(r1 + at + <usize>c);
            lo = v128.and(b, low); hi = i8x16.shr_u(b, 4);
            a1 = dot16(dot16(a1, i16x8.extend_low_i8x16_u(lo), i16x8.extend_high_i8x16_u(lo), xa0, xa1), i16x8.extend_low_i8x16_u(hi), i16x8.extend_high_i8x16_u(hi), xb0, xb1);
            b = v128.load(r2 + at + <usize>c);
            lo = v128.and(b, low); hi = i8x16.shr_u(b, 4);
            a2 = dot16(dot16(a2, i16x8.extend_low_i8x16_u(lo), i16x8.extend_high_i8x16_u(lo), xa0, xa1), i16x8.extend_low_i8x16_u(hi), i16x8.extend_high_i8x16_u(hi), xb0, xb1);
            b = v128.load(r3 + at + <usize>c);
            lo = v128.and(b, low); hi = i8x16.shr_u(b, 4);
            a3 = dot16(dot16(a3, i16x8.extend_low_i8x16_u(lo), i16x8.extend_high_i8x16_u(lo), xa0, xa1), i16x8.extend_low_i8x16_u(hi), i16x8.extend_high_i8x16_u(hi), xb0, xb1);
          }
          t0 = scaleAdd(t0, a0, load<f32>(s0 + g4)); t1 = scaleAdd(t1, a1, load<f32>(s1 + g4));
          t2 = scaleAdd(t2, a2, load<f32>(s2 + g4)); t3 = scaleAdd(t3, a3, load<f32>(s3 + g4));
          continue;
        }
        for (let k = k0; k < k0 + G; ) {
          const stop = min(k0 + G, k + FLUSH);
          let a0 = i32x4.splat(0), a1 = i32x4.splat(0), a2 = i32x4.splat(0), a3 = i32x4.splat(0);
          for (; k < stop; k += 16) {
            const x0 = v128.load(x + <usize>k * 2), x1 = v128.load(x + <usize>k * 2, 16);
            let q = v128.load(r0 + <usize>k);
            a0 = dot16(a0, i16x8.extend_low_i8x16_s(q), i16x8.extend_high_i8x16_s(q), x0, x1);
            q = v128.load(r1 + <usize>k);
            a1 = dot16(a1, i16x8.extend_low_i8x16_s(q), i16x8.extend_high_i8x16_s(q), x0, x1);
            q = v128.load(r2 + <usize>k);
            a2 = dot16(a2, i16x8.extend_low_i8x16_s(q), i16x8.extend_high_i8x16_s(q), x0, x1);
            q = v128.load(r3 + <usize>k);
            a3 = dot16(a3, i16x8.extend_low_i8x16_s(q), i16x8.extend_high_i8x16_s(q), x0, x1);
          }
          t0 = scaleAdd(t0, a0, load<f32>(s0 + g4)); t1 = scaleAdd(t1, a1, load<f32>(s1 + g4));
          t2 = scaleAdd(t2, a2, load<f32>(s2 + g4)); t3 = scaleAdd(t3, a3, load<f32>(s3 + g4));
        }
      }
      const scale = load<f32>(sx + <usize>m * 4);
      const o = out + <usize>m * <usize>N * 4;
      const rows = min(ROWS, end - n);
      for (let r = 0; r < rows; r++) {
        const total = r == 0 ? t0 : r == 1 ? t1 : r == 2 ? t2 : t3;
        let value = hsumf(total);
        if (offsets) {
          const groupOffsets = offsets + <usize>(n + r) * <usize>groups * 4;
          for (let g = 0; g < groups; g++) value += load<f32>(groupOffsets + <usize>g * 4) * <f32>load<i32>(sums + (<usize>m * <usize>groups + <usize>g) * 4);
        }
        store<f32>(o + <usize>(n + r) * 4, scale * value);
      }
    }
  }
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
  if (int16) prepareInt16(x, M, K, G, xq, sx, sums, <i32>(offsets != 0));
  else if (offsets) prepareSums(x, M, K, G, sums);
  if (int16 && G % (int4 ? 32 : 16) == 0) {
    blockedInt16(codes, scales, offsets, out, xq, sx, sums, M, N, K, G, int4, start, end);
    return;
  }
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
