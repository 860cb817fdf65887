// @microgpt/tokenizer in a bundled page: byte-level BPE trained here encodes and decodes text with accents, emoji
// and a special token back to itself, and a char tokenizer round-trips its own alphabet.
import { trainBpe, trainChar, utf8Encode } from '@microgpt/tokenizer';
import { report } from './report';

const TRAINING = 'the quick brown fox jumps over the lazy dog. the dog sleeps; the fox runs. '.repeat(40);
const TEXT = 'the lazy fox, wörld 😀 — naïve café<|endoftext|>the end';

void report(() => {
  const bpe = trainBpe(TRAINING, { vocabSize: 280, pattern: 'gpt4', specialTokens: ['<|endoftext|>'] });
  const ids = bpe.encode(TEXT, { allowedSpecial: 'all' });
  const chars = trainChar(TRAINING, { bos: true });
  const charIds = chars.encode('the lazy dog');
  return {
    vocabSize: bpe.vocabSize,
    bpeRoundTrip: bpe.decode(ids) === TEXT,
    tokens: ids.length,
    bytes: utf8Encode(TEXT).length,
    charRoundTrip: chars.decode(charIds) === 'the lazy dog',
    charVocab: chars.vocabSize,
  };
});
