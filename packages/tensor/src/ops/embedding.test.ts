import { describe, expect, it } from 'vitest';
import { full, randn, tensor, zeros } from '../create';
import { IndexError } from '../errors';
import { FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { embedding, embeddingBackward } from './embedding';

const ids32 = { dtype: 'int32' } as const;
const f64 = { dtype: 'float64' } as const;
const table = [
  [0.5, 1, 1.5],
  [2, 2.5, 3],
  [-1, -2, -3],
  [7, 8, 9],
];

describe('embedding', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`gathers rows exactly for ids of rank 2 (${dtype})`, () => {
      const out = embedding(tensor(table, { dtype }), tensor([[2, 0], [3, 3]], ids32));
      expect(out.dtype).toBe(dtype);
      expect(out.toList()).toEqual([
        [[-1, -2, -3], [0.5, 1, 1.5]],
        [[7, 8, 9], [7, 8, 9]],
      ]);
    });
  }

  it('takes a scalar id, empty ids, a single-column table, and a non-contiguous table', () => {
    const weight = tensor(table, f64);
    expect(embedding(weight, tensor(1, ids32)).toList()).toEqual([2, 2.5, 3]);
    expect(embedding(weight, zeros([0], ids32)).shape).toEqual([0, 3]);
    expect(embedding(tensor([[4], [5]]), tensor([1, 1, 0], ids32)).toList()).toEqual([[5], [5], [4]]);
    const transposed = tensor([[1, 2, 3], [4, 5, 6]]).transpose();
    expect(embedding(transposed, tensor([2, 0], ids32)).toList()).toEqual([[3, 6], [1, 4]]);
  });

  it('writes into a given out', () => {
    const out = zeros([2, 3], f64);
    expect(embedding(tensor(table, f64), tensor([1, 2], ids32), out)).toBe(out);
    expect(out.toList()).toEqual([table[1], table[2]]);
  });

  it('throws IndexError for an id out of range before writing anything', () => {
    const weight = zeros([65, 4]);
    const out = full([5, 4], 42);
    expect(() => embedding(weight, tensor([1, 2, 3, 70, 0], ids32), out)).toThrow(/^embedding: ids\[3\] = 70 is outside \[0, 65\)$/);
    expect(Array.from(out.toArray()).every((v) => v === 42)).toBe(true);
    expect(() => embedding(weight, tensor([[0, 1], [-1, 2]], ids32))).toThrow(/^embedding: ids\[1, 0\] = -1 is outside \[0, 65\)$/);
    expect(() => embedding(weight, tensor([65], ids32))).toThrow(IndexError);
  });

  it('rejects bad dtypes and shapes with messages naming the op', () => {
    expect(() => embedding(zeros([4, 3]), tensor([1]))).toThrow(/^embedding: ids must be int32, found float32$/);
    expect(() => embedding(zeros([4, 3], ids32), tensor([1], ids32))).toThrow(/^embedding: weight must be float32 or float64, found int32$/);
    expect(() => embedding(zeros([2, 2, 2]), tensor([1], ids32))).toThrow(/^embedding: weight must have 2 dimensions, found \[2, 2, 2\]$/);
    expect(() => embedding(zeros([4, 3]), tensor([1, 2], ids32), zeros([2, 4]))).toThrow(/^embedding: out is \[2, 4\], expected \[2, 3\]$/);
  });
});

describe('embeddingBackward', () => {
  it('scatter-adds, accumulating repeated ids', () => {
    const dweight = zeros([4, 2], f64);
    const dout = tensor([[[1, 2], [3, 4]], [[5, 6], [7, 8]]], f64);
    expect(embeddingBackward(tensor([[3, 0], [3, 3]], ids32), dout, dweight)).toBe(dweight);
    expect(dweight.toList()).toEqual([[3, 4], [0, 0], [0, 0], [13, 16]]);
  });

  it('matches finite differences, and adds into dweight (twice doubles)', () => {
    const weight = randn([5, 3], { seed: 1, ...f64 });
    const ids = tensor([[4, 1, 4], [0, 2, 1]], ids32);
    const w = randn([2, 3, 3], { seed: 2, ...f64 });
    const expected = numericGradient(() => weightedSum(embedding(weight, ids), w), weight);
    const dweight = zeros([5, 3], f64);
    embeddingBackward(ids, w, dweight);
    assertClose(dweight, expected, { atol: 1e-8, rtol: 1e-7 });
    embeddingBackward(ids, w, dweight);
    assertClose(dweight, expected.map((g) => 2 * g), { atol: 1e-8, rtol: 1e-7 });
  });

  it('is exact in float32 for sums that fit', () => {
    const dweight = zeros([3, 3]);
    embeddingBackward(tensor([2, 2, 2], ids32), tensor([[0.5, 1, -1], [0.25, 2, -1], [0.25, 4, -1]]), dweight);
    expect(dweight.toList()).toEqual([[0, 0, 0], [0, 0, 0], [1, 7, -3]]);
  });

  it('throws before writing for a bad id, and names shapes and dtypes', () => {
    const dweight = full([3, 2], 1, f64);
    expect(() => embeddingBackward(tensor([0, 3], ids32), zeros([2, 2], f64), dweight)).toThrow(
      /^embeddingBackward: ids\[1\] = 3 is outside \[0, 3\)$/,
    );
    expect(Array.from(dweight.toArray())).toEqual([1, 1, 1, 1, 1, 1]);
    expect(() => embeddingBackward(tensor([0, 1], ids32), zeros([2, 3], f64), dweight)).toThrow(
      /^embeddingBackward: dout is \[2, 3\], expected \[2, 2\]$/,
    );
    expect(() => embeddingBackward(tensor([0, 1], ids32), zeros([2, 2]), dweight)).toThrow(/^embeddingBackward: dweight must be float32, found float64$/);
    assertClose(dweight, [1, 1, 1, 1, 1, 1], FLOAT64_TOLERANCE);
  });
});
