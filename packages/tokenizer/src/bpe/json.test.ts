// Our JSON format for BPE tokenizers: round trips (merges and base64 tokens), and clear errors, never a crash or a
// hang, for malformed, truncated and hostile files.
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { bpeFromJSON, bpeToJSON } from './json';
import { createBpeTokenizer } from './tokenizer';
import { trainBpe } from './train';

const text = 'The quick brown fox jumps over the lazy dog. Ünïcödé 😀 中文 — the end, the end.\n'.repeat(5);
const trained = trainBpe(text, { vocabSize: 300, specialTokens: ['<|bos|>', '<|eos|>'] });
const loaded = createBpeTokenizer({ tokens: trained.spec.tokens, pattern: null, specialTokens: { '<|endoftext|>': 500 } });

/** What bpeFromJSON throws for `data` (and checks it is a TokenizerError). */
function errorOf(data: unknown): string {
  try {
    bpeFromJSON(data);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    return (error as Error).message;
  }
  throw new Error('expected an error');
}

describe('bpeToJSON / bpeFromJSON', () => {
  it('saves a trained tokenizer as merges and loads an equal one', () => {
    const data = bpeToJSON(trained);
    const specialTokens = { '<|bos|>': 298, '<|eos|>': 299 };
    expect(data).toMatchObject({ format: 'microgpt-tokenizer', version: 1, kind: 'bpe', specialTokens });
    expect(data.merges).toHaveLength(42);
    expect(data.tokens).toBeUndefined();
    const back = bpeFromJSON(JSON.parse(JSON.stringify(data)));
    expect(back.spec.tokens).toEqual(trained.spec.tokens);
    expect(back.spec.merges).toEqual(trained.spec.merges);
    expect(back.encode(text + '<|eos|>', { allowedSpecial: 'all' })).toEqual(trained.encode(text + '<|eos|>', { allowedSpecial: 'all' }));
    expect(bpeToJSON(back)).toEqual(data);
    expect(trained.toJSON()).toEqual(data);
  });

  it('saves a tokenizer without merges as base64 token bytes, and accepts the JSON text', () => {
    const data = loaded.toJSON();
    expect(data.merges).toBeUndefined();
    expect(data.tokens![0x41]).toBe('QQ==');
    const back = bpeFromJSON(JSON.stringify(data));
    expect(back.spec.tokens).toEqual(loaded.spec.tokens);
    expect(back.spec.pattern).toBeNull();
    expect(back.specialTokens).toEqual({ '<|endoftext|>': 500 });
    expect(back.vocabSize).toBe(501);
  });

  it('names the field of each problem', () => {
    const good = bpeToJSON(trained) as unknown as Record<string, unknown>;
    const base = bpeToJSON(loaded) as unknown as Record<string, unknown>;
    const cases: [Record<string, unknown>, string][] = [
      [{ ...good, format: 'x' }, 'fromJSON: "format" must be "microgpt-tokenizer", found \'x\''],
      [{ ...good, version: 2 }, 'fromJSON: "version" must be 1, found 2 (written by a newer @microgpt/tokenizer)'],
      [{ ...good, kind: 'char' }, 'fromJSON: "kind" must be "bpe"'],
      [{ ...good, pattern: 5 }, 'fromJSON: "pattern" must be a regex source string or null, found 5'],
      [{ ...good, pattern: '(?<' }, `fromJSON: "pattern": split pattern '(?<' is not a valid regex with flags 'gu'`],
      [{ ...good, pattern: 'x*' }, `fromJSON: "pattern": split pattern 'x*' is refused: it can match the empty string`],
      [{ ...good, pattern: '(x+x+)+y' }, `fromJSON: "pattern": split pattern '(x+x+)+y' is refused: '(x+x+)+' at offset 0`],
      [
        { ...good, merges: undefined },
        'fromJSON: "merges" must be an array of [id, id] pairs (or "tokens" an array of base64 strings), found nothing',
      ],
      [{ ...good, tokens: ['QQ=='] }, 'fromJSON: "tokens" must be absent when "merges" is given'],
      [{ ...good, merges: 'abc' }, 'fromJSON: "merges" must be an array of [id, id] pairs'],
      [{ ...good, merges: [[1, 2], 'abc'] }, `fromJSON: "merges[1]" must be a pair of ids below 257 (tokens made before it), found 'abc'`],
      [{ ...good, merges: [[1, 256]] }, 'fromJSON: "merges[0]" must be a pair of ids below 256'],
      [{ ...good, merges: [[1, 2, 3]] }, 'must be a pair of ids below 256 (tokens made before it), found an array of 3'],
      [{ ...good, merges: [[1, 2.5]] }, 'fromJSON: "merges[0]" must be a pair'],
      [{ ...good, merges: [[1, 2], [1, 2]] }, 'fromJSON: tokens[257] repeats the bytes of tokens[256]'],
      [
        { ...base, tokens: ['QQ=', ...(base.tokens as string[]).slice(1)] },
        `fromJSON: "tokens[0]" must be the base64 of a non-empty byte string, found 'QQ='`,
      ],
      [{ ...base, tokens: [''] }, 'fromJSON: "tokens[0]" must be the base64 of a non-empty byte string'],
      [{ ...base, tokens: (base.tokens as string[]).slice(1) }, 'fromJSON: no token is the single byte 0x00'],
      [{ ...good, specialTokens: [] }, 'fromJSON: "specialTokens" must be an object of special token text → id'],
      [{ ...good, specialTokens: { '<s>': 3 } }, 'fromJSON: "specialTokens["<s>"]" must be an integer id from 298'],
      [{ ...good, specialTokens: { '<s>': 400, '</s>': 400 } }, '"specialTokens["</s>"]" must be an id no other special token has'],
      [{ ...good, specialTokens: { '': 400 } }, 'fromJSON: "specialTokens[""]" must be a non-empty text'],
    ];
    for (const [data, message] of cases) expect(errorOf(data)).toContain(message);
    expect(errorOf(null)).toBe('fromJSON: expected a tokenizer object, found null');
    expect(errorOf('{"format":')).toContain('fromJSON: the text is not valid JSON');
  });

  it('refuses merges that would blow up token lengths before allocating them', () => {
    const merges: [number, number][] = [[97, 97]];
    for (let i = 0; i < 60; i++) merges.push([256 + i, 256 + i]); // token 256 + i has 2^(i+1) bytes
    const message = errorOf({ ...bpeToJSON(trained), merges });
    expect(message).toMatch(/^fromJSON: "merges\[\d+\]" must be a merge that keeps the vocabulary reasonable/);
  });

  it('gives a TokenizerError for every truncation of a saved file', () => {
    const json = JSON.stringify(bpeToJSON(trained));
    for (let end = 0; end < json.length; end += 7) expect(() => bpeFromJSON(json.slice(0, end))).toThrow(TokenizerError);
  });

  it('reports hostile objects as bad files', () => {
    const hostile = { ...bpeToJSON(trained) } as Record<string, unknown>;
    Object.defineProperty(hostile, 'pattern', {
      enumerable: true,
      get() {
        throw new Error('boom');
      },
    });
    expect(errorOf(hostile)).toBe("fromJSON: could not read the tokenizer (boom)");
    const head = '"format":"microgpt-tokenizer","version":1,"kind":"bpe","pattern":null,"merges":[]';
    const proto = JSON.parse(`{${head},"specialTokens":{"__proto__":300}}`) as unknown;
    expect(bpeFromJSON(proto).specialTokens).toEqual(JSON.parse('{"__proto__":300}'));
  });
});
