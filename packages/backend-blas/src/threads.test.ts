// Threads: one count drives the wasm workers and the split of BLAS products, and a product repeats bit for bit.
// A split product is a fixed set of one-thread OpenBLAS calls on blocks of output rows (or columns) starting at
// multiples of 16, so nothing depends on timing; and as each output element is one dot product that OpenBLAS's
// one-thread code sums in the same order whichever block holds it, the result is also the same at any thread count.
// That second property rests on OpenBLAS not switching kernels by size inside a block (its small-matrix and gemv
// paths could), so it is tested here on shapes from 1 to 3000 rows rather than assumed. (OpenBLAS's own threads,
// not used, change skinny products such as 7×2000·2000×3000 in the last bits between 1 and 2 threads.)
import { type Tensor, matmul, randn } from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlasBackend, createBlasBackend } from './index';
import { loadBlas } from './library';

let blas: BlasBackend;

beforeAll(async () => {
  blas = await createBlasBackend({ routing: { minWork: 0, minSplitWork: 0 } });
});

afterAll(async () => {
  await blas.setThreads(1);
});

/** The bits of `t`'s elements, to compare runs exactly. */
function bits(t: Tensor): Buffer {
  const values = t.toArray();
  return Buffer.from(values.buffer, values.byteOffset, values.byteLength);
}

/** The first element whose bits differ between two runs, or -1 (a deep equality of megabytes is too slow). */
function firstDifference(x: Buffer, y: Buffer, bytesPerElement: number): number {
  if (x.equals(y)) return -1;
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return Math.floor(i / bytesPerElement);
  return Math.floor(Math.min(x.length, y.length) / bytesPerElement);
}

describe('blas threads', () => {
  it('setThreads sets the wasm workers and OpenBLAS together', async () => {
    for (const n of [2, 1, 3]) {
      await blas.setThreads(n);
      expect(blas.threads).toBe(n);
      expect(blas.base.threads).toBe(n);
      expect(blas.blasThreads).toBe(n);
      // OpenBLAS itself stays on one thread: its idle threads would spin on the cores the workers use.
      expect(loadBlas().threads()).toBe(1);
    }
  });

  it('refuses a thread count below 1 or above 16 with a RangeError', async () => {
    await expect(blas.setThreads(0)).rejects.toThrow(RangeError);
    await expect(blas.setThreads(17)).rejects.toThrow(RangeError);
    await expect(blas.setThreads(1.5)).rejects.toThrow(RangeError);
  });

  // Square, a layer's forward (transB), its weight gradient (transA), and skinny products (split by rows, by
  // columns); every product is split (minSplitWork 0).
  const SHAPES = [
    { M: 512, K: 512, N: 512, transA: false, transB: false },
    { M: 768, K: 128, N: 384, transA: false, transB: true },
    { M: 384, K: 768, N: 128, transA: true, transB: false },
    { M: 7, K: 2000, N: 3000, transA: false, transB: false },
    { M: 3000, K: 2000, N: 7, transA: false, transB: true },
  ];

  for (const dtype of ['float32', 'float64'] as const) {
    it(`a product is bit-identical at 1, 2, 3 and 4 threads (${dtype})`, async () => {
      const shapes = [...SHAPES, { M: 1, K: 12, N: 8192, transA: false, transB: false }, { M: 57, K: 16, N: 64, transA: false, transB: true }, { M: 33, K: 9, N: 17, transA: true, transB: true }];
      for (const { M, K, N, transA, transB } of shapes) {
        const a = randn(transA ? [K, M] : [M, K], { seed: 1, backend: blas, dtype });
        const b = randn(transB ? [N, K] : [K, N], { seed: 2, backend: blas, dtype });
        await blas.setThreads(1);
        const out = matmul(a, b, { transA, transB });
        const one = bits(out);
        for (const threads of [2, 3, 4]) {
          await blas.setThreads(threads);
          matmul(a, b, { transA, transB, out });
          expect(firstDifference(bits(out), one, dtype === 'float32' ? 4 : 8), `${M}x${K}x${N} at ${threads} threads`).toBe(-1);
        }
        for (const t of [a, b, out]) t.dispose();
      }
    });

    it(`10 runs of the same product at 2 threads are bit-identical (${dtype})`, async () => {
      await blas.setThreads(2);
      for (const { M, K, N, transA, transB } of SHAPES) {
        const a = randn(transA ? [K, M] : [M, K], { seed: 1, backend: blas, dtype });
        const b = randn(transB ? [N, K] : [K, N], { seed: 2, backend: blas, dtype });
        const out = matmul(a, b, { transA, transB });
        const first = bits(out);
        for (let run = 1; run < 10; run++) {
          matmul(a, b, { transA, transB, out });
          expect(firstDifference(bits(out), first, dtype === 'float32' ? 4 : 8), `${M}x${K}x${N} run ${run + 1}`).toBe(-1);
        }
        for (const t of [a, b, out]) t.dispose();
      }
    });
  }
});
