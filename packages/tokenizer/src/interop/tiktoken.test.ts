// Our tiktoken presets give exactly the ids of gpt-tokenizer and js-tiktoken (both devDependencies) on Tiny
// Shakespeare, on generated multilingual text and on gpt-tokenizer's TestPlans.txt (made with Python tiktoken).
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { readShakespeare } from '@microgpt/test-data';
import { Tiktoken } from 'js-tiktoken/lite';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BpeTokenizer } from '../bpe/tokenizer';
import { TokenizerError } from '../tokenizer';
import { multilingualText } from './multilingual-text';
import { TIKTOKEN_SPECIAL_TOKENS, cl100kTokenizer, gpt2Tokenizer, loadTiktokenRanks, o200kTokenizer } from './tiktoken';

const require = createRequire(import.meta.url);
const dataFile = (name: string): string => readFileSync(require.resolve(`gpt-tokenizer/data/${name}`), 'utf8');
const SLOW = 120_000;

type Encode = (text: string) => number[];
type Name = 'r50k_base' | 'cl100k_base' | 'o200k_base';
interface References {
  gptTokenizer: Encode;
  jsTiktoken: Encode;
  tiktoken: Tiktoken;
}

const ENCODINGS = [
  { name: 'r50k_base', preset: gpt2Tokenizer },
  { name: 'cl100k_base', preset: cl100kTokenizer },
  { name: 'o200k_base', preset: o200kTokenizer },
] as const;

/** gpt-tokenizer's and js-tiktoken's encoders for one encoding, loaded only when its tests run. */
// Static import paths, so the bundler resolves each package's exports.
const LOADERS = {
  r50k_base: () => Promise.all([import('gpt-tokenizer/encoding/r50k_base'), import('js-tiktoken/ranks/r50k_base')]),
  cl100k_base: () => Promise.all([import('gpt-tokenizer/encoding/cl100k_base'), import('js-tiktoken/ranks/cl100k_base')]),
  o200k_base: () => Promise.all([import('gpt-tokenizer/encoding/o200k_base'), import('js-tiktoken/ranks/o200k_base')]),
};

async function references(name: Name): Promise<References> {
  const [gpt, ranks] = await LOADERS[name]();
  const tiktoken = new Tiktoken(ranks.default);
  return { gptTokenizer: (text) => gpt.encode(text), jsTiktoken: (text) => tiktoken.encode(text), tiktoken };
}

/** Index of the first differing id (or of the end of the shorter array), -1 when equal. */
function firstDifference(a: readonly number[], b: readonly number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : n;
}

/** The cases of gpt-tokenizer's TestPlans.txt: blocks of "EncodingName: …", "Sample: …", "Encoded: […]". */
function testPlans(): { encoding: string; sample: string; encoded: number[] }[] {
  return dataFile('TestPlans.txt')
    .split('\n\n')
    .map((block) => block.split('\n'))
    .filter((lines) => lines.length >= 3 && lines[0]!.startsWith('EncodingName: '))
    .map(([encoding, sample, encoded]) => ({
      encoding: encoding!.slice('EncodingName: '.length),
      sample: sample!.slice('Sample: '.length),
      encoded: JSON.parse(encoded!.slice('Encoded: '.length)) as number[],
    }));
}

describe('GPT-2 (r50k_base) vectors', () => {
  it('encodes the known examples', () => {
    const gpt2 = gpt2Tokenizer(dataFile('r50k_base.tiktoken'));
    expect(gpt2.encode('hello world')).toEqual([31373, 995]);
    expect(gpt2.encode(' a  b\n\n c')).toEqual([257, 220, 275, 628, 269]);
    expect(gpt2.encode('<|endoftext|>', { allowedSpecial: 'all' })).toEqual([50256]);
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.decode([31373, 995])).toBe('hello world');
  });
});

describe.each(ENCODINGS)('$name', ({ name, preset }) => {
  let ours: BpeTokenizer;
  let refs: References;
  beforeAll(async () => {
    ours = preset(dataFile(`${name}.tiktoken`));
    refs = await references(name);
  }, SLOW);

  function expectSameIds(text: string): void {
    const ids = ours.encode(text);
    expect(firstDifference(ids, refs.gptTokenizer(text)), 'first id that differs from gpt-tokenizer').toBe(-1);
    expect(firstDifference(ids, refs.jsTiktoken(text)), 'first id that differs from js-tiktoken').toBe(-1);
    expect(ours.decode(ids)).toBe(text);
  }

  it('matches gpt-tokenizer and js-tiktoken on Tiny Shakespeare', () => {
    expectSameIds(readShakespeare());
  }, SLOW);

  it('matches gpt-tokenizer and js-tiktoken on generated multilingual text', () => {
    for (const seed of [1, 2, 3]) expectSameIds(multilingualText(20_000, seed));
  }, SLOW);

  it('matches on words, numbers and whitespace edge cases', () => {
    const cases = ["don't I'M we'LL", '  leading', 'a\n\n\nb', 'tabs\t\t\tx', '1234567890123', 'x   \n  y', '!!!???...', "'''", ' ', '\n'];
    for (const text of cases) expectSameIds(text);
  });

  it("matches gpt-tokenizer's TestPlans.txt vectors", () => {
    const plans = testPlans().filter((plan) => plan.encoding === name);
    expect(plans.length).toBeGreaterThan(50);
    for (const { sample, encoded } of plans) expect(ours.encode(sample), sample).toEqual(encoded);
  });

  it("has tiktoken's special tokens, refused in text unless allowed", () => {
    expect(ours.specialTokens).toEqual(TIKTOKEN_SPECIAL_TOKENS[name]);
    const text = 'one<|endoftext|>two<|endofprompt|>';
    const special = Object.keys(TIKTOKEN_SPECIAL_TOKENS[name]);
    const allowed = special.filter((s) => text.includes(s));
    expect(ours.encode(text, { allowedSpecial: 'all' })).toEqual(refs.tiktoken.encode(text, 'all'));
    expect(ours.encode(text, { allowedSpecial: allowed })).toEqual(refs.tiktoken.encode(text, allowed));
    expect(ours.encode(text, { disallowedSpecial: [] })).toEqual(refs.tiktoken.encode(text, [], []));
    expect(() => ours.encode(text)).toThrow(TokenizerError);
  });
});

describe('presets and loadTiktokenRanks', () => {
  it('refuses the rank file of another encoding', () => {
    expect(() => gpt2Tokenizer(dataFile('cl100k_base.tiktoken'))).toThrow(
      /gpt2Tokenizer: expected the 50256 ranks of r50k_base.tiktoken, found 100256/,
    );
  });

  it('takes extra special tokens (e.g. ChatML for cl100k)', () => {
    const cl100k = cl100kTokenizer(dataFile('cl100k_base.tiktoken'), { '<|im_start|>': 100264, '<|im_end|>': 100265 });
    expect(cl100k.encode('<|im_start|>hi<|im_end|>', { allowedSpecial: 'all' })).toEqual([100264, 6151, 100265]);
  }, SLOW);

  it('builds a tokenizer from any rank file, pattern and special tokens', () => {
    // Bytes a, b, then "ab" (YWI=): every byte needs a token, so this tiny file lists all 256.
    const bytes = Array.from({ length: 256 }, (_, b) => `${Buffer.from([b]).toString('base64')} ${b}`);
    const text = `${bytes.join('\n')}\nYWI= 256\n`;
    const tokenizer = loadTiktokenRanks(text, { pattern: null, specialTokens: { '<eos>': 257 } });
    expect(tokenizer.encode('abab<eos>', { allowedSpecial: 'all' })).toEqual([256, 256, 257]);
    expect(() => loadTiktokenRanks(text, { pattern: null, specialTokens: { '<eos>': 3 } })).toThrow(TokenizerError);
  });
});
