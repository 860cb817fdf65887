// Property tests (fast-check) for the char and word tokenizers over arbitrary Unicode: graphemes with
// combining marks and ZWJ emoji, any code point, and lone surrogates. BPE's properties live in bpe/.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { trainChar } from './char';
import { tokenizerFromJSON } from './json';
import { createStreamDecoder, utf8Decode, utf8Encode } from './utf8';
import { trainWord } from './word';

const anyCodePoint = fc.string({ unit: 'binary', minLength: 1, maxLength: 1 });
const loneSurrogate = fc.integer({ min: 0xd800, max: 0xdfff }).map((unit) => String.fromCharCode(unit));

/** Strings of printable graphemes (multi-code-point ones included), of any code point, or with lone surrogates. */
const text = fc.oneof(
  fc.string({ unit: 'grapheme' }),
  fc.string({ unit: 'binary' }),
  fc.string({ unit: fc.oneof({ weight: 4, arbitrary: anyCodePoint }, loneSurrogate) }),
  // Few distinct pieces, so words repeat and a capped vocabulary still covers some of them.
  fc.string({ unit: fc.constantFrom('a', 'b', ' ', '  ', '\n', ',', 'é', 'e\u0301', '😀', '👩‍👩‍👧', '1') }),
);

const codePoint = (ch: string) => ch.codePointAt(0)!;

describe('char tokenizer properties', () => {
  it('round-trips the text it was trained on, one id per code point', () => {
    fc.assert(
      fc.property(text, (s) => {
        const tok = trainChar(s);
        const ids = tok.encode(s);
        expect(ids).toHaveLength(Array.from(s).length);
        expect(tok.decode(ids)).toBe(s);
      }),
    );
  });

  it('has the distinct code points as its vocabulary, sorted by code point', () => {
    fc.assert(
      fc.property(text, (s) => {
        const chars = trainChar(s, { bos: true }).chars;
        expect(new Set(chars).size).toBe(chars.length);
        expect(new Set(chars)).toEqual(new Set(s));
        for (let i = 1; i < chars.length; i++) expect(codePoint(chars[i - 1]!)).toBeLessThan(codePoint(chars[i]!));
      }),
    );
  });

  it('round-trips any part of a superset it was trained on', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        // The separator keeps a lone high surrogate ending `a` from pairing with a lone low one starting `b`
        // (a + b would then hold one astral character instead of the two surrogates).
        const tok = trainChar(`${a}\n${b}`, { bos: true });
        expect(tok.decode(tok.encode(a))).toBe(a);
        expect(tok.decode(tok.encode(b))).toBe(b);
        expect(tok.bosId).toBe(tok.chars.length);
      }),
    );
  });

  it('with <unk>, encodes any text into ids within the vocabulary', () => {
    fc.assert(
      fc.property(text, text, (a, b) => {
        const tok = trainChar(a, { unk: true });
        for (const id of tok.encode(b)) expect(id >= 0 && id < tok.vocabSize).toBe(true);
      }),
    );
  });

  it('survives a JSON round trip', () => {
    fc.assert(
      fc.property(text, (s) => {
        const tok = trainChar(s, { eos: true });
        const loaded = tokenizerFromJSON(JSON.stringify(tok.toJSON()));
        expect(loaded.encode(s)).toEqual(tok.encode(s));
        expect(loaded.decode(tok.encode(s))).toBe(s);
      }),
    );
  });

  it('streams the same text as decode, with lone surrogates as U+FFFD on the byte path', () => {
    fc.assert(
      fc.property(text, (s) => {
        const tok = trainChar(s);
        const stream = createStreamDecoder(tok);
        const streamed = tok.encode(s).map((id) => stream.push(id)).join('') + stream.flush();
        expect(streamed).toBe(utf8Decode(utf8Encode(s)));
        expect(/\p{Cs}/u.test(streamed)).toBe(false);
      }),
    );
  });
});

describe('word tokenizer properties', () => {
  it('round-trips the text it was trained on (every piece is in the vocabulary)', () => {
    fc.assert(
      fc.property(text, (s) => {
        const tok = trainWord(s);
        const ids = tok.encode(s);
        expect(ids).not.toContain(tok.unkId);
        expect(tok.decode(ids)).toBe(s);
      }),
    );
  });

  it('with a capped vocabulary, keeps ids in range and round-trips whenever no <unk> appears', () => {
    fc.assert(
      fc.property(text, text, fc.integer({ min: 1, max: 8 }), (a, b, maxVocab) => {
        const tok = trainWord(a, { maxVocab });
        expect(tok.vocabSize).toBeLessThanOrEqual(maxVocab);
        const ids = tok.encode(b);
        for (const id of ids) expect(id >= 0 && id < tok.vocabSize).toBe(true);
        if (!ids.includes(tok.unkId!)) expect(tok.decode(ids)).toBe(b);
      }),
    );
  });

  it('trains deterministically and survives a JSON round trip', () => {
    fc.assert(
      fc.property(text, (s) => {
        const tok = trainWord(s, { maxVocab: 6 });
        expect(trainWord(s, { maxVocab: 6 }).pieces).toEqual(tok.pieces);
        const loaded = tokenizerFromJSON(JSON.stringify(tok.toJSON()));
        expect(loaded.encode(s)).toEqual(tok.encode(s));
      }),
    );
  });
});
