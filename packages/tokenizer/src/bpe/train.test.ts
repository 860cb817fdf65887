// BPE training against minbpe (a fixture of its merges, made in Python; see the fixture's note), stream training
// against string training, special tokens in training, and option errors.
import { readFileSync } from 'node:fs';
import { readShakespeare } from '@microgpt/test-data';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { SPLIT_PATTERNS } from './patterns';
import { trainBpe, trainBpeStream } from './train';

interface FixtureCase {
  text: string;
  pattern: 'none' | 'gpt4';
  vocabSize: number;
  merges: [number, number][];
  sample: string;
  sampleIds: number[];
}
interface Fixture {
  shakespeare: { offset: number; length: number };
  texts: Record<string, string>;
  cases: FixtureCase[];
}

const fixture = JSON.parse(readFileSync(new URL('./minbpe.fixture.json', import.meta.url), 'utf8')) as Fixture;
const shakespeare = readShakespeare();

function fixtureText(name: string): string {
  if (name !== 'shakespeare') return fixture.texts[name]!;
  const { offset, length } = fixture.shakespeare;
  return shakespeare.slice(offset, offset + length);
}

/** Splits `text` into pieces of pseudo-random sizes 1…maxSize (deterministic LCG; may split surrogate pairs). */
function pieces(text: string, seed: number, maxSize: number): string[] {
  const out: string[] = [];
  let s = seed;
  for (let i = 0; i < text.length; ) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    const size = 1 + (s % maxSize);
    out.push(text.slice(i, i + size));
    i += size;
  }
  return out;
}

async function* stream(parts: readonly string[]): AsyncGenerator<string> {
  for (const part of parts) {
    await Promise.resolve();
    yield part;
  }
}

describe('trainBpe matches minbpe', () => {
  for (const c of fixture.cases) {
    const name = `${c.text}, ${c.pattern === 'none' ? 'BasicTokenizer' : 'RegexTokenizer (GPT-4 pattern)'}, vocab ${c.vocabSize}`;
    const text = fixtureText(c.text);
    it(`${name}: same merges in the same order`, () => {
      const tokenizer = trainBpe(text, { vocabSize: c.vocabSize, pattern: c.pattern });
      expect(tokenizer.spec.merges).toEqual(c.merges);
      expect(tokenizer.vocabSize).toBe(c.vocabSize);
    });
    it(`${name}: encodes a sample as minbpe does`, () => {
      const tokenizer = trainBpe(text, { vocabSize: c.vocabSize, pattern: c.pattern });
      expect(tokenizer.encode(c.sample)).toEqual(c.sampleIds);
      expect(tokenizer.decode(c.sampleIds)).toBe(c.sample);
    });
  }
});

describe('trainBpeStream', () => {
  const texts = [fixture.texts.multilingual!, fixture.texts.ties!, 'x'.repeat(300) + ' ' + 'ab'.repeat(200)];
  for (const pattern of ['none', 'gpt2', 'gpt4', 'o200k'] as const) {
    it(`gives the merges of trainBpe on the whole text (pattern ${pattern}, random piece sizes)`, async () => {
      for (const [t, text] of texts.entries()) {
        const expected = trainBpe(text, { vocabSize: 400, pattern }).spec.merges;
        for (const [seed, maxSize] of [[1, 1], [2, 7], [3, 100], [4, 5000]] as const) {
          const got = await trainBpeStream(stream(pieces(text, seed + t, maxSize)), { vocabSize: 400, pattern });
          expect(got.spec.merges).toEqual(expected);
        }
      }
    });
  }

  it('gives the merges of trainBpe on 200 KB of Shakespeare in 4 KB pieces', async () => {
    const text = shakespeare.slice(0, 200_000);
    const expected = trainBpe(text, { vocabSize: 600 }).spec.merges;
    const got = await trainBpeStream(stream(pieces(text, 9, 4096)), { vocabSize: 600 });
    expect(got.spec.merges).toEqual(expected);
  });

  it('cuts special tokens out even when a piece boundary splits one', async () => {
    const text = 'one two<|sep|>three four<|sep|>one two'.repeat(20);
    const options = { vocabSize: 300, specialTokens: ['<|sep|>'] };
    const expected = trainBpe(text, options);
    for (const maxSize of [1, 3, 9]) {
      const got = await trainBpeStream(stream(pieces(text, maxSize, maxSize)), options);
      expect(got.spec.merges).toEqual(expected.spec.merges);
    }
    // The special token's text is not in any learned token.
    const learned = expected.spec.tokens.slice(256).map((t) => new TextDecoder().decode(t));
    expect(learned.some((t) => /[<|>]/.test(t))).toBe(false);
  });

  it('passes on a failing stream', async () => {
    async function* broken(): AsyncGenerator<string> {
      yield 'some text';
      await Promise.resolve();
      throw new Error('disk on fire');
    }
    await expect(trainBpeStream(broken(), { vocabSize: 300 })).rejects.toThrow('disk on fire');
  });
});

describe('trainBpe options', () => {
  it('gives special tokens ids after the merges, or the ids given, and never merges them', () => {
    const text = '<|eot|>hello<|eot|>hello<|eot|>';
    const listed = trainBpe(text, { vocabSize: 262, specialTokens: ['<|eot|>', '<|pad|>'] });
    expect(listed.spec.merges).toHaveLength(4);
    expect(listed.specialTokens).toEqual({ '<|eot|>': 260, '<|pad|>': 261 });
    expect(listed.vocabSize).toBe(262);
    expect(listed.encode(text, { allowedSpecial: 'all' })).toEqual([260, 259, 260, 259, 260]);
    // No merge contains a byte of the special token's text: it was cut out before counting.
    expect(listed.spec.merges!.flat().every((id) => id >= 256 || 'hello'.includes(String.fromCharCode(id)))).toBe(true);
    const fixed = trainBpe(text, { vocabSize: 300, specialTokens: { '<|eot|>': 1000 } });
    expect(fixed.specialTokens).toEqual({ '<|eot|>': 1000 });
    expect(fixed.vocabSize).toBe(1001);
  });

  it('stops early when the text runs out of pairs', () => {
    const tokenizer = trainBpe('abcabc', { vocabSize: 1000, pattern: 'none', specialTokens: ['<s>'] });
    expect(tokenizer.spec.merges).toEqual([[97, 98], [256, 99], [257, 257]]);
    expect(tokenizer.specialTokens).toEqual({ '<s>': 259 });
    expect(trainBpe('', { vocabSize: 300 }).vocabSize).toBe(256);
  });

  it('accepts a custom pattern and the named ones', () => {
    const words = trainBpe('aa bb aa bb', { vocabSize: 260, pattern: '[a-z]+' });
    expect(words.spec.pattern).toBe('[a-z]+');
    expect(trainBpe('x', { vocabSize: 256, pattern: 'o200k' }).spec.pattern).toBe(SPLIT_PATTERNS.o200k);
    expect(trainBpe('x', { vocabSize: 256 }).spec.pattern).toBe(SPLIT_PATTERNS.gpt4);
    expect(trainBpe('x', { vocabSize: 256, pattern: 'none' }).spec.pattern).toBeNull();
  });

  it('rejects bad options with clear messages', () => {
    expect(() => trainBpe('x', { vocabSize: 255 })).toThrow(TokenizerError);
    expect(() => trainBpe('x', { vocabSize: 257, specialTokens: ['a', 'b'] })).toThrow(
      'trainBpe: vocabSize 257 is too small: it needs 256 byte tokens + 2 special tokens',
    );
    expect(() => trainBpe('x', { vocabSize: 256.5 })).toThrow('trainBpe: vocabSize must be an integer');
    expect(() => trainBpe('x', { vocabSize: 300, specialTokens: { '<s>': 280 } })).toThrow(
      "trainBpe: special token '<s>' has id 280; ids must be integers from 299 (after the merges) to 65835 (at most 65536 unused ids)",
    );
    expect(() => trainBpe('x', { vocabSize: 300, specialTokens: ['<s>', '<s>'] })).toThrow("special token '<s>' is listed twice");
    expect(() => trainBpe('x', { vocabSize: 300, specialTokens: [''] })).toThrow('specialTokens[0] must be a non-empty string');
    expect(() => trainBpe('x', { vocabSize: 300, pattern: '(' })).toThrow("trainBpe: split pattern '(' is not a valid regex");
  });
});
