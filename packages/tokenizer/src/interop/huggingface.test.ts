// Hugging Face tokenizer.json: GPT-2 and cl100k survive a round trip with identical ids, hand-written files load,
// and malformed files give a TokenizerError naming the field.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import type { BpeTokenizer } from '../bpe/tokenizer';
import { TokenizerError } from '../tokenizer';
import { BYTE_TO_CHAR } from './byte-level';
import { deriveMerges } from './merges';
import { trainBpe } from '../bpe/train';
import { type HuggingFaceTokenizerJSON, fromHuggingFaceJSON, toHuggingFaceJSON, huggingFaceTokenizerConfig } from './huggingface';
import { multilingualText } from './multilingual-text';
import { cl100kTokenizer, gpt2Tokenizer, o200kTokenizer } from './tiktoken';

const require = createRequire(import.meta.url);
const rankFile = (name: string): string => readFileSync(require.resolve(`gpt-tokenizer/data/${name}.tiktoken`), 'utf8');
const SLOW = 120_000;

/** Through JSON text and back, as a file would go. */
const viaText = (data: object): unknown => JSON.parse(JSON.stringify(data));

describe.each([
  { name: 'GPT-2 (r50k_base)', make: () => gpt2Tokenizer(rankFile('r50k_base')), merges: 50000 },
  { name: 'cl100k_base', make: () => cl100kTokenizer(rankFile('cl100k_base')), merges: 100000 },
  { name: 'o200k_base', make: () => o200kTokenizer(rankFile('o200k_base')), merges: 199000 },
])('$name → tokenizer.json → back', ({ make, merges }) => {
  let original: BpeTokenizer;
  let json: HuggingFaceTokenizerJSON;
  let loaded: BpeTokenizer;
  beforeAll(() => {
    original = make();
    json = toHuggingFaceJSON(original);
    loaded = fromHuggingFaceJSON(viaText(json));
  }, SLOW);

  it('gives identical ids on multilingual text', () => {
    const text = multilingualText(30_000, 7);
    expect(loaded.encode(text)).toEqual(original.encode(text));
    expect(loaded.specialTokens).toEqual(original.specialTokens);
    expect(loaded.vocabSize).toBe(original.vocabSize);
    expect(loaded.spec.pattern).toBe(original.spec.pattern);
  });

  it('writes the byte-level format tokenizers and transformers.js read', () => {
    expect(json.model.merges.length).toBeGreaterThanOrEqual(merges);
    expect(json.model.merges.every((m) => m.split(' ').length === 2)).toBe(true);
    expect(json.added_tokens[0]).toMatchObject({ content: '<|endoftext|>', special: true });
    // Special tokens are in model.vocab too, so tokenizers keeps their ids (it renumbers added tokens it cannot find).
    expect(json.model.vocab['<|endoftext|>']).toBe(original.specialTokens['<|endoftext|>']);
  });
});

describe('GPT-2 tokenizer.json', () => {
  it("matches GPT-2's published file where it can be checked", () => {
    const json = toHuggingFaceJSON(gpt2Tokenizer(rankFile('r50k_base')));
    expect(json.model.merges.slice(0, 5)).toEqual(['Ġ t', 'Ġ a', 'h e', 'i n', 'r e']);
    expect(json.model.vocab['!']).toBe(0);
    expect(json.model.vocab['Ġthe']).toBe(262);
    expect(json.pre_tokenizer).toEqual({ type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true });
  }, SLOW);
});

describe.each(['gpt4', 'gpt2', 'o200k', 'none'] as const)('a tokenizer trained here (pattern %s)', (pattern) => {
  const trained = trainBpe(multilingualText(30_000, 11), { vocabSize: 600, pattern, specialTokens: ['<|endoftext|>', '<|pad|>'] });

  it('has merges that are exactly the ones derived from its ranks', () => {
    const derived = deriveMerges(trained.spec.tokens).filter((pair) => pair !== null);
    expect(derived).toEqual(trained.spec.merges?.map(([a, b]) => [a, b]));
  });

  it('round-trips through tokenizer.json with identical ids', () => {
    const loaded = fromHuggingFaceJSON(viaText(toHuggingFaceJSON(trained)));
    expect(loaded.spec.tokens).toEqual(trained.spec.tokens);
    expect(loaded.spec.pattern).toBe(trained.spec.pattern);
    expect(loaded.specialTokens).toEqual(trained.specialTokens);
    const text = `${multilingualText(10_000, 12)}<|endoftext|>${multilingualText(2_000, 13)}`;
    expect(loaded.encode(text, { allowedSpecial: 'all' })).toEqual(trained.encode(text, { allowedSpecial: 'all' }));
  });
});

/** A small tokenizer.json as one would write it by hand: bytes in GPT-2 order, a few merges. */
function handWritten(): Record<string, unknown> {
  const vocab: Record<string, number> = Object.fromEntries(BYTE_TO_CHAR.map((c, b) => [c, b]));
  Object.assign(vocab, { Ġt: 256, he: 257, Ġthe: 258, '<|endoftext|>': 259 });
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: [{ id: 259, content: '<|endoftext|>', single_word: false, lstrip: false, rstrip: false, normalized: false, special: true }],
    normalizer: null,
    pre_tokenizer: { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: true },
    post_processor: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: false, use_regex: true },
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: { type: 'BPE', dropout: null, unk_token: null, continuing_subword_prefix: '', end_of_word_suffix: '', fuse_unk: false, byte_fallback: false, vocab, merges: ['Ġ t', ['h', 'e'], 'Ġt he'] },
  };
}

describe('fromHuggingFaceJSON', () => {
  it('loads a minimal hand-written file (both merge spellings)', () => {
    const tokenizer = fromHuggingFaceJSON(handWritten());
    const id = (c: string): number => BYTE_TO_CHAR.indexOf(c);
    expect(tokenizer.encode(' the theme he<|endoftext|>', { allowedSpecial: 'all' })).toEqual([258, 258, id('m'), id('e'), id('Ġ'), 257, 259]);
    expect(tokenizer.decode([258, 259])).toBe(' the<|endoftext|>');
  });

  it('loads a GPT-4-style Split pre-tokenizer written for Oniguruma', () => {
    const data = handWritten();
    data.pre_tokenizer = {
      type: 'Sequence',
      pretokenizers: [
        { type: 'Split', pattern: { Regex: String.raw`(?i:'s|'t)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}|\s+(?!\S)|\s+|.` }, behavior: 'Isolated', invert: false },
        { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
      ],
    };
    const tokenizer = fromHuggingFaceJSON(data);
    expect(tokenizer.spec.pattern).toBe(String.raw`(?:'[sS]|'[tT])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}|\s+(?!\S)|\s+|.`);
    expect(tokenizer.decode(tokenizer.encode("IT'S 12345 the"))).toBe("IT'S 12345 the");
  });

  it('gives the tokenizer_config.json transformers.js needs to load and decode exactly', () => {
    expect(huggingFaceTokenizerConfig()).toEqual({ tokenizer_class: 'GPT2Tokenizer', clean_up_tokenization_spaces: false });
  });

  it('reads a Split written as Removed with invert: true (transformers.js cl100k files) like Isolated', () => {
    const splitWith = (step: Record<string, unknown>): ReturnType<typeof handWritten> => {
      const data = handWritten();
      data.pre_tokenizer = {
        type: 'Sequence',
        pretokenizers: [
          { type: 'Split', pattern: { Regex: String.raw`'s|'t|\p{L}+|\p{N}{1,3}|\s+(?!\S)|\s+|.` }, ...step },
          { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: false },
        ],
      };
      return data;
    };
    const isolated = fromHuggingFaceJSON(splitWith({ behavior: 'Isolated', invert: false }));
    const removed = fromHuggingFaceJSON(splitWith({ behavior: 'Removed', invert: true }));
    const text = " the theme's 2024\n\n  he";
    expect(removed.spec.pattern).toBe(isolated.spec.pattern);
    expect(removed.encode(text)).toEqual(isolated.encode(text));
    expect(() => fromHuggingFaceJSON(splitWith({ behavior: 'Removed', invert: false }))).toThrow(/behavior" must be "Isolated" \(or "Removed" with invert: true\)/);
  });

  const cases: [string, (d: Record<string, unknown> & { model: Record<string, unknown> }) => void, RegExp][] = [
    ['model missing', (d) => { delete (d as Record<string, unknown>).model; }, /field "model" must be an object, found nothing/],
    ['WordPiece model', (d) => { d.model.type = 'WordPiece'; }, /field "model.type" must be "BPE", found "WordPiece"/],
    ['byte fallback', (d) => { d.model.byte_fallback = true; }, /field "model.byte_fallback" must be false/],
    ['dropout', (d) => { d.model.dropout = 0.1; }, /field "model.dropout" must be null/],
    ['suffix', (d) => { d.model.end_of_word_suffix = '</w>'; }, /field "model.end_of_word_suffix"/],
    ['normalizer', (d) => { d.normalizer = { type: 'NFC' }; }, /field "normalizer" must be null/],
    ['decoder', (d) => { d.decoder = { type: 'WordPiece' }; }, /field "decoder" must be a ByteLevel decoder/],
    ['pre-tokenizer', (d) => { d.pre_tokenizer = { type: 'Whitespace' }; }, /field "pre_tokenizer.type" must be "ByteLevel" or "Sequence"/],
    ['no pre-tokenizer', (d) => { d.pre_tokenizer = null; }, /field "pre_tokenizer" must be a ByteLevel or Sequence/],
    ['prefix space', (d) => { d.pre_tokenizer = { type: 'ByteLevel', add_prefix_space: true }; }, /"pre_tokenizer.add_prefix_space" must be false/],
    ['split behavior', (d) => { d.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: 'a' }, behavior: 'Removed' }, { type: 'ByteLevel', use_regex: false }] }; }, /"pre_tokenizer.pretokenizers\[0\].behavior" must be "Isolated"/],
    ['bad regex', (d) => { d.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '(' }, behavior: 'Isolated' }, { type: 'ByteLevel', use_regex: false }] }; }, /"pre_tokenizer.pretokenizers\[0\].pattern.Regex": split pattern '\(' is not a valid regex with flags 'gu'/],
    ['catastrophic regex', (d) => { d.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: '(a|a)+$' }, behavior: 'Isolated' }, { type: 'ByteLevel', use_regex: false }] }; }, /"pre_tokenizer.pretokenizers\[0\].pattern.Regex": split pattern '\(a\|a\)\+\$' is refused: '\(a\|a\)\+' at offset 0/],
    ['double regex', (d) => { d.pre_tokenizer = { type: 'Sequence', pretokenizers: [{ type: 'Split', pattern: { Regex: 'a' }, behavior: 'Isolated' }, { type: 'ByteLevel' }] }; }, /use_regex" must be false after a Split/],
    ['non-special added token', (d) => { (d.added_tokens as { special: boolean }[])[0]!.special = false; }, /field "added_tokens\[0\].special" must be true/],
    ['added tokens not an array', (d) => { d.added_tokens = {}; }, /field "added_tokens" must be an array/],
    ['special id mismatch', (d) => { (d.added_tokens as { id: number }[])[0]!.id = 300; }, /field "model.vocab\["<\|endoftext\|>"\]" must equal the special token's id 300/],
    ['vocab id gap', (d) => { (d.model.vocab as Record<string, number>)['Ġthe'] = 500; }, /field "model.vocab\["Ġthe"\]" must be an id in 0…258/],
    ['vocab id as string', (d) => { (d.model.vocab as Record<string, unknown>)['Ġthe'] = '258'; }, /must be an id in 0…258.*found "258"/],
    ['repeated id', (d) => { (d.model.vocab as Record<string, number>)['Ġthe'] = 257; }, /repeats an id already used/],
    ['not byte-level', (d) => { const v = d.model.vocab as Record<string, number>; delete v['Ġthe']; v[' the'] = 258; }, /must be keyed by a byte-level token string/],
    ['merge spelling', (d) => { d.model.merges = ['Ġ t', 'h e', 'Ġt he x']; }, /field "model.merges\[2\]" must be "a b" or \["a", "b"\], found "Ġt he x"/],
    ['merge of unknown', (d) => { d.model.merges = ['Ġ t', 'h e', 'Ġt hé']; }, /"model.merges\[2\]" uses "hé", which is not in model.vocab/],
    ['merge result unknown', (d) => { d.model.merges = ['Ġ t', 'h e', 'Ġt he', 'a b']; }, /"model.merges\[3\]" makes "ab", which is not in model.vocab/],
    ['merges out of id order', (d) => { d.model.merges = ['h e', 'Ġ t', 'Ġt he']; }, /"model.merges\[1\]" makes id 256 after a merge made id 257/],
    ['token with no merge', (d) => { d.model.merges = ['Ġ t', 'h e']; }, /field "model.vocab\["Ġthe"\]" is a token of 2\+ bytes that no merge makes/],
    ['missing byte', (d) => { const v = d.model.vocab as Record<string, number>; delete v['!']; v['ĠĠ'] = 0x21; d.model.merges = ['Ġ Ġ', ...(d.model.merges as unknown[])]; }, /fromHuggingFaceJSON: no token is the single byte 0x21/],
    ['merges missing', (d) => { delete d.model.merges; }, /field "model.merges" must be an array/],
  ];

  it.each(cases)('refuses %s with a TokenizerError naming the field', (_, mutate, message) => {
    const data = handWritten() as Record<string, unknown> & { model: Record<string, unknown> };
    mutate(data);
    expect(() => fromHuggingFaceJSON(data)).toThrow(TokenizerError);
    expect(() => fromHuggingFaceJSON(data)).toThrow(message);
  });

  it('refuses anything that is not a tokenizer.json with a TokenizerError, never another error', () => {
    fc.assert(
      fc.property(fc.anything(), (value) => {
        expect(() => fromHuggingFaceJSON(value)).toThrow(TokenizerError);
      }),
    );
    const base = handWritten();
    const keys = ['model', 'pre_tokenizer', 'added_tokens', 'decoder', 'normalizer', 'version'] as const;
    fc.assert(
      fc.property(fc.constantFrom(...keys), fc.jsonValue(), (key, value) => {
        const data = { ...base, [key]: value };
        try {
          fromHuggingFaceJSON(data);
        } catch (error) {
          expect(error).toBeInstanceOf(TokenizerError);
        }
      }),
    );
  });

  it('refuses special tokens placed before the ordinary ones (as trainers that list them first do)', () => {
    const data = handWritten() as Record<string, unknown> & { added_tokens: unknown[] };
    data.added_tokens.push({ id: 0, content: '<s>', special: true });
    expect(() => fromHuggingFaceJSON(data)).toThrow(/field "added_tokens\[1\].id" must be an id from 259 \(after the ordinary tokens\) to 65796 \(at most 65536 unused ids\), found 0/);
  });
});
