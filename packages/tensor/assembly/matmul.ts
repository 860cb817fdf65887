// Batched matrix multiply for WebAssembly SIMD128: out (+)= op(a) · op(b), float32 and float64.
//
// One generic implementation, instantiated for f32 (f32x4 lanes) and f64 (f64x2 lanes). It follows the
// BLIS/GotoBLAS scheme: the product is cut into blocks that fit the caches, the blocks of A and B are
// copied ("packed") into the caller's scratch buffer in exactly the order the micro-kernel reads them,
// and a register-tiled micro-kernel computes one MR × NR tile of out at a time:
//
//   for each column block jc (NC columns of B and out)
//     for each depth block pc (KC values of k)       pack B[pc.., jc..]  -> KC × NC, in NR-wide panels
//       for each row block ic (MC rows of out)       pack A[ic.., pc..]  -> MC × KC, in MR-tall panels
//         for each NR-wide panel of B, for each MR-tall panel of A: micro-kernel (MR × NR tile of out)
//
// Register budget: V8 on x64 leaves 15 v128 registers to a wasm function. The micro-kernel keeps an
// MR × 2-vector tile of out in registers (5 × 2 = 10 accumulators), plus the 2 vectors of the current
// row of B, 1 broadcast element of A and 1 temporary for the product (WebAssembly SIMD128 has no fused
// multiply-add): 14 registers. A tile is 5 × 8 for f32 and 5 × 4 for f64 (NR = two vectors). The
// relaxed-SIMD build (multiply-add.ts) fuses the multiply-add, frees the temporary and takes a sixth row.
//
// The numbers: a prototype generated and timed the f32 variants on x64 (Node 20 / V8, AMD EPYC):
// tiles 2×16, 3×8..3×16, 4×8..4×16, 5×8, 6×8, 7×8, 8×8 (5×8 fastest; 6 rows × 2 vectors needs 16
// registers and spills), k-loop unrolling (no gain), KC 128..512, MC 60..240, NC 256..1024 (flat
// around the values below). For f64, 4×4 / 5×4 / 6×4 tiles ran at 20 / 24 / 13 GFLOP/s at 256³, and
// KC 128..384, MC 60, NC 256 were within noise of the f32 blocking, which is therefore shared.
// Single-threaded this file runs at about 48 GFLOP/s (f32) and 23 GFLOP/s (f64) at 512³: f64 does
// half the flops per instruction. The relaxed-SIMD build's 6 × 8 tile took 1.22–1.34× the plain build's
// throughput on the same Zen 4 machine (loaded; see the package README); unrolling k by two made it slower
// and KC 384 changed nothing.

import { mulAdd } from './multiply-add';

/**
 * Rows of the register tile (rows of A per packed panel): 5, or 6 in the relaxed-SIMD build, whose fused
 * multiply-add needs no register for the product, so 6 × 2 accumulators + 2 B vectors + 1 broadcast fit in 15.
 */
const MR: i32 = ASC_FEATURE_RELAXED_SIMD ? 6 : 5;
/** Depth of a packed block: one NR-wide panel of B (KC × 32 bytes = 8 KiB) stays in L1. */
const KC: i32 = 256;
/** Rows of A packed at once (a multiple of MR); the packed A block (120 or 240 KiB) stays in L2. */
const MC: i32 = 120;
/** Columns of B packed at once (a multiple of NR for both element types). */
const NC: i32 = 512;

/** Columns of the register tile: two v128 vectors of T (8 for f32, 4 for f64). */
// @ts-ignore: decorator
@inline function tileCols<T>(): i32 { return <i32>(32 / sizeof<T>()); }
/** Elements of T in one v128. */
// @ts-ignore: decorator
@inline function lanes<T>(): i32 { return <i32>(16 / sizeof<T>()); }

// @ts-ignore: decorator
@inline function imin(x: i32, y: i32): i32 { return x < y ? x : y; }
// @ts-ignore: decorator
@inline function imax(x: i32, y: i32): i32 { return x > y ? x : y; }
// @ts-ignore: decorator
@inline function roundUp(x: i32, multiple: i32): i32 { return (x + multiple - 1) / multiple * multiple; }
// @ts-ignore: decorator
@inline function align64(bytes: usize): usize { return (bytes + 63) & ~(<usize>63); }

// ------------------------------------------------------------------------------------------------
// Scratch layout, per thread (each part 64-byte aligned, in this order):
//   packed B block  KC × roundUp(NC, NR) elements    (only as large as min(K, KC) × min(N, NC) needs)
//   packed A block  roundUp(MC, MR) × KC elements    (likewise with min(M, MC))
//   edge tile       MR × NR elements                 (partial tiles at the right and bottom borders)

// @ts-ignore: decorator
@inline function packedBBytes<T>(N: i32, K: i32): usize {
  return align64(<usize>imax(1, imin(KC, K)) * <usize>roundUp(imin(NC, N), tileCols<T>()) * sizeof<T>());
}
// @ts-ignore: decorator
@inline function packedABytes<T>(M: i32, K: i32): usize {
  return align64(<usize>imax(1, imin(KC, K)) * <usize>roundUp(imin(MC, M), MR) * sizeof<T>());
}
// @ts-ignore: decorator
@inline function scratchBytes<T>(M: i32, N: i32, K: i32): i32 {
  return <i32>(packedBBytes<T>(N, K) + packedABytes<T>(M, K) + align64(<usize>(MR * tileCols<T>()) * sizeof<T>()));
}

/** Rows of the register tile (5, or 6 in the relaxed-SIMD build): threads split out's rows in multiples of it. */
export function matmulTileRows(): i32 { return MR; }

/** Bytes of scratch one matmulF32 call needs for these sizes. */
export function matmulScratchBytesF32(M: i32, N: i32, K: i32): i32 { return scratchBytes<f32>(M, N, K); }
/** Bytes of scratch one matmulF64 call needs for these sizes. */
export function matmulScratchBytesF64(M: i32, N: i32, K: i32): i32 { return scratchBytes<f64>(M, N, K); }

// ------------------------------------------------------------------------------------------------
// Packing. A packed panel is `width` elements wide and kc deep, stored k-major: for each k, the
// `width` elements the micro-kernel needs at that step, one after the other. A panels are MR rows of
// op(A) (width MR), B panels are NR columns of op(B) (width NR). Elements beyond the matrix border
// (the last panel may be partial) are zero, so the micro-kernel always computes full tiles.

/**
 * Packs a partial panel (count < width elements) whose elements for one k are contiguous in the
 * source (op(A) rows of a transposed A, op(B) columns of a plain B): row k of the panel is copied
 * from src + k * kStride and zero padded. Full panels have straight-line copies in packA and packB.
 */
function packContiguous<T>(src: usize, kStride: usize, count: i32, width: i32, kc: i32, dst: usize): void {
  const size = sizeof<T>();
  for (let k = 0; k < kc; k++) {
    for (let j = 0; j < width; j++) {
      store<T>(dst + <usize>j * size, j < count ? load<T>(src + <usize>j * size) : 0);
    }
    src += kStride;
    dst += <usize>width * size;
  }
}

/** Stores the lanes of x (consecutive k of one panel element) down a k-major panel, `stride` bytes apart. */
// @ts-ignore: decorator
@inline function scatterLanes<T>(x: v128, dst: usize, stride: usize): void {
  v128.store_lane<T>(dst, x, 0);
  v128.store_lane<T>(dst + stride, x, 1);
  if (sizeof<T>() == 4) {
    v128.store_lane<T>(dst + 2 * stride, x, 2);
    v128.store_lane<T>(dst + 3 * stride, x, 3);
  }
}

/**
 * Packs a panel whose elements each run contiguously along k in the source (op(A) rows of a plain A,
 * op(B) columns of a transposed B): element j of the panel is read from src + j * elemStride, one
 * vector of consecutive k at a time, and transposed into the panel with lane stores.
 */
function packTransposing<T>(src: usize, elemStride: usize, count: i32, width: i32, kc: i32, dst: usize): void {
  const size = sizeof<T>();
  const kStep = <usize>width * size; // bytes from one k to the next in the panel
  for (let j = 0; j < width; j++) {
    let s = src + <usize>j * elemStride;
    let d = dst + <usize>j * size;
    if (j >= count) {
      for (let k = 0; k < kc; k++) { store<T>(d, 0); d += kStep; }
      continue;
    }
    let k = 0;
    for (; k + lanes<T>() <= kc; k += lanes<T>()) {
      scatterLanes<T>(v128.load(s), d, kStep);
      s += 16;
      d += <usize>lanes<T>() * kStep;
    }
    for (; k < kc; k++) { store<T>(d, load<T>(s)); s += size; d += kStep; }
  }
}

/** Packs op(B)[pc .. pc+kc, jc .. jc+nc] into NR-wide panels at dst. b is (K, N), or (N, K) if transB. */
function packB<T>(b: usize, N: i32, K: i32, transB: i32, pc: i32, kc: i32, jc: i32, nc: i32, dst: usize): void {
  const size = sizeof<T>();
  const NR = tileCols<T>();
  for (let jp = 0; jp < nc; jp += NR) {
    const j = jc + jp, count = imin(NR, nc - jp);
    if (transB) {
      packTransposing<T>(b + (<usize>j * K + pc) * size, <usize>K * size, count, NR, kc, dst);
    } else if (count == NR) {
      // full panel: each k row is NR elements = 32 bytes = two vectors
      let src = b + (<usize>pc * N + j) * size, d = dst;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(src));
        v128.store(d, v128.load(src, 16), 16);
        src += <usize>N * size;
        d += 32;
      }
    } else {
      packContiguous<T>(b + (<usize>pc * N + j) * size, <usize>N * size, count, NR, kc, dst);
    }
    dst += <usize>kc * NR * size;
  }
}

/** Packs op(A)[ic .. ic+mc, pc .. pc+kc] into MR-tall panels at dst. a is (M, K), or (K, M) if transA. */
function packA<T>(a: usize, M: i32, K: i32, transA: i32, ic: i32, mc: i32, pc: i32, kc: i32, dst: usize): void {
  const size = sizeof<T>();
  for (let ip = 0; ip < mc; ip += MR) {
    const i = ic + ip, count = imin(MR, mc - ip);
    if (!transA) {
      packTransposing<T>(a + (<usize>i * K + pc) * size, <usize>K * size, count, MR, kc, dst);
    } else if (count == MR) {
      // full panel: each k row is MR = 5 or 6 elements: the first 4 as vectors (one f32x4 or two f64x2), then 1 or 2
      let src = a + (<usize>pc * M + i) * size, d = dst;
      for (let k = 0; k < kc; k++) {
        v128.store(d, v128.load(src));
        if (sizeof<T>() == 8) v128.store(d, v128.load(src, 16), 16);
        store<T>(d, load<T>(src, 4 * sizeof<T>()), 4 * sizeof<T>());
        if (MR == 6) store<T>(d, load<T>(src, 5 * sizeof<T>()), 5 * sizeof<T>());
        src += <usize>M * size;
        d += <usize>MR * size;
      }
    } else {
      packContiguous<T>(a + (<usize>pc * M + i) * size, <usize>M * size, count, MR, kc, dst);
    }
    dst += <usize>kc * MR * size;
  }
}

// ------------------------------------------------------------------------------------------------
// Micro-kernel

/**
 * The MR × NR tile of out at c (rows ldc bytes apart) = (addToC ? tile : 0) + Ap · Bp, where Ap is a
 * packed A panel (kc × MR) and Bp a packed B panel (kc × NR). Accumulator cR_V holds row R, vector V.
 * Per k: two B vectors, then each A element broadcast and multiplied into its row's two accumulators.
 */
function microKernel<T>(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, addToC: bool): void {
  const size = sizeof<T>();
  // Row 5 (c5_*) exists only when MR is 6; the compiler drops it, constant-folded, from the five-row build.
  let c0_0: v128, c0_1: v128, c1_0: v128, c1_1: v128, c2_0: v128, c2_1: v128, c3_0: v128, c3_1: v128,
    c4_0: v128, c4_1: v128, c5_0 = v128.splat<T>(0), c5_1 = v128.splat<T>(0);
  if (addToC) {
    c0_0 = v128.load(c);               c0_1 = v128.load(c, 16);
    c1_0 = v128.load(c + ldc);         c1_1 = v128.load(c + ldc, 16);
    c2_0 = v128.load(c + 2 * ldc);     c2_1 = v128.load(c + 2 * ldc, 16);
    c3_0 = v128.load(c + 3 * ldc);     c3_1 = v128.load(c + 3 * ldc, 16);
    c4_0 = v128.load(c + 4 * ldc);     c4_1 = v128.load(c + 4 * ldc, 16);
    if (MR == 6) { c5_0 = v128.load(c + 5 * ldc); c5_1 = v128.load(c + 5 * ldc, 16); }
  } else {
    c0_0 = c0_1 = c1_0 = c1_1 = c2_0 = c2_1 = c3_0 = c3_1 = c4_0 = c4_1 = v128.splat<T>(0);
  }
  for (let k = 0; k < kc; k++) {
    const b0 = v128.load(bp), b1 = v128.load(bp, 16);
    let x = v128.load_splat<T>(ap);
    c0_0 = mulAdd<T>(c0_0, x, b0); c0_1 = mulAdd<T>(c0_1, x, b1);
    x = v128.load_splat<T>(ap, sizeof<T>());
    c1_0 = mulAdd<T>(c1_0, x, b0); c1_1 = mulAdd<T>(c1_1, x, b1);
    x = v128.load_splat<T>(ap, 2 * sizeof<T>());
    c2_0 = mulAdd<T>(c2_0, x, b0); c2_1 = mulAdd<T>(c2_1, x, b1);
    x = v128.load_splat<T>(ap, 3 * sizeof<T>());
    c3_0 = mulAdd<T>(c3_0, x, b0); c3_1 = mulAdd<T>(c3_1, x, b1);
    x = v128.load_splat<T>(ap, 4 * sizeof<T>());
    c4_0 = mulAdd<T>(c4_0, x, b0); c4_1 = mulAdd<T>(c4_1, x, b1);
    if (MR == 6) {
      x = v128.load_splat<T>(ap, 5 * sizeof<T>());
      c5_0 = mulAdd<T>(c5_0, x, b0); c5_1 = mulAdd<T>(c5_1, x, b1);
    }
    ap += <usize>MR * size;
    bp += 32;
  }
  v128.store(c, c0_0);               v128.store(c, c0_1, 16);
  v128.store(c + ldc, c1_0);         v128.store(c + ldc, c1_1, 16);
  v128.store(c + 2 * ldc, c2_0);     v128.store(c + 2 * ldc, c2_1, 16);
  v128.store(c + 3 * ldc, c3_0);     v128.store(c + 3 * ldc, c3_1, 16);
  v128.store(c + 4 * ldc, c4_0);     v128.store(c + 4 * ldc, c4_1, 16);
  if (MR == 6) { v128.store(c + 5 * ldc, c5_0); v128.store(c + 5 * ldc, c5_1, 16); }
}

/**
 * One tile of out at c whose valid part is rows × cols (at most MR × NR). Full tiles go straight to
 * out; border tiles are computed in the edge tile (rows NR elements apart) and only their valid part
 * is copied in and out, so nothing outside the matrix is read or written.
 */
// @ts-ignore: decorator
@inline function computeTile<T>(ap: usize, bp: usize, kc: i32, c: usize, ldc: usize, rows: i32, cols: i32,
    addToC: bool, edge: usize): void {
  const size = sizeof<T>();
  const NR = tileCols<T>();
  if (rows == MR && cols == NR) {
    microKernel<T>(ap, bp, kc, c, ldc, addToC);
    return;
  }
  const edgeLd = <usize>NR * size;
  if (addToC) {
    for (let i = 0; i < MR; i++) for (let j = 0; j < NR; j++) {
      const inside = i < rows && j < cols;
      store<T>(edge + <usize>i * edgeLd + <usize>j * size, inside ? load<T>(c + <usize>i * ldc + <usize>j * size) : 0);
    }
  }
  microKernel<T>(ap, bp, kc, edge, edgeLd, addToC);
  for (let i = 0; i < rows; i++) for (let j = 0; j < cols; j++) {
    store<T>(c + <usize>i * ldc + <usize>j * size, load<T>(edge + <usize>i * edgeLd + <usize>j * size));
  }
}

// ------------------------------------------------------------------------------------------------
// Few rows against a transposed B (a token through a linear layer when generating): out[i, j] is the dot
// product of two contiguous rows, a[i, :] and b[j, :]. Packing B would copy as much memory as the whole
// product reads, so these rows skip it and run four-vector dot products straight from memory.

/** Rows per batch item at or below which a·bᵀ takes the dot-product path. */
const DOT_ROWS: i32 = 4;

/** Σ_k x[k]·y[k] over n elements of T, four vectors at a time, then the remainder. */
function dot<T>(x: usize, y: usize, n: i32): T {
  const size = sizeof<T>();
  const L = lanes<T>();
  let s0 = v128.splat<T>(0), s1 = v128.splat<T>(0), s2 = v128.splat<T>(0), s3 = v128.splat<T>(0);
  let k = 0;
  for (; k + 4 * L <= n; k += 4 * L) {
    const o = <usize>k * size;
    s0 = mulAdd<T>(s0, v128.load(x + o), v128.load(y + o));
    s1 = mulAdd<T>(s1, v128.load(x + o, 16), v128.load(y + o, 16));
    s2 = mulAdd<T>(s2, v128.load(x + o, 32), v128.load(y + o, 32));
    s3 = mulAdd<T>(s3, v128.load(x + o, 48), v128.load(y + o, 48));
  }
  for (; k + L <= n; k += L) s0 = mulAdd<T>(s0, v128.load(x + <usize>k * size), v128.load(y + <usize>k * size));
  const sum = v128.add<T>(v128.add<T>(s0, s1), v128.add<T>(s2, s3));
  let total: T;
  if (sizeof<T>() == 4) {
    total = <T>(f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3));
  } else {
    total = <T>(f64x2.extract_lane(sum, 0) + f64x2.extract_lane(sum, 1));
  }
  for (; k < n; k++) total += load<T>(x + <usize>k * size) * load<T>(y + <usize>k * size);
  return total;
}

/** Rows [i0, i1) of one batch item of out (+)= a · bᵀ by dot products; a (M, K), b (N, K), out (M, N). */
function rowDots<T>(a: usize, b: usize, c: usize, N: i32, K: i32, i0: i32, i1: i32, accumulate: i32): void {
  const size = sizeof<T>();
  for (let i = i0; i < i1; i++) {
    const aRow = a + <usize>i * <usize>K * size;
    const cRow = c + <usize>i * <usize>N * size;
    for (let j = 0; j < N; j++) {
      const value = dot<T>(aRow, b + <usize>j * <usize>K * size, K);
      const at = cRow + <usize>j * size;
      store<T>(at, accumulate ? load<T>(at) + value : value);
    }
  }
}

// ------------------------------------------------------------------------------------------------
// Driver

function matmulImpl<T>(a: usize, b: usize, out: usize, batch: i32, M: i32, N: i32, K: i32,
    transA: i32, transB: i32, accumulate: i32, aBatchStride: i32, bBatchStride: i32,
    rowStart: i32, rowEnd: i32, scratch: usize): void {
  if (M <= 0 || N <= 0 || batch <= 0) return;
  rowStart = imax(rowStart, 0);
  rowEnd = imin(rowEnd, batch * M);
  if (rowStart >= rowEnd) return;
  const size = sizeof<T>();
  const NR = tileCols<T>();
  const ldc = <usize>N * size;
  const packedB = scratch;
  const packedA = packedB + packedBBytes<T>(N, K);
  const edge = packedA + packedABytes<T>(M, K);
  // A B shared by every batch item that fits in one block is packed once, for the first item.
  const packBOnce = bBatchStride == 0 && K <= KC && N <= NC;
  let bIsPacked = false;

  const lastItem = (rowEnd - 1) / M;
  for (let item = rowStart / M; item <= lastItem; item++) {
    // rows [i0, i1) of this batch item's M × N output
    const i0 = imax(rowStart - item * M, 0), i1 = imin(rowEnd - item * M, M);
    const aItem = a + <usize>item * <usize>aBatchStride * size;
    const bItem = b + <usize>item * <usize>bBatchStride * size;
    const cItem = out + <usize>item * <usize>M * <usize>N * size;
    if (K <= 0) {
      if (!accumulate) memory.fill(cItem + <usize>i0 * ldc, 0, <usize>(i1 - i0) * ldc);
      continue;
    }
    if (transB && !transA && M <= DOT_ROWS) {
      rowDots<T>(aItem, bItem, cItem, N, K, i0, i1, accumulate);
      continue;
    }
    for (let jc = 0; jc < N; jc += NC) {
      const nc = imin(NC, N - jc);
      for (let pc = 0; pc < K; pc += KC) {
        const kc = imin(KC, K - pc);
        const addToC = accumulate != 0 || pc > 0; // later depth blocks add to the earlier ones
        if (!(packBOnce && bIsPacked)) {
          packB<T>(bItem, N, K, transB, pc, kc, jc, nc, packedB);
          bIsPacked = true;
        }
        for (let ic = i0; ic < i1; ic += MC) {
          const mc = imin(MC, i1 - ic);
          packA<T>(aItem, M, K, transA, ic, mc, pc, kc, packedA);
          for (let jr = 0; jr < nc; jr += NR) {
            const bp = packedB + <usize>jr * <usize>kc * size;
            const cols = imin(NR, nc - jr);
            for (let ir = 0; ir < mc; ir += MR) {
              const ap = packedA + <usize>ir * <usize>kc * size;
              const c = cItem + <usize>(ic + ir) * ldc + <usize>(jc + jr) * size;
              computeTile<T>(ap, bp, kc, c, ldc, imin(MR, mc - ir), cols, addToC, edge);
            }
          }
        }
      }
    }
  }
}

/**
 * out[t] = op(a[t]) · op(b[t]) (or out[t] += ... when accumulate) for t in [0, batch), float32.
 * a[t] is (M, K), or (K, M) if transA; b[t] is (K, N), or (N, K) if transB; out[t] is (M, N); all
 * row-major and contiguous, out[t] at out + t·M·N. aBatchStride, bBatchStride: elements between batch
 * items (0 = one matrix shared by all items). Only rows [rowStart, rowEnd) of the flattened (batch·M)
 * rows of out are computed, so threads can split any product (rows that start a tile, a multiple of
 * matmulTileRows(), split best). scratch: matmulScratchBytesF32(M, N, K) bytes private to the calling
 * thread (64-byte aligned is best). out must not overlap a or b.
 */
export function matmulF32(a: usize, b: usize, out: usize, batch: i32, M: i32, N: i32, K: i32,
    transA: i32, transB: i32, accumulate: i32, aBatchStride: i32, bBatchStride: i32,
    rowStart: i32, rowEnd: i32, scratch: usize): void {
  matmulImpl<f32>(a, b, out, batch, M, N, K, transA, transB, accumulate, aBatchStride, bBatchStride,
    rowStart, rowEnd, scratch);
}

/** matmulF32 for float64; scratch: matmulScratchBytesF64(M, N, K) bytes. */
export function matmulF64(a: usize, b: usize, out: usize, batch: i32, M: i32, N: i32, K: i32,
    transA: i32, transB: i32, accumulate: i32, aBatchStride: i32, bBatchStride: i32,
    rowStart: i32, rowEnd: i32, scratch: usize): void {
  matmulImpl<f64>(a, b, out, batch, M, N, K, transA, transB, accumulate, aBatchStride, bBatchStride,
    rowStart, rowEnd, scratch);
}
