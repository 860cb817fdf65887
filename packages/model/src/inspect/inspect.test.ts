// Tensor statistics against a direct float64 computation, and projector files against their format: one row
// of C numbers and one escaped token a line, V lines each, and a config naming both.
import { describe, expect, it } from 'vitest';
import { escapeTsvField, projectorFiles } from './projector';
import { tensorStats } from './tensor-stats';

describe('tensorStats', () => {
  it('matches a two-pass float64 computation, counting zeros and non-finite values apart', () => {
    const values = Float32Array.from({ length: 999 }, (_, i) => (i % 10 === 0 ? 0 : 1000 + Math.sin(i)));
    values[5] = NaN;
    values[6] = -Infinity;
    const finite = Array.from(values).filter(Number.isFinite);
    const mean = finite.reduce((a, b) => a + b, 0) / finite.length;
    const std = Math.sqrt(finite.reduce((a, b) => a + (b - mean) ** 2, 0) / finite.length);
    const stats = tensorStats(values, [27, 37]);
    expect(stats.shape).toEqual([27, 37]);
    expect(stats.size).toBe(999);
    expect(stats.nonFinite).toBe(2);
    expect(stats.mean).toBeCloseTo(mean, 9);
    expect(stats.std).toBeCloseTo(std, 9);
    expect(stats.min).toBe(0);
    expect(stats.max).toBe(Math.max(...finite));
    expect(stats.zeroFraction).toBe(100 / 999);
    expect(stats.norm).toBeCloseTo(Math.sqrt(finite.reduce((a, b) => a + b * b, 0)), 6);
    expect(tensorStats([NaN], [1])).toMatchObject({ mean: NaN, std: NaN, nonFinite: 1 });
    expect(tensorStats([], [0])).toMatchObject({ size: 0, zeroFraction: 0 });
  });
});

describe('projector files', () => {
  it('escapes what would break a TSV line, and keeps every other character', () => {
    expect(escapeTsvField('a\tb\nc\\d\re')).toBe('a\\tb\\nc\\\\d\\re');
    expect(escapeTsvField('\u0000\u001f\u007f')).toBe('\\u{0}\\u{1f}\\u{7f}');
    expect(escapeTsvField('\ud800')).toBe('\\u{d800}');
    expect(escapeTsvField('')).toBe('""');
    expect(escapeTsvField(' héllo 😀')).toBe(' héllo 😀');
  });

  it('writes V rows of C numbers, V metadata lines, and a config naming both files', () => {
    const tokens = ['a', '\n', ' the', '<|bos|>'];
    const embeddings = Float32Array.from({ length: 4 * 3 }, (_, i) => i / 8 - 0.5);
    const files = projectorFiles(embeddings, 4, 3, tokens);
    const rows = files['tensors.tsv'].trimEnd().split('\n').map((line) => line.split('\t').map(Number));
    expect(rows).toHaveLength(4);
    expect(rows.flat()).toEqual(Array.from(embeddings));
    expect(files['metadata.tsv'].trimEnd().split('\n')).toEqual(['a', '\\n', ' the', '<|bos|>']);
    expect(files['projector_config.pbtxt']).toBe('embeddings {\n  tensor_name: "wte"\n  tensor_path: "tensors.tsv"\n  metadata_path: "metadata.tsv"\n}\n');
    expect(() => projectorFiles(embeddings, 4, 3, tokens.slice(1))).toThrow('4 embedding rows but 3 tokens');
    expect(() => projectorFiles(Float32Array.from([NaN, 0, 0]), 1, 3, ['x'])).toThrow('row 0 ("x") column 0 is NaN');
  });
});
