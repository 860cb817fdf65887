// Rank file parsing and writing: errors name the line, the published files read back byte for byte.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { base64Decode, base64Encode } from './base64';
import { parseTiktokenRanks, toTiktokenRanks } from './tiktoken-ranks';

const require = createRequire(import.meta.url);
const rankFile = (name: string): string => readFileSync(require.resolve(`gpt-tokenizer/data/${name}.tiktoken`), 'utf8');

function parseError(text: string): string {
  try {
    parseTiktokenRanks(text);
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    return (error as Error).message;
  }
  throw new Error('expected a TokenizerError');
}

describe('base64', () => {
  it('round-trips any bytes and agrees with Node', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (bytes) => {
        const text = base64Encode(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('base64'));
        expect(base64Decode(text)).toEqual(bytes);
      }),
    );
  });

  it('refuses non-canonical spellings', () => {
    for (const bad of ['IQ', 'IQ=', 'I===', '====', 'IR==', 'IQI=x', 'I Q=', 'IQ==IQ==', 'Ig=A', 'ÿÿÿÿ']) expect(base64Decode(bad)).toBeNull();
    expect(base64Decode('')).toEqual(new Uint8Array(0));
  });
});

describe('parseTiktokenRanks', () => {
  it('reads ranks in any order, skips blank lines and accepts CRLF', () => {
    expect(parseTiktokenRanks('YQ== 1\r\n\r\nYg== 0\nYWI= 2\n\n')).toEqual([
      new Uint8Array([98]),
      new Uint8Array([97]),
      new Uint8Array([97, 98]),
    ]);
    expect(parseTiktokenRanks('')).toEqual([]);
  });

  it('names the line of each kind of error', () => {
    expect(parseError('YQ== 0\nYg==\n')).toMatch(/line 2: .*"Yg==".*missing rank/);
    expect(parseError('YQ== 0\nY!== 1\n')).toMatch(/line 2: token "Y!==" is not valid base64/);
    expect(parseError('YQ== 0\nYR== 1\n')).toMatch(/line 2: .*not valid base64/);
    expect(parseError('YQ== 0\n 1\n')).toMatch(/line 2: the token is empty/);
    expect(parseError('YQ== zero\n')).toMatch(/line 1: rank "zero" is not a non-negative integer/);
    expect(parseError('YQ== -1\n')).toMatch(/line 1: rank "-1"/);
    expect(parseError('YQ==  0\n')).toMatch(/line 1: rank " 0"/);
    expect(parseError('YQ== 0\nYg== 2\n')).toMatch(/line 2: rank 2 leaves a gap: the file has 2 tokens, so ranks must be 0…1/);
    expect(parseError('YQ== 0\n\nYg== 0\n')).toMatch(/line 3: rank 0 is already used on line 1/);
    expect(parseError('YQ== 0\nYQ== 1\n')).toMatch(/line 2: token "YQ==" is already listed on line 1/);
    expect(parseError('YQ== 99999999999999999999\n')).toMatch(/line 1: rank "99999999999999999999"/);
  });

  it('shortens a long bad line in the message', () => {
    const message = parseError(`${'A'.repeat(10_000)}\n`);
    expect(message.length).toBeLessThan(200);
  });

  it('reads the published r50k, cl100k and o200k files and writes them back byte for byte', () => {
    for (const [name, count] of [['r50k_base', 50256], ['cl100k_base', 100256], ['o200k_base', 199998]] as const) {
      const text = rankFile(name);
      const tokens = parseTiktokenRanks(text);
      expect(tokens.length).toBe(count);
      expect(toTiktokenRanks(tokens)).toBe(text);
    }
  }, 60_000);

  it('refuses p50k_base, whose ranks skip 50256 (its <|endoftext|>)', () => {
    expect(parseError(rankFile('p50k_base'))).toMatch(/line 50280: rank 50280 leaves a gap/);
  });

  it('gives a TokenizerError, never a crash, for a truncated or corrupted file', () => {
    const text = rankFile('r50k_base').slice(0, 4000);
    fc.assert(
      fc.property(fc.nat(text.length), fc.nat(text.length), fc.string({ maxLength: 3 }), (cut, at, junk) => {
        const corrupted = text.slice(0, at) + junk + text.slice(at, cut);
        try {
          parseTiktokenRanks(corrupted);
        } catch (error) {
          expect(error).toBeInstanceOf(TokenizerError);
        }
      }),
      { numRuns: 300 },
    );
  });

  it('round-trips random vocabularies', () => {
    const vocab = fc.uniqueArray(fc.uint8Array({ minLength: 1, maxLength: 8 }), {
      selector: (bytes) => bytes.join(','),
      maxLength: 50,
    });
    fc.assert(
      fc.property(vocab, (tokens) => {
        expect(parseTiktokenRanks(toTiktokenRanks(tokens))).toEqual(tokens);
      }),
    );
  });
});
