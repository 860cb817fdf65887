// The matmul kernel on BLAS: every MatmulArgs form (plain, transposed a or b, batched, a batch of 1 shared,
// accumulate) as cblas_sgemm / cblas_dgemm calls on the wasm memory itself. Tensors are addressed by their byte
// address in that memory plus the memory's address in the process, so nothing is copied and no typed array is made.
// A large product is split into blocks of output rows (or columns, when it is wider than tall) over the threads of a
// GemmPool, each block one single-threaded BLAS call.
import { BackendError, type MatmulArgs, type Tensor, type WasmBackend } from '@microgpt/tensor';
import { type GemmCall, type GemmPool, createGemmPool } from './gemm-threads';
import { type BlasLibrary, GEMM_SIGNATURES } from './library';

// CBLAS enum values (cblas.h): the same in OpenBLAS, Accelerate and the reference CBLAS.
const ROW_MAJOR = 101;
const NO_TRANS = 111;
const TRANS = 112;
/** Blocks of a split product start at multiples of this many rows or columns (whole micro-kernel tiles). */
const BLOCK_ALIGN = 16;

/** Runs products on BLAS over a wasm backend's memory. */
export interface BlasGemm {
  /**
   * `out = op(a)·op(b)` (or `+=`) for contiguous (batch, rows, cols) operands of the wasm memory (see MatmulArgs);
   * returns whether the product was split over threads.
   */
  matmul(args: MatmulArgs): boolean;
  /** Threads a product may be split over; null for a library that threads itself (not OpenBLAS). */
  readonly threads: number | null;
  /** Splits products over `n` threads from now on (OpenBLAS itself keeps one; other libraries thread themselves). */
  setThreads(n: number): Promise<void>;
  /** Stops the worker threads. */
  dispose(): void;
}

/**
 * The 14 CBLAS arguments of `rows`×`cols` of a product's output starting at (row, col): op(a)'s rows and op(b)'s
 * columns move with the block, the leading dimensions stay those of the whole matrices.
 */
function blockArgs(whole: readonly number[], bytes: number, row: number, rows: number, col: number, cols: number): number[] {
  const [order, opA, opB, , , K, alpha, pa, lda, pb, ldb, beta, pc, ldc] = whole as [number, number, number, number, number, number, number, number, number, number, number, number, number, number];
  const aAt = pa + (opA === TRANS ? row : row * lda) * bytes;
  const bAt = pb + (opB === TRANS ? col * ldb : col) * bytes;
  return [order, opA, opB, rows, cols, K, alpha, aAt, lda, bAt, ldb, beta, pc + (row * ldc + col) * bytes, ldc];
}

/** `call` cut into at most `parts` blocks along its longer output side, each a whole number of aligned tiles. */
function splitCall(call: GemmCall, parts: number): GemmCall[] {
  const [, , , M, N] = call.args as [number, number, number, number, number];
  const byRows = M >= N;
  const length = byRows ? M : N;
  const blocks = Math.min(parts, Math.ceil(length / BLOCK_ALIGN));
  if (blocks <= 1) return [call];
  const bytes = call.f64 ? 8 : 4;
  const edge = (i: number): number => Math.min(length, Math.ceil((length * i) / blocks / BLOCK_ALIGN) * BLOCK_ALIGN);
  return Array.from({ length: blocks }, (_, i) => {
    const [start, end] = [edge(i), edge(i + 1)];
    const args = byRows ? blockArgs(call.args, bytes, start, end - start, 0, N) : blockArgs(call.args, bytes, 0, M, start, end - start);
    return { f64: call.f64, args };
  }).filter((block) => block.args[3]! > 0 && block.args[4]! > 0);
}

/**
 * The BLAS matmul over `base`'s memory through `library`; a product of at least `minSplitWork()` multiply-adds (per
 * batch item) is split over the threads.
 */
export function blasGemm(library: BlasLibrary, base: WasmBackend, minSplitWork: () => number): BlasGemm {
  const memory = base.wasmMemory;
  // Only OpenBLAS can be held to one thread per call, which splitting needs; another library threads itself.
  const pool: GemmPool | null = library.setThreads ? createGemmPool({ koffiPath: library.koffiPath, library: library.path, signatures: GEMM_SIGNATURES }) : null;
  library.setThreads?.(1);
  // The memory's address in the process, taken again whenever its buffer object changes (it grew). V8 reserves
  // the whole 4 GiB range up front, so the address stays the same in practice; nothing here relies on it.
  let buffer: ArrayBufferLike | null = null;
  let origin = 0;
  const here = ({ f64, args }: GemmCall): void => {
    (f64 ? library.dgemm : library.sgemm)(...(args as Parameters<BlasLibrary['sgemm']>));
  };
  return {
    get threads() {
      return pool ? pool.threads : null;
    },
    async setThreads(n) {
      await pool?.resize(n);
    },
    dispose() {
      pool?.dispose();
    },
    matmul({ a, b, out, transA, transB, accumulate }) {
      const [batch, M, N] = out.shape as [number, number, number];
      const K = transA ? a.shape[1]! : a.shape[2]!;
      if (batch === 0 || M === 0 || N === 0) return false;
      if (memory.buffer !== buffer) {
        buffer = memory.buffer;
        origin = library.address(buffer);
      }
      const f64 = out.dtype === 'float64';
      const bytes = f64 ? 8 : 4;
      const end = buffer.byteLength;
      const addressOf = (t: Tensor): number => {
        const at = base.byteAddress(t);
        if (at + t.size * bytes > end) throw new BackendError(`blas.matmul: ${t.describe()} reaches past the end of the wasm memory`);
        return origin + at;
      };
      const [pa, pb, pc] = [addressOf(a), addressOf(b), addressOf(out)];
      const sharedA = a.shape[0] === 1;
      const sharedB = b.shape[0] === 1;
      // Leading dimensions of the row-major operands as they lie; CBLAS refuses 0 even when the matrix is empty.
      const lda = Math.max(1, transA ? M : K);
      const ldb = Math.max(1, transB ? K : N);
      const opA = transA ? TRANS : NO_TRANS;
      const opB = transB ? TRANS : NO_TRANS;
      const beta = accumulate ? 1 : 0;
      // Every batch item's rows of a, and of out, lie back to back when a is not transposed and b is shared: one
      // (batch·M, K)·(K, N) product.
      const merged = !transA && !sharedA && sharedB;
      const rows = merged ? batch * M : M;
      const items = merged ? 1 : batch;
      const aStep = sharedA ? 0 : M * K * bytes;
      const bStep = sharedB ? 0 : K * N * bytes;
      const parts = pool && rows * N * K >= minSplitWork() ? pool.threads : 1;
      let split = false;
      for (let t = 0; t < items; t++) {
        const call = { f64, args: [ROW_MAJOR, opA, opB, rows, N, K, 1, pa + t * aStep, lda, pb + t * bStep, ldb, beta, pc + t * M * N * bytes, N] };
        const blocks = parts > 1 ? splitCall(call, parts) : [call];
        if (blocks.length > 1) pool!.run(blocks, here);
        else here(call);
        split ||= blocks.length > 1;
      }
      return split;
    },
  };
}
