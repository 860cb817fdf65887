// Embedding lookup (gather rows of a (V, C) table) and its backward (scatter-add into the table's gradient).
// ids are validated by the op before either kernel runs.

/** out[i] = weight[ids[i]] for rows [start, end): one memory.copy per row. */
function embeddingImpl<T>(weight: usize, ids: usize, out: usize, C: i32, start: i32, end: i32): void {
  const rowBytes = <usize>C << alignof<T>();
  for (let i = start; i < end; i++) {
    const id = load<i32>(ids + (<usize>i << 2));
    memory.copy(out + <usize>i * rowBytes, weight + <usize>id * rowBytes, rowBytes);
  }
}

/** dweight[ids[i]] += dout[i] for all N rows, in row order (a repeated id accumulates); native lanes are exact. */
function embeddingBackwardImpl<T>(ids: usize, dout: usize, dweight: usize, N: i32, C: i32): void {
  const sh = alignof<T>();
  const rowBytes = <usize>C << sh;
  const lanes = <i32>(16 / sizeof<T>());
  for (let i = 0; i < N; i++) {
    const src = dout + <usize>i * rowBytes;
    const dst = dweight + <usize>load<i32>(ids + (<usize>i << 2)) * rowBytes;
    let j = 0;
    for (; j + lanes <= C; j += lanes) {
      const o = <usize>j << sh;
      const sum = sizeof<T>() == 4 ? f32x4.add(v128.load(dst + o), v128.load(src + o)) : f64x2.add(v128.load(dst + o), v128.load(src + o));
      v128.store(dst + o, sum);
    }
    for (; j < C; j++) {
      const o = <usize>j << sh;
      store<T>(dst + o, load<T>(dst + o) + load<T>(src + o));
    }
  }
}

export function embeddingF32(weight: usize, ids: usize, out: usize, C: i32, start: i32, end: i32): void {
  embeddingImpl<f32>(weight, ids, out, C, start, end);
}
export function embeddingF64(weight: usize, ids: usize, out: usize, C: i32, start: i32, end: i32): void {
  embeddingImpl<f64>(weight, ids, out, C, start, end);
}
export function embeddingBackwardF32(ids: usize, dout: usize, dweight: usize, N: i32, C: i32): void {
  embeddingBackwardImpl<f32>(ids, dout, dweight, N, C);
}
export function embeddingBackwardF64(ids: usize, dout: usize, dweight: usize, N: i32, C: i32): void {
  embeddingBackwardImpl<f64>(ids, dout, dweight, N, C);
}
