// createStreamDecoder (utf8.ts): text comes out only once a character's bytes are complete, as in generation
// with a byte-level BPE whose tokens split '€' or '😀'.
import { describe, expect, it } from 'vitest';
import { trainChar } from './char';
import { TokenizerError } from './tokenizer';
import { createStreamDecoder, utf8Decode, utf8Encode } from './utf8';

/** A fake tokenizer whose token i has the bytes `tokens[i]`. */
function fake(tokens: number[][]) {
  return {
    tokenBytes(id: number): Uint8Array {
      const bytes = tokens[id];
      if (bytes === undefined) throw new TokenizerError(`tokenBytes: unknown id ${id}`);
      return Uint8Array.from(bytes);
    },
  };
}

// '€' is E2 82 AC; '😀' is F0 9F 98 80.
const EURO = [[0xe2], [0x82], [0xac]];
const SMILE = [[0xf0, 0x9f], [0x98, 0x80]];

describe('createStreamDecoder', () => {
  it("returns '' until a split character is complete", () => {
    const stream = createStreamDecoder(fake(EURO));
    expect([stream.push(0), stream.push(1), stream.push(2)]).toEqual(['', '', '€']);
    expect(stream.flush()).toBe('');
  });

  it('joins a four-byte character split in two, next to ASCII tokens', () => {
    const stream = createStreamDecoder(fake([...SMILE, [0x68, 0x69], [0x21, 0xf0, 0x9f]]));
    const out = [2, 0, 1, 3, 1].map((id) => stream.push(id));
    // Token 3 ends with the first half of another '😀', which the last push completes.
    expect(out).toEqual(['hi', '', '😀', '!', '😀']);
    expect(stream.flush()).toBe('');
  });

  it('gives U+FFFD on flush for an incomplete character, then starts afresh', () => {
    const stream = createStreamDecoder(fake(EURO));
    expect(stream.push(0)).toBe('');
    expect(stream.push(1)).toBe('');
    expect(stream.flush()).toBe('\uFFFD');
    expect([stream.push(0), stream.push(1), stream.push(2)]).toEqual(['', '', '€']);
  });

  it('replaces invalid bytes mid-stream with U+FFFD, as utf8Decode does', () => {
    const tokens = [[0xe2, 0x82], [0x41], [0xff], [0xac]];
    const stream = createStreamDecoder(fake(tokens));
    const text = [0, 1, 2, 3].map((id) => stream.push(id)).join('') + stream.flush();
    expect(text).toBe('\uFFFDA\uFFFD\uFFFD');
    expect(text).toBe(utf8Decode(Uint8Array.from(tokens.flat())));
  });

  it('keeps a leading byte order mark, even when it is split across tokens', () => {
    const whole = createStreamDecoder(fake([[0xef, 0xbb, 0xbf], [0x41]]));
    expect(whole.push(0) + whole.push(1)).toBe('\uFEFFA');
    const split = createStreamDecoder(fake([[0xef], [0xbb, 0xbf, 0x41]]));
    expect([split.push(0), split.push(1)]).toEqual(['', '\uFEFFA']);
  });

  it('matches decode for a char tokenizer, token by token', () => {
    const tok = trainChar('a€😀\uFEFF');
    const text = '\uFEFF€a😀';
    const stream = createStreamDecoder(tok);
    const parts = tok.encode(text).map((id) => stream.push(id));
    expect(parts.join('') + stream.flush()).toBe(text);
    expect(parts).toEqual(['\uFEFF', '€', 'a', '😀']);
  });

  it('turns a lone surrogate into U+FFFD on the byte path', () => {
    const tok = trainChar('\uD800');
    const stream = createStreamDecoder(tok);
    expect(stream.push(0)).toBe('\uFFFD');
    expect(utf8Encode('\uD800')).toEqual(Uint8Array.from([0xef, 0xbf, 0xbd]));
  });

  it('passes on the tokenizer error for an unknown id', () => {
    const stream = createStreamDecoder(trainChar('ab'));
    expect(() => stream.push(9)).toThrow(TokenizerError);
  });
});
