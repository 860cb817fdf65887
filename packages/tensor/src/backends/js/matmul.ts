// Batched matrix multiply over contiguous (batch, rows, cols) operands, in the four transpose layouts.
// Each layout gets the loop order whose inner loop walks memory contiguously; sums run in float64.
// Argument types first, then the JS kernels; the family's conformance cases are in matmul.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/**
 * Batched matmul `out = op(a) · op(b)` (`out += …` when `accumulate`).
 * a: (BA, M, K), or (BA, K, M) with `transA`; b: (BB, K, N), or (BB, N, K) with `transB`; BA and BB are
 * each B or 1 (a batch of 1 is shared by every batch item); out: (B, M, N). All contiguous.
 */
export interface MatmulArgs {
  /** Left operand, (BA, M, K), or (BA, K, M) with `transA`; BA is B or 1. */
  a: Tensor;
  /** Right operand, (BB, K, N), or (BB, N, K) with `transB`; BB is B or 1. */
  b: Tensor;
  /** Result, (B, M, N); overwritten, or added to with `accumulate`. */
  out: Tensor;
  /** Read `a` as transposed (its stored layout is (BA, K, M)), which a backward uses for dW = xᵀ · dy. */
  transA: boolean;
  /** Read `b` as transposed (its stored layout is (BB, N, K)), as a linear layer's weight (out, in) is. */
  transB: boolean;
  /** Add the product to `out` (gradient accumulation) instead of overwriting it. */
  accumulate: boolean;
}

/**
 * `out = op(a) · op(b)` (or `out +=` when `accumulate`). a: (BA, M, K) or (BA, K, M) with transA;
 * b: (BB, K, N) or (BB, N, K) with transB; out: (B, M, N); a batch of 1 is shared by every batch item.
 */
export function matmul({ a, b, out, transA, transB, accumulate }: MatmulArgs): void {
  const [batch = 0, M = 0, N = 0] = out.shape;
  const K = transA ? a.shape[1]! : a.shape[2]!;
  const A = floatsOf(a);
  const Bm = floatsOf(b);
  const O = floatsOf(out);
  const aStep = a.shape[0] === 1 ? 0 : M * K;
  const bStep = b.shape[0] === 1 ? 0 : K * N;
  // One float64 row (or column, for the transA·transB layout) of sums, reused for every row.
  const acc = new Float64Array(Math.max(M, N));
  for (let t = 0; t < batch; t++) {
    const a0 = a.offset + t * aStep;
    const b0 = b.offset + t * bStep;
    const o0 = out.offset + t * M * N;
    if (transA && transB) {
      // out[i, j] = Σ_k a[k, i] b[j, k]: build column j of out so that the inner loop runs along a's rows.
      for (let j = 0; j < N; j++) {
        acc.fill(0, 0, M);
        for (let k = 0; k < K; k++) {
          const bjk = Bm[b0 + j * K + k]!;
          const aRow = a0 + k * M;
          for (let i = 0; i < M; i++) acc[i]! += bjk * A[aRow + i]!;
        }
        for (let i = 0; i < M; i++) O[o0 + i * N + j] = accumulate ? O[o0 + i * N + j]! + acc[i]! : acc[i]!;
      }
      continue;
    }
    for (let i = 0; i < M; i++) {
      const oRow = o0 + i * N;
      if (transB) {
        // out[i, j] = Σ_k a[i, k] b[j, k]: a dot product of two contiguous rows.
        const aRow = a0 + i * K;
        for (let j = 0; j < N; j++) {
          const bRow = b0 + j * K;
          let sum = 0;
          for (let k = 0; k < K; k++) sum += A[aRow + k]! * Bm[bRow + k]!;
          acc[j] = sum;
        }
      } else {
        // out[i, :] = Σ_k a[i, k] b[k, :]: the inner loop runs along b's rows.
        acc.fill(0, 0, N);
        for (let k = 0; k < K; k++) {
          const aik = transA ? A[a0 + k * M + i]! : A[a0 + i * K + k]!;
          const bRow = b0 + k * N;
          for (let j = 0; j < N; j++) acc[j]! += aik * Bm[bRow + j]!;
        }
      }
      if (accumulate) {
        for (let j = 0; j < N; j++) O[oRow + j]! += acc[j]!;
      } else {
        for (let j = 0; j < N; j++) O[oRow + j] = acc[j]!;
      }
    }
  }
}
