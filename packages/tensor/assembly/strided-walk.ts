// The elements of a strided view in row-major order, one row of its last axis at a time, for the kernels that take
// views (elementwise binary, fill, copy). A row is one index over every axis but the last. The shape and strides come
// in the runtime's metadata block, an i32 array: shape[0 .. rank), then the strides of each strided array in turn
// (array `which` at meta[which·rank ..]), so one walk can move up to two arrays over one shape. Each function returns
// one value, so a kernel keeps every array's position in its own locals (each thread's, with no shared state).

@inline function metaAt(meta: usize, i: i32): i32 {
  return load<i32>(meta + (<usize>i << 2));
}

/** Element offset of the start of row `row` in array `which`. */
export function rowOffset(meta: usize, rank: i32, which: i32, row: i32): i32 {
  let offset = 0;
  for (let d = rank - 2; d >= 0; d--) {
    const n = metaAt(meta, d);
    offset += (row % n) * metaAt(meta, which * rank + d);
    row /= n;
  }
  return offset;
}

/**
 * The axis whose index goes up from row `row` to row + 1: the axes after it (all but the last) wrap to 0. Called only
 * when row + 1 exists.
 */
export function advancingAxis(meta: usize, rank: i32, row: i32): i32 {
  const next = row + 1;
  let span = 1;
  for (let d = rank - 2; d > 0; d--) {
    span *= metaAt(meta, d);
    if (next % span != 0) return d;
  }
  return 0;
}

/** Elements that array `which` moves by when axis `axis` goes up by one and the axes after it (all but the last) wrap to 0. */
export function rowStep(meta: usize, rank: i32, which: i32, axis: i32): i32 {
  let step = metaAt(meta, which * rank + axis);
  for (let d = axis + 1; d <= rank - 2; d++) step -= metaAt(meta, which * rank + d) * (metaAt(meta, d) - 1);
  return step;
}

/** Whether the strides of array `which` are the row-major strides of the shape (size-1 axes ignored). */
export function isRowMajor(meta: usize, rank: i32, which: i32): bool {
  let expect = 1;
  for (let d = rank - 1; d >= 0; d--) {
    const n = metaAt(meta, d);
    if (n != 1 && metaAt(meta, which * rank + d) != expect) return false;
    expect *= n;
  }
  return true;
}

/** Length of the last axis (1 for rank 0). */
@inline export function innerLength(meta: usize, rank: i32): i32 {
  return rank > 0 ? metaAt(meta, rank - 1) : 1;
}

/** Stride of array `which` along the last axis (0 for rank 0). */
@inline export function innerStride(meta: usize, rank: i32, which: i32): i32 {
  return rank > 0 ? metaAt(meta, which * rank + rank - 1) : 0;
}
