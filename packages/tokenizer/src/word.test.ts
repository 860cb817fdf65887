// Word tokenizer: the default split, deterministic frequency ranking, <unk>, spacing and the special-token policy.
import { readShakespeare } from '@microgpt/test-data';
import { describe, expect, it } from 'vitest';
import { TokenizerError } from './tokenizer';
import { createWordTokenizer, trainWord } from './word';

describe('trainWord', () => {
  it('splits into words, numbers, punctuation runs and whitespace runs', () => {
    const tok = trainWord('Hello, world!!  42\n');
    expect(tok.pieces).toEqual(['Hello', ',', ' ', 'world', '!!', '  ', '42', '\n']);
    expect(tok.specialTokens).toEqual({ '<unk>': 8 });
    expect(tok.unkId).toBe(8);
  });

  it('keeps combining marks in their word and runs of symbols together', () => {
    const tok = trainWord('cafe\u0301 😀😀 日本語');
    expect(tok.pieces).toEqual([' ', 'cafe\u0301', '😀😀', '日本語']);
  });

  it('ranks by frequency, breaking ties by first occurrence', () => {
    const tok = trainWord('b a b a c', { unk: false });
    expect(tok.pieces).toEqual([' ', 'b', 'a', 'c']);
    expect(trainWord('c a b', { unk: false }).pieces).toEqual([' ', 'c', 'a', 'b']);
  });

  it('caps the vocabulary, special tokens included, and applies minFrequency', () => {
    const corpus = 'the cat and the dog and the bird';
    const capped = trainWord(corpus, { maxVocab: 4 });
    expect(capped.pieces).toEqual([' ', 'the', 'and']);
    expect(capped.vocabSize).toBe(4);
    expect(trainWord(corpus, { minFrequency: 2 }).pieces).toEqual([' ', 'the', 'and']);
    expect(trainWord(corpus, { maxVocab: 1 }).pieces).toEqual([]);
  });

  it('rejects bad counts and patterns', () => {
    expect(() => trainWord('a', { maxVocab: 0 })).toThrow(
      'trainWord: maxVocab must be an integer >= 1 (it counts the 1 special tokens), found 0',
    );
    expect(() => trainWord('a', { maxVocab: 2.5 })).toThrow(TokenizerError);
    expect(() => trainWord('a', { minFrequency: 0 })).toThrow(
      'trainWord: minFrequency must be an integer >= 1, found 0',
    );
    expect(() => trainWord('a', { pattern: '(' })).toThrow(/^trainWord: split pattern '\(' is not a valid regex with flags/);
  });

  it('skips special tokens in the corpus', () => {
    const tok = trainWord('a b<|endoftext|>b c', { special: ['<|endoftext|>'] });
    expect(tok.pieces).toEqual([' ', 'b', 'a', 'c']);
    const ids = tok.encode('a b<|endoftext|>', { allowedSpecial: 'all' });
    expect(ids).toEqual([2, 0, 1, 5]);
    expect(tok.decode(ids)).toBe('a b<|endoftext|>');
  });

  it('trains deterministically on Tiny Shakespeare and round-trips known text', () => {
    const text = readShakespeare();
    const a = trainWord(text, { maxVocab: 2000 });
    const b = trainWord(text, { maxVocab: 2000 });
    expect(a.pieces).toEqual(b.pieces);
    expect(a.vocabSize).toBe(2000);
    expect(a.pieces.slice(0, 2)).toEqual([' ', '\n']);
    const line = 'First Citizen:\nBefore we proceed any further, hear me speak.\n';
    expect(a.decode(a.encode(line))).toBe(line);
    const full = trainWord(text);
    expect(full.decode(full.encode(text))).toBe(text);
  });
});

describe('encode and decode', () => {
  const tok = trainWord('the cat sat on the mat.\n');

  it('restores the original spacing of in-vocabulary text', () => {
    const text = 'the mat sat on\nthe cat.';
    const ids = tok.encode(text);
    expect(ids).not.toContain(tok.unkId);
    expect(tok.decode(ids)).toBe(text);
  });

  it('maps out-of-vocabulary pieces to <unk>, which decodes as its text (the word is lost)', () => {
    const ids = tok.encode('the dog  sat');
    expect(ids).toContain(tok.unkId);
    expect(tok.decode(ids)).toBe('the <unk><unk>sat');
  });

  it('uses a custom <unk> text, or throws without one, naming the word and its index', () => {
    const custom = trainWord('a b', { unk: '[UNK]' });
    expect(custom.decode(custom.encode('a z'))).toBe('a [UNK]');
    const strict = trainWord('a b', { unk: false });
    expect(strict.specialTokens).toEqual({});
    expect(() => strict.encode('a b zed')).toThrow(
      "encode: unknown word 'zed' at index 4; the vocabulary has 3 pieces and no <unk> token",
    );
  });

  it('rejects unknown ids, naming the id and the vocabulary size', () => {
    expect(() => tok.decode([0, 99])).toThrow('decode: unknown id 99 at position 1; the vocabulary has 9 ids, [0, 9)');
    expect(() => tok.decode([-1])).toThrow(TokenizerError);
    expect(() => tok.tokenBytes(0.5)).toThrow(TokenizerError);
    expect(new TextDecoder().decode(tok.tokenBytes(0))).toBe(tok.pieces[0]);
  });

  it('applies the special-token policy', () => {
    expect(() => tok.encode('the <unk>')).toThrow(/special token '<unk>' at index 4 is not allowed/);
    expect(tok.encode('the <unk>', { allowedSpecial: ['<unk>'] })).toEqual([1, 0, tok.unkId]);
    // As ordinary text, '<unk>' is one punctuation-and-word sequence of unknown pieces.
    expect(tok.encode('<unk>', { disallowedSpecial: [] })).toEqual([tok.unkId, tok.unkId, tok.unkId]);
  });
});

describe('custom patterns', () => {
  it('keeps the text between matches as pieces, so nothing is lost', () => {
    const tok = trainWord('ab, cd;ef', { pattern: String.raw`\p{L}+` });
    expect(tok.pieces).toEqual(['ab', ', ', 'cd', ';', 'ef']);
    expect(tok.decode(tok.encode('cd, ab'))).toBe('cd, ab');
  });

  it('refuses a pattern that can match the empty string or backtrack catastrophically', () => {
    expect(() => trainWord('ab  cd', { pattern: String.raw`\w*` })).toThrow(/^trainWord: split pattern '\\\\w\*' is refused: it can match the empty string/);
    expect(() => createWordTokenizer(['a'], { pattern: '(a+)+$' })).toThrow(/^createWordTokenizer: split pattern '\(a\+\)\+\$' is refused: '\(a\+\)\+' at offset 0/);
  });
});

describe('createWordTokenizer', () => {
  it('uses the given pieces in order', () => {
    const tok = createWordTokenizer(['world', ' ', 'hello'], { unk: false, special: ['<s>'] });
    expect(tok.encode('hello world')).toEqual([2, 1, 0]);
    expect(tok.specialTokens).toEqual({ '<s>': 3 });
  });

  it('rejects empty and repeated pieces', () => {
    expect(() => createWordTokenizer(['a', ''])).toThrow(
      "createWordTokenizer: pieces[1] must be a non-empty string, found ''",
    );
    expect(() => createWordTokenizer(['a', null as unknown as string])).toThrow(/pieces\[1\] .* found null/);
    expect(() => createWordTokenizer(['a', 'b', 'a'])).toThrow("createWordTokenizer: pieces[2] 'a' repeats pieces[0]");
  });

  it('writes our JSON format with every field', () => {
    const tok = trainWord('hi there', { special: ['<pad>'] });
    expect(tok.toJSON()).toEqual({
      format: 'microgpt-tokenizer',
      version: 1,
      kind: 'word',
      pattern: String.raw`[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]+|\s+`,
      vocab: ['hi', ' ', 'there'],
      specialTokens: { '<unk>': 3, '<pad>': 4 },
      unk: '<unk>',
    });
  });
});
