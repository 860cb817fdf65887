// The Oniguruma → V8 rewrite of split patterns found in tokenizer.json files.
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { toV8Pattern } from './regex-syntax';

const rewrite = (source: string): string => toV8Pattern(source, 'test');
const split = (source: string, text: string): string[] => text.match(new RegExp(rewrite(source), 'gu')) ?? [];

// As written in the tokenizer.json of Llama 3 / GPT-4-style exports, and in tiktoken ≥ 0.8 (possessive form).
const CL100K_HF = String.raw`(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`;
const CL100K_NEW = String.raw`'(?i:[sdmt]|ll|ve|re)|[^\r\n\p{L}\p{N}]?+\p{L}++|\p{N}{1,3}+| ?[^\s\p{L}\p{N}]++[\r\n]*+|\s++$|\s*[\r\n]|\s+(?!\S)|\s`;

describe('toV8Pattern', () => {
  it('expands case-insensitive groups into explicit cases', () => {
    expect(rewrite(String.raw`(?i:'s|'ll)|\p{L}+`)).toBe(String.raw`(?:'[sS]|'[lL][lL])|\p{L}+`);
    expect(rewrite(String.raw`'(?i:[sdmt]|ll)`)).toBe(String.raw`'(?:[sSdDmMtT]|[lL][lL])`);
    expect(split(CL100K_HF, "I'M here, DON'T go; we'll")).toEqual(['I', "'M", ' here', ',', ' DON', "'T", ' go', ';', ' we', "'ll"]);
  });

  it('drops possessive marks but keeps lazy and ordinary quantifiers', () => {
    expect(rewrite(CL100K_NEW)).toBe(
      String.raw`'(?:[sSdDmMtT]|[lL][lL]|[vV][eE]|[rR][eE])|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s+$|\s*[\r\n]|\s+(?!\S)|\s`,
    );
    expect(rewrite('a+?b*?(?:cd)++e{2,3}+f{2}?')).toBe('a+?b*?(?:cd)+e{2,3}f{2}?');
    expect(rewrite(String.raw`\++[+]+(?=x)(?!y)?`)).toBe(String.raw`\++[+]+(?=x)(?!y)?`);
    expect(split(CL100K_NEW, 'Hello 12345 world!!\n\n  x  ')).toEqual(['Hello', ' ', '123', '45', ' world', '!!\n\n', ' ', ' x', '  ']);
  });

  it('leaves escapes and patterns without those constructs alone', () => {
    const gpt2 = String.raw`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`;
    expect(rewrite(gpt2)).toBe(gpt2);
    expect(rewrite(String.raw`(?i:\p{L}\s)`)).toBe(String.raw`(?:\p{L}\s)`);
  });

  it('refuses what it cannot expand safely', () => {
    for (const bad of ['(?i)abc', '(?i:[a-z])', String.raw`(?i:\x41)`]) {
      expect(() => rewrite(bad)).toThrow(TokenizerError);
    }
    expect(() => rewrite('(?i)x')).toThrow(/test: cannot rewrite the split pattern for JavaScript: a global case-insensitive flag/);
  });
});
