import { describe, expect, it } from 'vitest';
import type { FloatDType } from '../dtype';
import { randn, tensor, zeros } from '../create';
import { PythonRandom } from '../random/index';
import { getBackend } from '../registry';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { matmul } from './matmul';

const DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const tolerance = (dtype: FloatDType) => (dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE);

/** Normal values rounded to float32, so float32 and float64 tensors hold the same numbers. */
function normals(rng: PythonRandom, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => Math.fround(rng.gauss(0, 1)));
}

interface Dims {
  batchA: number;
  batchB: number;
  M: number;
  K: number;
  N: number;
  transA: boolean;
  transB: boolean;
}

/** The float64 triple loop that defines batched matmul over flat row-major data (batch 1 is shared). */
function matmulNaive(a: Float64Array, b: Float64Array, d: Dims): Float64Array {
  const { batchA, batchB, M, K, N, transA, transB } = d;
  const batch = batchA === 1 ? batchB : batchA;
  const out = new Float64Array(batch * M * N);
  for (let t = 0; t < batch; t++) {
    const a0 = (batchA === 1 ? 0 : t) * M * K;
    const b0 = (batchB === 1 ? 0 : t) * K * N;
    for (let i = 0; i < M; i++) {
      for (let j = 0; j < N; j++) {
        let s = 0;
        for (let k = 0; k < K; k++) {
          const aik = transA ? a[a0 + k * M + i]! : a[a0 + i * K + k]!;
          const bkj = transB ? b[b0 + j * K + k]! : b[b0 + k * N + j]!;
          s += aik * bkj;
        }
        out[t * M * N + i * N + j] = s;
      }
    }
  }
  return out;
}

const SIZES: readonly [number, number, number][] = [
  [1, 1, 1],
  [1, 3, 5],
  [5, 1, 3],
  [3, 5, 1],
  [17, 5, 3],
  [5, 17, 17],
  [17, 17, 17],
  [3, 17, 1],
];

// Batch layouts: rank of each operand (0 = rank 2) and its batch size.
const BATCHES = [
  { name: 'unbatched', a: 0, b: 0 },
  { name: 'batched', a: 3, b: 3 },
  { name: 'a batch of 1 broadcast', a: 1, b: 3 },
  { name: 'b batch of 1 broadcast', a: 3, b: 1 },
  { name: '2-D a shared by a batched b', a: 0, b: 3 },
  { name: '2-D b shared by a batched a', a: 3, b: 0 },
] as const;

describe('matmul', () => {
  it('multiplies small literal matrices', () => {
    const a = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const b = tensor([[5, 6], [7, 8]], { dtype: 'float64' });
    const out = matmul(a, b);
    expect(out.shape).toEqual([2, 2]);
    expect(out.toList()).toEqual([[19, 22], [43, 50]]);
    expect(matmul(a, b, { transA: true }).toList()).toEqual([[26, 30], [38, 44]]);
    expect(matmul(a, b, { transB: true }).toList()).toEqual([[17, 23], [39, 53]]);
    expect(matmul(a, b, { transA: true, transB: true }).toList()).toEqual([[23, 31], [34, 46]]);
  });

  for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    describe(`transA ${transA}, transB ${transB}`, () => {
      for (const layout of BATCHES) {
        it(`matches the float64 triple loop: ${layout.name}, odd sizes, both dtypes`, () => {
          const rng = new PythonRandom(17);
          for (const [M, K, N] of SIZES) {
            const dims: Dims = { batchA: Math.max(layout.a, 1), batchB: Math.max(layout.b, 1), M, K, N, transA, transB };
            const aData = normals(rng, dims.batchA * M * K);
            const bData = normals(rng, dims.batchB * K * N);
            const expected = matmulNaive(aData, bData, dims);
            const aShape = transA ? [K, M] : [M, K];
            const bShape = transB ? [N, K] : [K, N];
            for (const dtype of DTYPES) {
              const a = tensor(aData, { dtype, shape: layout.a ? [layout.a, ...aShape] : aShape });
              const b = tensor(bData, { dtype, shape: layout.b ? [layout.b, ...bShape] : bShape });
              const out = matmul(a, b, { transA, transB });
              const batch = Math.max(layout.a, layout.b);
              expect(out.shape).toEqual(batch ? [batch, M, N] : [M, N]);
              expect(out.dtype).toBe(dtype);
              assertClose(out, expected, tolerance(dtype), `${dtype} ${M}x${K}x${N}`);
            }
          }
        });
      }
    });
  }

  it('gives float32 results close to float64 on a larger product', () => {
    const a64 = randn([2, 33, 70], { seed: 3, dtype: 'float64' });
    const b64 = randn([70, 29], { seed: 4, dtype: 'float64' });
    const out32 = matmul(a64.clone('float32'), b64.clone('float32'));
    assertClose(out32, matmul(a64, b64), FLOAT32_TOLERANCE);
  });

  it('accumulates into out, and overwrites it otherwise', () => {
    const a = tensor([[1, 2, 3]], { dtype: 'float64' });
    const b = tensor([[1], [1], [1]], { dtype: 'float64' });
    const out = tensor([[10]], { dtype: 'float64' });
    expect(matmul(a, b, { out, accumulate: true })).toBe(out);
    expect(out.toList()).toEqual([[16]]);
    matmul(a, b, { out, accumulate: true });
    expect(out.toList()).toEqual([[22]]);
    matmul(a, b, { out });
    expect(out.toList()).toEqual([[6]]);
  });

  it('accumulates in every transpose layout and for float32', () => {
    const rng = new PythonRandom(5);
    for (const [transA, transB] of [[false, false], [true, false], [false, true], [true, true]] as const) {
      const dims: Dims = { batchA: 2, batchB: 1, M: 3, K: 5, N: 4, transA, transB };
      const aData = normals(rng, 2 * 15);
      const bData = normals(rng, 20);
      const init = normals(rng, 2 * 12);
      const product = matmulNaive(aData, bData, dims);
      for (const dtype of DTYPES) {
        const a = tensor(aData, { dtype, shape: transA ? [2, 5, 3] : [2, 3, 5] });
        const b = tensor(bData, { dtype, shape: transB ? [4, 5] : [5, 4] });
        const out = tensor(init, { dtype, shape: [2, 3, 4] });
        matmul(a, b, { transA, transB, out, accumulate: true });
        matmul(a, b, { transA, transB, out, accumulate: true });
        assertClose(out, init.map((v, i) => v + 2 * product[i]!), tolerance(dtype), `${dtype} ${transA} ${transB}`);
      }
    }
  });

  it('reads non-contiguous operands: transposed views without a copy, other views through one', () => {
    const x = randn([5, 4], { seed: 8, dtype: 'float64' });
    const y = randn([6, 5], { seed: 9, dtype: 'float64' });
    const expected = matmul(x, y, { transA: true, transB: true });
    const xt = x.transpose();
    const yt = y.transpose();
    assertClose(matmul(xt, yt), expected, FLOAT64_TOLERANCE);
    assertClose(matmul(x, yt, { transA: true }), expected, FLOAT64_TOLERANCE);
    // A column slice is neither contiguous nor a transpose of something contiguous.
    const wide = randn([4, 8], { seed: 10, dtype: 'float64' });
    const cols = wide.slice(1, 2, 7);
    const b = randn([5, 3], { seed: 11, dtype: 'float64' });
    assertClose(matmul(cols, b), matmul(cols.clone(), b), FLOAT64_TOLERANCE);
    const batched = randn([3, 4, 5], { seed: 12, dtype: 'float64' });
    assertClose(matmul(batched.transpose(1, 2), b, { transA: true }), matmul(batched, b), FLOAT64_TOLERANCE);
  });

  it('frees its temporary views and copies', () => {
    const a = randn([4, 6], { seed: 1, dtype: 'float64' });
    const b = randn([3, 6, 5], { seed: 2, dtype: 'float64' });
    const strided = a.slice(1, 0, 5).transpose();
    const before = getBackend().memory().liveStorages;
    const out = matmul(strided, b.slice(1, 1, 6), { transA: true });
    expect(out.shape).toEqual([3, 4, 5]);
    expect(getBackend().memory().liveStorages).toBe(before + 1);
  });

  it('handles empty dimensions: K = 0 gives zeros, M = 0 or batch 0 an empty result', () => {
    expect(matmul(zeros([2, 0], { dtype: 'float64' }), zeros([0, 3], { dtype: 'float64' })).toList()).toEqual([
      [0, 0, 0],
      [0, 0, 0],
    ]);
    const out = tensor([[1, 2]], { dtype: 'float64' });
    matmul(zeros([1, 0], { dtype: 'float64' }), zeros([0, 2], { dtype: 'float64' }), { out, accumulate: true });
    expect(out.toList()).toEqual([[1, 2]]);
    const rows = matmul(zeros([0, 4]), randn([4, 3], { seed: 1 }));
    expect(rows.shape).toEqual([0, 3]);
    expect(rows.size).toBe(0);
    expect(matmul(zeros([0, 2, 4]), randn([4, 3], { seed: 1 })).shape).toEqual([0, 2, 3]);
    expect(matmul(zeros([2, 4]), zeros([4, 0])).shape).toEqual([2, 0]);
  });

  it('gives the gradients autograd builds from it: dA = dOut·Bᵀ, dB = Aᵀ·dOut', () => {
    const a = randn([3, 4, 5], { seed: 21, dtype: 'float64' });
    const b = randn([5, 2], { seed: 22, dtype: 'float64' });
    const w = randn([3, 4, 2], { seed: 23, dtype: 'float64' });
    const loss = (): number => weightedSum(matmul(a, b), w);
    const da = matmul(w, b, { transB: true });
    assertClose(da, numericGradient(loss, a), { atol: 1e-8, rtol: 1e-7 }, 'dA');
    // b is shared across the batch: its gradient sums the per-item products, built here with accumulate.
    const db = zeros([5, 2], { dtype: 'float64' });
    for (let t = 0; t < 3; t++) {
      const at = a.slice(0, t, t + 1).reshape([4, 5]);
      const wt = w.slice(0, t, t + 1).reshape([4, 2]);
      matmul(at, wt, { transA: true, out: db, accumulate: true });
    }
    assertClose(db, numericGradient(loss, b), { atol: 1e-8, rtol: 1e-7 }, 'dB');
  });

  it('keeps large values finite', () => {
    const a = tensor([[1000, -1000, 1000]]);
    const b = tensor([[1000], [1000], [-1000]]);
    expect(matmul(a, b).toList()).toEqual([[-1e6]]);
  });

  describe('errors', () => {
    const t = (shape: number[], dtype: FloatDType = 'float32'): Tensor => zeros(shape, { dtype });
    it('names both shapes when inner dims differ', () => {
      expect(() => matmul(t([2, 3]), t([4, 5]))).toThrow(/^matmul: a is \[2, 3\], b is \[4, 5\]; inner dims 3 and 4 differ$/);
      expect(() => matmul(t([2, 3]), t([5, 4]), { transB: true })).toThrow(
        /^matmul: a is \[2, 3\], b is \[5, 4\] \(transB\); inner dims 3 and 4 differ$/,
      );
      expect(() => matmul(t([3, 2]), t([3, 5]), { transA: true, transB: true })).toThrow(
        /^matmul: a is \[3, 2\] \(transA\), b is \[3, 5\] \(transB\); inner dims 3 and 5 differ$/,
      );
    });
    it('rejects batch sizes that differ with neither 1', () => {
      expect(() => matmul(t([2, 3, 4]), t([5, 4, 6]))).toThrow(
        /^matmul: a is \[2, 3, 4\], b is \[5, 4, 6\]; batch sizes 2 and 5 differ and neither is 1$/,
      );
    });
    it('rejects ranks other than 2 and 3', () => {
      expect(() => matmul(t([3]), t([3, 4]))).toThrow(/^matmul: a must have 2 or 3 dimensions, found \[3\]$/);
      expect(() => matmul(t([2, 3]), t([1, 1, 3, 4]))).toThrow(/^matmul: b must have 2 or 3 dimensions, found \[1, 1, 3, 4\]$/);
    });
    it('rejects mixed and non-float dtypes', () => {
      expect(() => matmul(t([2, 3]), t([3, 4], 'float64'))).toThrow(
        /^matmul: a is float32 \[2, 3\], b is float64 \[3, 4\]; dtypes must match$/,
      );
      const ids = tensor(new Int32Array(6), { shape: [2, 3] });
      expect(() => matmul(ids, t([3, 4]))).toThrow(/^matmul: a must be float32 or float64, found int32$/);
    });
    it('checks out and accumulate', () => {
      expect(() => matmul(t([2, 3]), t([3, 4]), { out: t([2, 2]) })).toThrow(/^matmul: out is \[2, 2\], expected \[2, 4\]$/);
      expect(() => matmul(t([2, 3]), t([3, 4]), { out: t([2, 4], 'float64') })).toThrow(/^matmul: out must be float32, found float64$/);
      expect(() => matmul(t([2, 3]), t([3, 4]), { accumulate: true })).toThrow(/^matmul: accumulate adds into out, but no out was given$/);
    });
  });
});

describe('matmul out aliasing', () => {
  it('refuses an out that shares storage with an input', () => {
    const a = tensor([[1, 2], [3, 4]]);
    expect(() => matmul(a, a, { out: a })).toThrow(
      new TypeError('matmul: out shares storage with a; a product cannot be written over its input'),
    );
  });
});
