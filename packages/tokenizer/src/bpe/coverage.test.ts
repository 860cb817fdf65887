// Split patterns that do not match every character lose nothing: the text between matches is a chunk of its own,
// in encoding and in training, so decode(encode(s)) === s for every accepted pattern.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { tokenizerFromJSON } from '../json';
import { fromHuggingFaceJSON, toHuggingFaceJSON } from '../interop/huggingface';
import { trainWord } from '../word';
import { trainBpe } from './train';

// Patterns that leave gaps of every kind: before the first match, between matches, after the last.
const GAPPY = ['[a-z]+', String.raw` ?\p{L}+`, String.raw`\p{N}|'`, String.raw`\p{Lu}`, '[^ ]{2}'];
const utf8 = new TextDecoder();

/** `text` with lone surrogates as U+FFFD: what any UTF-8 round trip gives back. */
const wellFormed = (text: string): string => utf8.decode(new TextEncoder().encode(text));

describe('a pattern that does not cover every character', () => {
  const text = 'Hello, World 42';

  it("keeps the text [a-z]+ skips: decode(encode('Hello, World 42')) is the text", () => {
    const tok = trainBpe(text.repeat(8), { vocabSize: 280, pattern: '[a-z]+' });
    const ids = tok.encode(text);
    expect(tok.decode(ids)).toBe(text);
    // Each chunk ('H', 'ello', ', W', 'orld', ' 42') encodes on its own: the ids split at chunk ends.
    const pieces = ids.map((id) => utf8.decode(tok.tokenBytes(id)));
    expect(pieces.join('')).toBe(text);
    const ends = new Set(pieces.map((_, i) => pieces.slice(0, i + 1).join('').length));
    for (const end of [1, 5, 8, 12, 15]) expect(ends.has(end)).toBe(true);
  });

  it('trains on the gaps as chunks too, and never merges across a chunk end', () => {
    // Repeated, the gap between ' 42' and the next 'H' is one chunk: ' 42H'.
    const tok = trainBpe(text.repeat(8), { vocabSize: 300, pattern: '[a-z]+' });
    const learned = tok.spec.tokens.slice(256).map((t) => utf8.decode(t));
    const chunks = ['H', 'ello', ', W', 'orld', ' 42H', ' 42'];
    expect(learned).toEqual(expect.arrayContaining(['ello', ', W', ' 42H']));
    for (const token of learned) expect(chunks.some((chunk) => chunk.includes(token)), token).toBe(true);
  });

  it('survives saving and loading (our JSON and tokenizer.json) with the same ids', () => {
    const tok = trainBpe(text.repeat(8), { vocabSize: 280, pattern: '[a-z]+' });
    expect(tokenizerFromJSON(JSON.stringify(tok.toJSON())).encode(text)).toEqual(tok.encode(text));
    expect(fromHuggingFaceJSON(JSON.stringify(toHuggingFaceJSON(tok))).encode(text)).toEqual(tok.encode(text));
  });
});

describe('decode(encode(s)) === s for any string and any accepted pattern', () => {
  const corpus = "Hello, World 42! It's 2024: ünïcödé ✓ 😀 a  b\n\tc".repeat(4);
  const anyString = fc.oneof(fc.string({ unit: 'binary', maxLength: 80 }), fc.string({ unit: 'grapheme', maxLength: 40 }));

  it.each(GAPPY)('byte-level BPE with %s', (pattern) => {
    const tok = trainBpe(corpus, { vocabSize: 320, pattern });
    fc.assert(
      fc.property(anyString, (s) => {
        expect(tok.decode(tok.encode(s))).toBe(wellFormed(s));
      }),
    );
  });

  it.each(GAPPY)('word tokenizer trained on the string, with %s', (pattern) => {
    fc.assert(
      fc.property(anyString, (s) => {
        const tok = trainWord(s, { pattern });
        expect(tok.decode(tok.encode(s))).toBe(s);
      }),
    );
  });
});
