// Hostile tokenizer files of every kind we read: special-token ids that are huge, negative, fractional, repeated,
// colliding with ordinary ids or far past the vocabulary; JSON nested 100,000 deep; catastrophic split patterns.
// Each must end in a TokenizerError naming the file field, never a RangeError, an allocation or a hang.
import { deepJsonText } from '@microgpt/fuzz';
import { describe, expect, it } from 'vitest';
import { MAX_UNUSED_IDS } from './bpe/tokenizer';
import { trainBpe } from './bpe/train';
import { fromHuggingFaceJSON, toHuggingFaceJSON } from './interop/huggingface';
import { loadTiktokenRanks } from './interop/tiktoken';
import { toTiktokenRanks } from './interop/tiktoken-ranks';
import { tokenizerFromJSON } from './json';
import { trainChar } from './char';
import { TokenizerError } from './tokenizer';
import { trainWord } from './word';

const bpe = trainBpe('hello world, hello tokens'.repeat(4), { vocabSize: 270, specialTokens: ['<|eot|>'] });
const ordinary = bpe.spec.tokens.length;
const DEEP = 100_000;

function errorOf(work: () => unknown): string {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    return (error as Error).message;
  }
  throw new Error('expected a TokenizerError');
}

/** `data` with `value` at `path` (a JSON copy), as a mutated file would be. */
function withValue(data: object, path: readonly string[], value: unknown): Record<string, unknown> {
  const copy = JSON.parse(JSON.stringify(data)) as Record<string, unknown>;
  let at = copy;
  for (const key of path.slice(0, -1)) at = at[key] as Record<string, unknown>;
  at[path[path.length - 1]!] = value;
  return copy;
}

const BAD_IDS: readonly [string, unknown][] = [
  ['1e9', 1e9],
  ['negative', -1],
  ['not an integer', 270.5],
  ['colliding with an ordinary id', 5],
  ['far past the vocabulary', ordinary + MAX_UNUSED_IDS + 1],
  ['a string', '270'],
];

describe('special-token ids', () => {
  it.each(BAD_IDS)('our BPE JSON: %s', (_, id) => {
    const message = errorOf(() => tokenizerFromJSON(withValue(bpe.toJSON(), ['specialTokens', '<|eot|>'], id)));
    expect(message).toMatch(/^fromJSON: "specialTokens\["<\|eot\|>"\]" must be an integer id from 269 \(after the ordinary tokens\) to 65805/);
  });

  it('our BPE JSON: two special tokens with one id', () => {
    const data = withValue(bpe.toJSON(), ['specialTokens', '<|pad|>'], 269);
    expect(errorOf(() => tokenizerFromJSON(data))).toMatch(/^fromJSON: "specialTokens\["<\|pad\|>"\]" must be an id no other special token has, found 269/);
  });

  it.each(BAD_IDS)('our char and word JSON: %s', (_, id) => {
    const char = trainChar('abc', { bos: true }).toJSON();
    expect(errorOf(() => tokenizerFromJSON(withValue(char, ['specialTokens', '<|bos|>'], id)))).toMatch(/^fromJSON: "specialTokens\['<\|bos\|>'\]" must be an id in \[3, 4\)/);
    const word = trainWord('a b').toJSON();
    expect(errorOf(() => tokenizerFromJSON(withValue(word, ['specialTokens', '<unk>'], id)))).toMatch(/^fromJSON: "specialTokens\['<unk>'\]" must be an id in \[3, 4\)/);
  });

  it.each(BAD_IDS)('tokenizer.json: %s', (_, id) => {
    const json = toHuggingFaceJSON(bpe);
    const data = withValue(withValue(json, ['added_tokens', '0', 'id'], id), ['model', 'vocab', '<|eot|>'], id);
    expect(errorOf(() => fromHuggingFaceJSON(data))).toMatch(/^fromHuggingFaceJSON: field "added_tokens\[0\]\.id" must be an id/);
  });

  it('tokenizer.json: two added tokens with one id', () => {
    const json = toHuggingFaceJSON(bpe);
    const data = withValue(json, ['added_tokens', '1'], { ...json.added_tokens[0]!, content: '<|pad|>' });
    expect(errorOf(() => fromHuggingFaceJSON(data))).toBe('fromHuggingFaceJSON: field "added_tokens[1].id" repeats the id of added_tokens[0], found 269');
  });

  it.each(BAD_IDS.filter(([, id]) => typeof id === 'number'))('tiktoken ranks with special tokens: %s', (_, id) => {
    const ranks = toTiktokenRanks(bpe.spec.tokens);
    const message = errorOf(() => loadTiktokenRanks(ranks, { pattern: null, specialTokens: { '<|eot|>': id as number } }));
    expect(message).toMatch(/^loadTiktokenRanks: special token '<\|eot\|>' has id .*; special ids must be integers from 269 \(after the ordinary tokens\) to 65805 \(at most 65536 unused ids\)$/);
  });

  it('trainBpe: fixed ids far past the merges', () => {
    expect(errorOf(() => trainBpe('ab', { vocabSize: 300, specialTokens: { '<s>': 1e9 } }))).toBe(
      "trainBpe: special token '<s>' has id 1000000000; ids must be integers from 299 (after the merges) to 65835 (at most 65536 unused ids)",
    );
    // Within the bound for the merges asked for, but the text ran out of pairs: still refused, naming trainBpe.
    expect(errorOf(() => trainBpe('ab', { vocabSize: 60_000, specialTokens: { '<s>': 60_000 + 20_000 } }))).toMatch(
      /^trainBpe: special token '<s>' has id 80000; special ids must be integers from 257 \(after the ordinary tokens\) to 65793/,
    );
  });
});

describe('JSON nested 100,000 deep', () => {
  it('our JSON: as the whole file and in any field', () => {
    expect(errorOf(() => tokenizerFromJSON(deepJsonText(DEEP)))).toBe('fromJSON: expected a tokenizer object, found an array of 1');
    for (const key of ['merges', 'specialTokens', 'pattern', 'version']) {
      const text = JSON.stringify({ ...bpe.toJSON(), [key]: 'DEEP' }).replace('"DEEP"', deepJsonText(DEEP));
      expect(errorOf(() => tokenizerFromJSON(text))).toMatch(new RegExp(`^fromJSON: "${key}(\\[0\\])?"`));
    }
  });

  it('tokenizer.json: as the whole file and in any field, parsed or as text', () => {
    expect(errorOf(() => fromHuggingFaceJSON(deepJsonText(DEEP)))).toBe('fromHuggingFaceJSON: field "(root)" must be a tokenizer.json object, found [[[[…]]]]');
    const json = toHuggingFaceJSON(bpe);
    for (const path of [['model', 'dropout'], ['normalizer'], ['decoder'], ['pre_tokenizer'], ['added_tokens'], ['model', 'merges'], ['model', 'vocab']]) {
      const text = JSON.stringify(withValue(json, path, 'DEEP')).replace('"DEEP"', deepJsonText(DEEP));
      expect(errorOf(() => fromHuggingFaceJSON(text))).toContain(`field "${path.join('.')}`);
      expect(errorOf(() => fromHuggingFaceJSON(JSON.parse(text)))).toContain(`field "${path.join('.')}`);
    }
  });
});
