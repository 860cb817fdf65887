// Fill (contiguous and strided) and same-dtype strided copy, over any view in row-major element order
// (the walk itself is in strided-walk.ts).
import { advancingAxis, innerLength, innerStride, isRowMajor, rowOffset, rowStep } from './strided-walk';

// ---- fill --------------------------------------------------------------------------------------------------

/** p[0 .. n) = v, 16 bytes at a time. */
@inline function fillRun<T>(p: usize, v: T, n: i32): void {
  const lanes = <i32>(16 / sizeof<T>());
  const vec = v128.splat<T>(v);
  let i = 0;
  for (; i + lanes <= n; i += lanes) v128.store(p + (<usize>i << alignof<T>()), vec);
  for (; i < n; i++) store<T>(p + (<usize>i << alignof<T>()), v);
}

function fillImpl<T>(out: usize, v: T, start: i32, end: i32): void {
  if (end > start) fillRun<T>(out + (<usize>start << alignof<T>()), v, end - start);
}

function fillStridedImpl<T>(out: usize, v: T, rank: i32, meta: usize, start: i32, end: i32): void {
  if (end <= start) return;
  if (isRowMajor(meta, rank, 1)) return fillImpl<T>(out, v, start, end);
  const inner = innerLength(meta, rank);
  const s = innerStride(meta, rank, 1);
  let row = start / inner;
  let col = start - row * inner;
  let outRow = rowOffset(meta, rank, 1, row);
  for (let e = start; e < end; row++) {
    const stop = min(inner, col + end - e);
    const p = out + (<usize>(outRow + col * s) << alignof<T>());
    if (s == 1) fillRun<T>(p, v, stop - col);
    else for (let j = 0; j < stop - col; j++) store<T>(p + (<usize>(j * s) << alignof<T>()), v);
    e += stop - col;
    col = 0;
    if (e < end) outRow += rowStep(meta, rank, 1, advancingAxis(meta, rank, row));
  }
}

export function fillF32(out: usize, value: f64, start: i32, end: i32): void { fillImpl<f32>(out, <f32>value, start, end); }
export function fillF64(out: usize, value: f64, start: i32, end: i32): void { fillImpl<f64>(out, value, start, end); }
// Integer fills convert like typed-array assignment: truncate, then wrap to the width.
export function fillI32(out: usize, value: f64, start: i32, end: i32): void { fillImpl<i32>(out, <i32><i64>value, start, end); }
export function fillU8(out: usize, value: f64, start: i32, end: i32): void {
  if (end > start) memory.fill(out + <usize>start, <u8><i64>value, <usize>(end - start));
}

export function fillStridedF32(out: usize, value: f64, rank: i32, meta: usize, start: i32, end: i32): void {
  fillStridedImpl<f32>(out, <f32>value, rank, meta, start, end);
}
export function fillStridedF64(out: usize, value: f64, rank: i32, meta: usize, start: i32, end: i32): void {
  fillStridedImpl<f64>(out, value, rank, meta, start, end);
}
export function fillStridedI32(out: usize, value: f64, rank: i32, meta: usize, start: i32, end: i32): void {
  fillStridedImpl<i32>(out, <i32><i64>value, rank, meta, start, end);
}
export function fillStridedU8(out: usize, value: f64, rank: i32, meta: usize, start: i32, end: i32): void {
  fillStridedImpl<u8>(out, <u8><i64>value, rank, meta, start, end);
}

// ---- copy --------------------------------------------------------------------------------------------------

/** dst = src for elements [start, end) of a strided view; T only sets the element width. */
function copyStridedImpl<T>(src: usize, dst: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  if (end <= start) return;
  const sh = alignof<T>();
  if (isRowMajor(meta, rank, 1) && isRowMajor(meta, rank, 2)) {
    memory.copy(dst + (<usize>start << sh), src + (<usize>start << sh), <usize>(end - start) << sh);
    return;
  }
  const inner = innerLength(meta, rank);
  const ss = innerStride(meta, rank, 1);
  const ds = innerStride(meta, rank, 2);
  let row = start / inner;
  let col = start - row * inner;
  let srcRow = rowOffset(meta, rank, 1, row);
  let dstRow = rowOffset(meta, rank, 2, row);
  for (let e = start; e < end; row++) {
    const n = min(inner, col + end - e) - col;
    const s = src + (<usize>(srcRow + col * ss) << sh);
    const d = dst + (<usize>(dstRow + col * ds) << sh);
    if (ss == 1 && ds == 1) memory.copy(d, s, <usize>n << sh);
    else for (let j = 0; j < n; j++) store<T>(d + (<usize>(j * ds) << sh), load<T>(s + (<usize>(j * ss) << sh)));
    e += n;
    col = 0;
    if (e < end) {
      const axis = advancingAxis(meta, rank, row);
      srcRow += rowStep(meta, rank, 1, axis);
      dstRow += rowStep(meta, rank, 2, axis);
    }
  }
}

export function copyStrided1(src: usize, dst: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  copyStridedImpl<u8>(src, dst, rank, meta, start, end);
}
export function copyStrided4(src: usize, dst: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  copyStridedImpl<u32>(src, dst, rank, meta, start, end);
}
export function copyStrided8(src: usize, dst: usize, rank: i32, meta: usize, start: i32, end: i32): void {
  copyStridedImpl<u64>(src, dst, rank, meta, start, end);
}
export function copyContig(src: usize, dst: usize, bytes: i32): void {
  memory.copy(dst, src, <usize>bytes);
}
