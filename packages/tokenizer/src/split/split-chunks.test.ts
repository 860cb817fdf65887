// splitChunks: matches and the gaps between them, in order; the stream limit; the guard against empty matches.
import { describe, expect, it } from 'vitest';
import { OrdinaryEncoder } from '../bpe/encode';
import { ChunkCounter } from '../bpe/chunks';
import { TokenizerError } from '../tokenizer';
import { splitChunks } from './split-chunks';

function chunks(pattern: string, text: string, from = 0, limit?: number): { pieces: string[]; done: number } {
  const pieces: string[] = [];
  const done = splitChunks(new RegExp(pattern, 'gu'), text, from, 'test', (chunk, start) => {
    expect(text.slice(start, start + chunk.length)).toBe(chunk);
    pieces.push(chunk);
  }, limit);
  return { pieces, done };
}

describe('splitChunks', () => {
  it('makes the text between matches (before the first, after the last) chunks of their own', () => {
    expect(chunks('[a-z]+', 'Hello, World 42').pieces).toEqual(['H', 'ello', ', W', 'orld', ' 42']);
    expect(chunks('[a-z]+', '42').pieces).toEqual(['42']);
    expect(chunks('[a-z]+', 'abc').pieces).toEqual(['abc']);
    expect(chunks('[a-z]+', '').pieces).toEqual([]);
    // Matches next to each other leave no empty gap between them.
    expect(chunks('[a-z]', 'ab1').pieces).toEqual(['a', 'b', '1']);
  });

  it('keeps astral characters whole in gaps and matches', () => {
    expect(chunks(String.raw`\p{L}+`, '😀ab😀').pieces).toEqual(['😀', 'ab', '😀']);
  });

  it('starts at `from` and, with a limit, stops before the first match that ends after it (and its gap)', () => {
    expect(chunks('[a-z]+', 'xx12ab34cd', 2).pieces).toEqual(['12', 'ab', '34', 'cd']);
    // 'ab' ends at 6 ≤ 7 and counts with the gap before it; '34' waits for the next match, 'cd' ends after 7.
    expect(chunks('[a-z]+', '12ab34cd', 0, 7)).toEqual({ pieces: ['12', 'ab'], done: 4 });
    // Text after the last match is never visited with a limit: more may come.
    expect(chunks('[a-z]+', 'ab12', 0, 100)).toEqual({ pieces: ['ab'], done: 2 });
  });

  it('throws a TokenizerError, rather than looping or dropping text, if a pattern matches the empty string', () => {
    // compileSplitPattern refuses such patterns; these regexes bypass it to reach the guard.
    for (const regex of [/x*/gu, /(?<=a)/gu, /\b/gu, /a?/gu]) {
      expect(() => splitChunks(regex, 'ab', 0, 'encode', () => undefined)).toThrow(TokenizerError);
    }
    expect(() => splitChunks(/(?<=a)/gu, 'bab', 0, 'encode', () => undefined)).toThrow(
      "encode: the split pattern '(?<=a)' matched the empty string at index 2; a split pattern must take at least one character per match",
    );
  });

  it('guards the encoder and the training counter too', () => {
    const byteIds = Int32Array.from({ length: 256 }, (_, b) => b);
    const byKey = new Map(Array.from({ length: 256 }, (_, b) => [String.fromCharCode(b), b]));
    expect(() => {
      new OrdinaryEncoder(byKey, byteIds, /(?<=a)/gu).encode('bab', []);
    }).toThrow(/^encode: the split pattern/);
    expect(() => {
      new ChunkCounter(/x*/gu, [], 'trainBpe').addText('ab');
    }).toThrow(/^trainBpe: the split pattern 'x\*' matched the empty string at index 0/);
  });
});
