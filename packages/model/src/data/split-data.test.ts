import { describe, expect, it } from 'vitest';
import { DataError } from './errors';
import { documentLoader, streamLoader } from './loaders';
import { concatTokenSources, memoryTokenSource, tokenChunks } from './source';

const range = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

describe('concatTokenSources', () => {
  it('reads across the boundary as one sequence, and refuses mixed vocabularies', () => {
    const joined = concatTokenSources([memoryTokenSource(range(0, 7), 100), memoryTokenSource([], 100), memoryTokenSource(range(7, 20), 100)]);
    expect(joined.length).toBe(20);
    for (let start = 0; start < 20; start++) {
      for (let n = 0; start + n <= 20; n++) {
        const out = new Int32Array(n);
        joined.read(start, out);
        expect(Array.from(out)).toEqual(range(start, start + n));
      }
    }
    expect(() => {
      joined.read(15, new Int32Array(6));
    }).toThrow(RangeError);
    expect(() => concatTokenSources([memoryTokenSource([1], 5), memoryTokenSource([1], 6)])).toThrow(new DataError('concatTokenSources: every source must have the vocabulary size of the first (5), found 6'));
    expect(() => concatTokenSources([])).toThrow(DataError);
  });
});

describe('loaders with a given valStart', () => {
  const options = { blockSize: 4, batchSize: 3, seed: 1, valFraction: 0.5 };
  it('stream: trains on the ids before valStart and validates on those after, ignoring valFraction', () => {
    const source = memoryTokenSource(range(0, 100), 100);
    const loader = streamLoader(source, { ...options, valStart: 80 });
    expect(loader.sizes).toEqual({ train: 80, val: 20 });
    for (let i = 0; i < 50; i++) for (const id of loader.next().y) expect(id).toBeLessThan(80);
    for (const batch of loader.evalBatches(10)) for (const id of batch.x) expect(id).toBeGreaterThanOrEqual(80);
    const none = streamLoader(source, { ...options, valStart: 100 });
    expect(none.sizes).toEqual({ train: 100, val: 0 });
    expect(none.evalBatches(3)).toEqual([]);
    expect(() => streamLoader(source, { ...options, valStart: 101 })).toThrow(new DataError('loader: valStart must be an integer in [0, 100], found 101'));
  });
  it('documents: the documents starting at or after valStart validate, in file order', () => {
    // BOS = 0; documents [1,2], [3], [4,5,6], [7], [8,9]: starts at 0, 3, 5, 9, 11.
    const ids = [0, 1, 2, 0, 3, 0, 4, 5, 6, 0, 7, 0, 8, 9, 0];
    const loader = documentLoader(memoryTokenSource(ids, 10), { ...options, batchSize: 1, bos: 0, valStart: 9 });
    expect(loader.sizes).toEqual({ train: 3, val: 2 });
    expect(loader.evalBatches(5).map((b) => Array.from(b.x))).toEqual([
      [0, 7],
      [0, 8, 9],
    ]);
    const seen = new Set(range(0, 6).map(() => Array.from(loader.next().x)[1]));
    expect([...seen].sort()).toEqual([1, 3, 4]);
  });
});

describe('tokenChunks', () => {
  it('copies a range in bounded chunks', () => {
    const source = memoryTokenSource(range(0, 50), 50);
    const chunks = [...tokenChunks(source, 5, 28, 10)];
    expect(chunks.map((c) => c.length)).toEqual([10, 10, 3]);
    expect(chunks.flatMap((c) => Array.from(c))).toEqual(range(5, 28));
    expect([...tokenChunks(source, 50, 50)]).toEqual([]);
    expect(() => [...tokenChunks(source, 40, 51)]).toThrow(RangeError);
    expect(() => [...tokenChunks(source, 0, 5, 0)]).toThrow(RangeError);
  });
});
