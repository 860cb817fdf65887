// Every matmul form on BLAS against the JS reference in float64, at sizes past the conformance suite's (long sums,
// the shapes of a model's layers), with operands at offsets in their storage and after the wasm memory grew; BLAS
// and the wasm kernel agree within float32 tolerance; the routing sends each product where the thresholds say.
import { type FloatDType, type Tensor, findBackend, matmul, randn, tensor, zeros } from '@microgpt/tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '@microgpt/tensor/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BlasBackend, MEASURED_ROUTING, createBlasBackend } from './index';

const EVERY_PRODUCT = { minWork: 0, minSplitWork: 0 };
const NO_PRODUCT = { minWork: Infinity, minSplitWork: Infinity };
let blas: BlasBackend;

beforeAll(async () => {
  blas = await createBlasBackend({ routing: EVERY_PRODUCT });
});

afterAll(() => {
  blas.dispose?.();
});

const tolerance = (dtype: FloatDType): typeof FLOAT32_TOLERANCE => (dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE);

/** Normal values with std 1/√K (float32-exact, so every backend sees the same inputs), on `blas`. */
function operand(shape: number[], K: number, seed: number, dtype: FloatDType): Tensor {
  const t = randn(shape, { seed, std: 1 / Math.sqrt(K), backend: blas, dtype: 'float32' });
  const exact = t.clone(dtype);
  t.dispose();
  return exact;
}

/** The same product on the JS backend in float64. */
function reference(a: Tensor, b: Tensor, options: { transA?: boolean; transB?: boolean }, start?: Tensor): Float64Array {
  const js = findBackend('js');
  const onJs = (t: Tensor): Tensor => tensor(Float64Array.from(t.toArray()), { shape: t.shape, backend: js });
  const out = start ? onJs(start) : undefined;
  const result = matmul(onJs(a), onJs(b), { ...options, ...(out && { out, accumulate: true }) });
  return Float64Array.from(result.toArray());
}

interface Form {
  readonly name: string;
  readonly a: (M: number, K: number) => number[];
  readonly b: (K: number, N: number) => number[];
  readonly transA: boolean;
  readonly transB: boolean;
}

const FORMS: readonly Form[] = [
  { name: 'plain', a: (M, K) => [M, K], b: (K, N) => [K, N], transA: false, transB: false },
  { name: 'transA', a: (M, K) => [K, M], b: (K, N) => [K, N], transA: true, transB: false },
  { name: 'transB', a: (M, K) => [M, K], b: (K, N) => [N, K], transA: false, transB: true },
  { name: 'transA transB', a: (M, K) => [K, M], b: (K, N) => [N, K], transA: true, transB: true },
  { name: 'batched', a: (M, K) => [3, M, K], b: (K, N) => [3, K, N], transA: false, transB: false },
  { name: 'batched transA transB', a: (M, K) => [3, K, M], b: (K, N) => [3, N, K], transA: true, transB: true },
  { name: 'batched a, b shared (one product of all rows)', a: (M, K) => [4, M, K], b: (K, N) => [K, N], transA: false, transB: false },
  { name: 'batched a transA, b shared (batch 1)', a: (M, K) => [4, K, M], b: (K, N) => [1, K, N], transA: true, transB: false },
  { name: 'a shared, batched b transB', a: (M, K) => [M, K], b: (K, N) => [2, N, K], transA: false, transB: true },
];

// A small odd shape, a long sum, and a shakespeare-cpu MLP layer (128 wide into 512) on 192 rows.
const SHAPES: readonly (readonly [number, number, number])[] = [
  [3, 5, 7],
  [65, 769, 97],
  [192, 128, 512],
];

describe('blas matmul against the JS reference', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    for (const form of FORMS) {
      it(`${form.name} (${dtype})`, () => {
        for (const [M, K, N] of SHAPES) {
          const a = operand(form.a(M, K), K, 1, dtype);
          const b = operand(form.b(K, N), K, 2, dtype);
          const options = { transA: form.transA, transB: form.transB };
          const before = blas.counts().blas;
          const out = matmul(a, b, options);
          expect(blas.counts().blas).toBeGreaterThan(before);
          assertClose(out.toArray(), reference(a, b, options), tolerance(dtype), `${form.name} ${M}x${K}x${N} ${dtype}`);
          // accumulate: out += the same product again.
          const start = operand(out.shape as number[], 1, 3, dtype);
          const expected = reference(a, b, options, start);
          matmul(a, b, { ...options, out: start, accumulate: true });
          assertClose(start.toArray(), expected, tolerance(dtype), `${form.name} ${M}x${K}x${N} ${dtype} accumulate`);
          for (const t of [a, b, out, start]) t.dispose();
        }
      });
    }
  }

  it('reads and writes operands at an offset in their storage (slices of larger tensors)', () => {
    const [M, K, N] = [33, 40, 21];
    const bigA = operand([M + 5, K], K, 1, 'float32');
    const bigB = operand([N + 2, K], K, 2, 'float32');
    const bigOut = zeros([2, M, N], { backend: blas });
    const a = bigA.slice(0, 5, 5 + M);
    const b = bigB.slice(0, 2, 2 + N);
    const out = bigOut.slice(0, 1, 2).reshape([M, N]);
    matmul(a, b, { transB: true, out });
    assertClose(out.toArray(), reference(a, b, { transB: true }), FLOAT32_TOLERANCE, 'sliced operands');
    expect(Array.from(bigOut.slice(0, 0, 1).toArray()).every((v) => v === 0)).toBe(true);
    for (const t of [bigA, bigB, bigOut, a, b, out]) t.dispose();
  });

  it('stays correct after the wasm memory grows (the memory is found again)', () => {
    const a = operand([50, 60], 60, 1, 'float32');
    const b = operand([60, 70], 60, 2, 'float32');
    const first = matmul(a, b);
    const bytes = blas.base.wasmMemory.buffer.byteLength;
    const filler = zeros([bytes / 4 + (1 << 20)], { backend: blas });
    expect(blas.base.wasmMemory.buffer.byteLength).toBeGreaterThan(bytes);
    const second = matmul(a, b);
    assertClose(second.toArray(), reference(a, b, {}), FLOAT32_TOLERANCE, 'after growth');
    expect(Array.from(second.toArray())).toEqual(Array.from(first.toArray()));
    for (const t of [a, b, first, second, filler]) t.dispose();
  });

  it('an empty inner dimension writes zeros, or leaves out as it was when accumulating', () => {
    const a = zeros([4, 0], { backend: blas });
    const b = zeros([0, 3], { backend: blas });
    const out = tensor([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], { backend: blas });
    matmul(a, b, { out, accumulate: true });
    expect(out.toList()).toEqual([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]]);
    matmul(a, b, { out });
    expect(out.toList()).toEqual([[0, 0, 0], [0, 0, 0], [0, 0, 0], [0, 0, 0]]);
    for (const t of [a, b, out]) t.dispose();
  });
});

describe('routing between BLAS and the wasm kernel', () => {
  it('both paths give the same products within float32 tolerance, in every form, around the thresholds', () => {
    const shapes: (readonly [number, number, number])[] = [[1, 128, 384], [4, 128, 65], [16, 16, 16], [64, 64, 64], [200, 130, 70]];
    try {
      for (const [M, K, N] of shapes) {
        for (const form of FORMS) {
          const a = operand(form.a(M, K), K, 1, 'float32');
          const b = operand(form.b(K, N), K, 2, 'float32');
          const options = { transA: form.transA, transB: form.transB };
          blas.routing = NO_PRODUCT;
          const onWasm = matmul(a, b, options);
          blas.routing = EVERY_PRODUCT;
          const onBlas = matmul(a, b, options);
          assertClose(onBlas.toArray(), onWasm.toArray(), FLOAT32_TOLERANCE, `${form.name} ${M}x${K}x${N}`);
          for (const t of [a, b, onWasm, onBlas]) t.dispose();
        }
      }
    } finally {
      blas.routing = EVERY_PRODUCT;
    }
  });

  it('sends products below the measured thresholds to wasm, the rest to BLAS, and splits the largest over threads', async () => {
    const { minWork, minSplitWork } = MEASURED_ROUTING;
    blas.routing = MEASURED_ROUTING;
    await blas.setThreads(2);
    try {
      /** What one product of M·N·K multiply-adds (K = 1) did, counted. */
      const run = (M: number, N: number): { blas: number; split: number; wasm: number } => {
        const before = blas.counts();
        const a = zeros([M, 1], { backend: blas });
        const b = zeros([N, 1], { backend: blas });
        const out = matmul(a, b, { transB: true });
        for (const t of [a, b, out]) t.dispose();
        const after = blas.counts();
        return { blas: after.blas - before.blas, split: after.split - before.split, wasm: after.wasm - before.wasm };
      };
      expect(run(1, minWork)).toEqual({ blas: 1, split: 0, wasm: 0 });
      expect(run(1, minWork - 1)).toEqual({ blas: 0, split: 0, wasm: 1 });
      expect(run(1024, minSplitWork / 1024)).toEqual({ blas: 1, split: 1, wasm: 0 });
      expect(run(1024, minSplitWork / 1024 - 1)).toEqual({ blas: 1, split: 0, wasm: 0 });
    } finally {
      blas.routing = EVERY_PRODUCT;
    }
  });
});
