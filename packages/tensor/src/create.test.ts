import { describe, expect, it } from 'vitest';
import { arange, full, ones, rand, randn, tensor, zeros } from './create';
import { ShapeError } from './errors';
import { PythonRandom } from './random/index';

describe('creation', () => {
  it('builds from nested arrays, typed arrays and a flat array with a shape', () => {
    expect(tensor([[1, 2], [3, 4]]).toList()).toEqual([[1, 2], [3, 4]]);
    const ids = tensor(new Int32Array([3, 1, 2]));
    expect(ids.dtype).toBe('int32');
    expect(tensor([1, 2, 3, 4, 5, 6], { shape: [2, 3], dtype: 'float64' }).toList()).toEqual([[1, 2, 3], [4, 5, 6]]);
    expect(tensor(new Float64Array([0.1]), { dtype: 'float32' }).toArray()[0]).toBe(Math.fround(0.1));
  });

  it('rejects ragged arrays and shapes that do not fit', () => {
    expect(() => tensor([[1, 2], [3]])).toThrow(new ShapeError('tensor: ragged nested array, expected 2 items at depth 1 for shape [2, 2]'));
    expect(() => tensor([1, 2, 3], { shape: [2, 2] })).toThrow(new ShapeError('tensor: 3 values do not fill shape [2, 2] (4 elements)'));
  });

  it('fills constants and ranges', () => {
    expect(zeros([2, 2]).toList()).toEqual([[0, 0], [0, 0]]);
    expect(ones([3], { dtype: 'int32' }).toList()).toEqual([1, 1, 1]);
    expect(full([2], -1.5).toList()).toEqual([-1.5, -1.5]);
    expect(arange(0, 5).toList()).toEqual([0, 1, 2, 3, 4]);
    expect(arange(1, 0, -0.25, { dtype: 'float64' }).toList()).toEqual([1, 0.75, 0.5, 0.25]);
    expect(arange(3, 3).size).toBe(0);
    expect(() => arange(0, 1, 0)).toThrow(new RangeError('arange: step must be a finite non-zero number, found 0'));
  });

  it("draws normals exactly as Python's random.gauss in row-major order", () => {
    const py = new PythonRandom(42);
    const expected = Array.from({ length: 6 }, () => py.gauss(0, 0.08));
    expect(Array.from(randn([2, 3], { seed: 42, std: 0.08, dtype: 'float64' }).toArray())).toEqual(expected);
  });

  it('advances a shared generator and draws uniforms in [low, high)', () => {
    const rng = new PythonRandom(7);
    const a = rand([1000], { rng, low: -2, high: 3, dtype: 'float64' }).toArray();
    const b = rand([1000], { rng, low: -2, high: 3, dtype: 'float64' }).toArray();
    expect(a).not.toEqual(b);
    expect(Math.min(...a)).toBeGreaterThanOrEqual(-2);
    expect(Math.max(...a)).toBeLessThan(3);
    expect(a[0]).toBe(-2 + 5 * new PythonRandom(7).random());
  });
});
