import { describe, expect, it } from 'vitest';
import type { BinaryOp } from '../backend';
import { BINARY_OP_DEFINITIONS, BINARY_OPS } from '../backends/js/elementwise';
import type { FloatDType } from '../dtype';
import { randn, tensor, zeros } from '../create';
import { PythonRandom } from '../random/index';
import { getBackend } from '../registry';
import type { Tensor } from '../tensor';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose } from '../testing/compare';
import { numericGradient, weightedSum } from '../testing/finite-difference';
import { add, binary, div, mul, sub } from './elementwise';
import { reduceToShape } from './reduce';

const DTYPES: readonly FloatDType[] = ['float32', 'float64'];
const tolerance = (dtype: FloatDType) => (dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE);

/** Float64 NumPy-style broadcasting by explicit index arithmetic, independent of shape.ts and views. */
function naiveBinary(op: BinaryOp, a: ArrayLike<number>, aShape: number[], b: ArrayLike<number>, bShape: number[]): Float64Array {
  const rank = Math.max(aShape.length, bShape.length);
  const pad = (s: number[]): number[] => [...new Array<number>(rank - s.length).fill(1), ...s];
  const sa = pad(aShape);
  const sb = pad(bShape);
  const shape = sa.map((d, i) => (d === 1 ? sb[i]! : d));
  const size = shape.reduce((p, d) => p * d, 1);
  const out = new Float64Array(size);
  for (let flat = 0; flat < size; flat++) {
    let rest = flat;
    let ai = 0;
    let bi = 0;
    let aStride = 1;
    let bStride = 1;
    for (let d = rank - 1; d >= 0; d--) {
      const idx = rest % shape[d]!;
      rest = Math.floor(rest / shape[d]!);
      if (sa[d] !== 1) ai += idx * aStride;
      if (sb[d] !== 1) bi += idx * bStride;
      aStride *= sa[d]!;
      bStride *= sb[d]!;
    }
    out[flat] = BINARY_OP_DEFINITIONS[op].apply(a[ai]!, b[bi]!);
  }
  return out;
}

/** Values rounded to float32 and kept away from 0, so division is well conditioned in both dtypes. */
function values(rng: PythonRandom, n: number): Float64Array {
  return Float64Array.from({ length: n }, () => {
    const v = rng.gauss(0, 1);
    return Math.fround(v + Math.sign(v) * 0.5);
  });
}

const size = (shape: number[]): number => shape.reduce((p, d) => p * d, 1);

const BROADCASTS: readonly [number[], number[]][] = [
  [[7], [7]],
  [[3, 5], [3, 5]],
  [[2, 3, 5], [5]],
  [[5], [2, 3, 5]],
  [[3, 1], [1, 4]],
  [[2, 1, 5], [3, 1]],
  [[4, 3, 1, 2], [3, 5, 1]],
  [[], [2, 3]],
  [[2, 3], []],
  [[1], [17]],
  [[3, 17, 1], [17, 3]],
];

describe('binary ops', () => {
  it('computes literal values', () => {
    const x = tensor([1, 2, 3], { dtype: 'float64' });
    const y = tensor([10, 20, 30], { dtype: 'float64' });
    expect(add(x, y).toList()).toEqual([11, 22, 33]);
    expect(sub(x, y).toList()).toEqual([-9, -18, -27]);
    expect(mul(x, y).toList()).toEqual([10, 40, 90]);
    expect(div(y, x).toList()).toEqual([10, 10, 10]);
    expect(add(tensor([[1], [2]], { dtype: 'float64' }), y).toList()).toEqual([[11, 21, 31], [12, 22, 32]]);
  });

  for (const op of BINARY_OPS) {
    it(`${op} broadcasts like NumPy, in both dtypes`, () => {
      const rng = new PythonRandom(BINARY_OPS.indexOf(op) + 1);
      for (const [aShape, bShape] of BROADCASTS) {
        const aData = values(rng, size(aShape));
        const bData = values(rng, size(bShape));
        const expected = naiveBinary(op, aData, aShape, bData, bShape);
        for (const dtype of DTYPES) {
          const out = binary(op, tensor(aData, { dtype, shape: aShape }), tensor(bData, { dtype, shape: bShape }));
          expect(out.dtype).toBe(dtype);
          assertClose(out, expected, tolerance(dtype), `${op} ${dtype} [${aShape.join()}] [${bShape.join()}]`);
        }
      }
    });
  }

  it('reads strided views (transposes and slices) on either side', () => {
    const a = randn([6, 7], { seed: 1, dtype: 'float64' });
    const b = randn([7, 6], { seed: 2, dtype: 'float64' });
    const aT = a.transpose();
    assertClose(sub(aT, b), naiveBinary('sub', aT.toArray(), [7, 6], b.toArray(), [7, 6]), FLOAT64_TOLERANCE);
    assertClose(sub(b, aT), naiveBinary('sub', b.toArray(), [7, 6], aT.toArray(), [7, 6]), FLOAT64_TOLERANCE);
    // A strided column broadcast against a matrix.
    const column = a.slice(1, 2, 3);
    assertClose(mul(column, a), naiveBinary('mul', column.toArray(), [6, 1], a.toArray(), [6, 7]), FLOAT64_TOLERANCE);
  });

  it('applies a number on either side', () => {
    const x = tensor([1, 2, 4], { dtype: 'float64' });
    expect(add(x, 1.5).toList()).toEqual([2.5, 3.5, 5.5]);
    expect(add(1.5, x).toList()).toEqual([2.5, 3.5, 5.5]);
    expect(sub(x, 1).toList()).toEqual([0, 1, 3]);
    expect(sub(1, x).toList()).toEqual([0, -1, -3]);
    expect(mul(-2, x).toList()).toEqual([-2, -4, -8]);
    expect(div(x, 4).toList()).toEqual([0.25, 0.5, 1]);
    expect(div(4, x).toList()).toEqual([4, 2, 1]);
    const strided = tensor([[1, 2], [3, 4]], { dtype: 'float64' }).transpose();
    expect(sub(10, strided).toList()).toEqual([[9, 7], [8, 6]]);
    const f32 = tensor([1, 3], { dtype: 'float32' });
    expect(Array.from(div(1, f32).toArray())).toEqual([1, Math.fround(1 / 3)]);
  });

  it('gives float32 results close to float64 ones', () => {
    const a = randn([4, 33], { seed: 5, dtype: 'float64' });
    const b = add(randn([33], { seed: 6, dtype: 'float64' }), 3);
    for (const op of BINARY_OPS) {
      assertClose(binary(op, a.clone('float32'), b.clone('float32')), binary(op, a, b), FLOAT32_TOLERANCE, op);
    }
  });

  it('writes into out, including in place, and frees its broadcast views', () => {
    const x = tensor([[1, 2], [3, 4]], { dtype: 'float64' });
    const row = tensor([10, 20], { dtype: 'float64' });
    const before = getBackend().memory().liveStorages;
    expect(add(x, row, x)).toBe(x);
    expect(mul(x, 2, x)).toBe(x);
    expect(getBackend().memory().liveStorages).toBe(before);
    expect(x.toList()).toEqual([[22, 44], [26, 48]]);
    const out = zeros([2, 2], { dtype: 'float64' });
    sub(row, x, out);
    expect(out.toList()).toEqual([[-12, -24], [-16, -28]]);
  });

  it('handles empty tensors and size-1 dimensions', () => {
    const empty = add(zeros([0, 3]), randn([3], { seed: 1 }));
    expect(empty.shape).toEqual([0, 3]);
    expect(empty.size).toBe(0);
    expect(mul(zeros([2, 0]), zeros([1, 1])).shape).toEqual([2, 0]);
    expect(div(zeros([0]), 2).shape).toEqual([0]);
    expect(add(tensor([[[5]]]), tensor([1, 2])).toList()).toEqual([[[6, 7]]]);
  });

  it('keeps large values finite', () => {
    const logits = tensor([1000, -1000, 999.5], { dtype: 'float32' });
    expect(Array.from(sub(logits, tensor([1000])).toArray())).toEqual([0, -2000, -0.5]);
    expect(Array.from(div(logits, 1000).toArray())).toEqual([1, -1, Math.fround(0.9995)]);
  });

  it('has gradients that reduceToShape recovers for broadcast operands', () => {
    const a = randn([3, 1, 5], { seed: 11, dtype: 'float64' });
    const b = add(randn([4, 1], { seed: 12, dtype: 'float64' }), 3);
    const w = randn([3, 4, 5], { seed: 13, dtype: 'float64' });
    const tol = { atol: 1e-8, rtol: 1e-7 };
    // d(a op b)/da and /db, elementwise at the broadcast shape, then summed back to each operand. The four arithmetic
    // operators are enough to exercise reduceToShape (autograd checks the gradient of every operator).
    const gradients: Record<'add' | 'sub' | 'mul' | 'div', [Tensor, Tensor]> = {
      add: [w, w],
      sub: [w, mul(w, -1)],
      mul: [mul(w, b), mul(w, a)],
      div: [div(w, b), mul(w, div(mul(a, -1), mul(b, b)))],
    };
    for (const [op, [gradA, gradB]] of Object.entries(gradients)) {
      const loss = (): number => weightedSum(binary(op as BinaryOp, a, b), w);
      assertClose(reduceToShape(gradA, a.shape), numericGradient(loss, a), tol, `${op} da`);
      assertClose(reduceToShape(gradB, b.shape), numericGradient(loss, b), tol, `${op} db`);
    }
  });

  describe('errors', () => {
    it('names both shapes when they do not broadcast', () => {
      expect(() => add(zeros([2, 3]), zeros([4]))).toThrow(/^add: shapes \[2, 3\] and \[4\] do not broadcast \(dimension 1: 3 vs 4\)$/);
      expect(() => div(zeros([2, 3, 4]), zeros([5, 1]))).toThrow(/^div: shapes \[2, 3, 4\] and \[5, 1\] do not broadcast/);
    });
    it('names both dtypes when they differ, and rejects integers', () => {
      expect(() => mul(zeros([2]), zeros([2], { dtype: 'float64' }))).toThrow(/^mul: a is float32 \[2\], b is float64 \[2\]; dtypes must match$/);
      const ids = tensor(new Int32Array([1, 2]));
      expect(() => sub(ids, zeros([2]))).toThrow(/^sub: a must be float32 or float64, found int32$/);
      expect(() => sub(1, ids)).toThrow(/^sub: b must be float32 or float64, found int32$/);
    });
    it('needs a tensor on at least one side', () => {
      expect(() => add(1, 2)).toThrow(/^add: at least one operand must be a tensor, found the numbers 1 and 2$/);
    });
    it('checks out', () => {
      expect(() => add(zeros([2, 3]), zeros([3]), zeros([3]))).toThrow(/^add: out is \[3\], expected \[2, 3\]$/);
      expect(() => add(zeros([2]), 1, zeros([2], { dtype: 'float64' }))).toThrow(/^add: out must be float32, found float64$/);
      expect(() => add(zeros([2, 2]), 1, zeros([2, 2]).transpose())).toThrow(/^add: out must be contiguous/);
    });
  });
});
