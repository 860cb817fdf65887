// Fuzzing the tokenizer files we read: our JSON (char, word, BPE with a pattern and special tokens, BPE as base64
// tokens), Hugging Face tokenizer.json (ours, with a Split pattern, and a GPT-2-like ByteLevel one), tiktoken rank
// text, and split patterns themselves, each damaged by @microgpt/fuzz's mutators. Every case must end within the
// hang bound in a TokenizerError or a tokenizer that works: ids inside its vocabulary, decode(encode(s)) === s for
// the sample strings it can encode, and the same ids after saving and loading again.
import { cleanOutcome, fuzzSettings, mutatedBytes, mutatedJsonText } from '@microgpt/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { SPLIT_PATTERNS } from './bpe/patterns';
import { MAX_UNUSED_IDS } from './bpe/tokenizer';
import { BPE_MAX_VOCAB_SIZE, trainBpe } from './bpe/train';
import { trainChar } from './char';
import { fromHuggingFaceJSON, toHuggingFaceJSON } from './interop/huggingface';
import { loadTiktokenRanks } from './interop/tiktoken';
import { toTiktokenRanks } from './interop/tiktoken-ranks';
import { tokenizerFromJSON } from './json';
import { compileSplitPattern } from './split/check-pattern';
import { splitChunks } from './split/split-chunks';
import { ACCEPTED_PATTERNS } from './split/accepted-patterns';
import { type Tokenizer, TokenizerError } from './tokenizer';
import { trainWord } from './word';

/** Milliseconds one case may take (loading, then encoding the samples); real work takes a few. */
const HANG_BOUND_MS = 5_000;
/** The largest vocabulary a loaded file may claim: a model allocates an embedding row per id. */
const MAX_VOCAB = BPE_MAX_VOCAB_SIZE + MAX_UNUSED_IDS;

const corpus = "Hello, World 42! It's ünïcödé ✓ 😀 — the end.\n\tThe END. ".repeat(6);
// Short, but built to make a catastrophic pattern that slipped through the checks hang: runs that almost match.
const SAMPLES = ['', 'Hello, World 42', "we'll see 😀 ✓ é\u0301", `${'a'.repeat(28)}!`, `${' '.repeat(28)}x`, "'".repeat(28), '<|eot|> x'];
const utf8 = new TextDecoder();
const wellFormed = (text: string): string => utf8.decode(new TextEncoder().encode(text));

const bpe = trainBpe(corpus, { vocabSize: 300, pattern: 'gpt4', specialTokens: ['<|eot|>', '<|pad|>'] });
const BASES: Readonly<Record<string, object>> = {
  char: trainChar(corpus, { bos: true, unk: true, special: ['<|eot|>'] }).toJSON(),
  word: trainWord(corpus, { maxVocab: 40, pattern: String.raw`\p{L}+|\p{N}+|\s+`, special: ['<|eot|>'] }).toJSON(),
  'bpe (merges, gpt4 pattern, specials)': bpe.toJSON(),
  'bpe (base64 tokens, custom pattern)': tokenizerFromJSON({ ...bpe.toJSON(), pattern: "[a-z]+|'" }).toJSON(),
};
const HF_BASES: Readonly<Record<string, object>> = {
  'ours, with a Split pattern': toHuggingFaceJSON(bpe),
  'GPT-2-like ByteLevel': toHuggingFaceJSON(trainBpe(corpus, { vocabSize: 290, pattern: 'gpt2', specialTokens: ['<|endoftext|>'] })),
};

/** Whether `tokenizer` behaves: ids in range, round trips of what it can encode, the same after a save and load. */
function checkWorks(tokenizer: Tokenizer): void {
  expect(Number.isSafeInteger(tokenizer.vocabSize) && tokenizer.vocabSize <= MAX_VOCAB, `vocabSize ${tokenizer.vocabSize}`).toBe(true);
  const again = tokenizerFromJSON(JSON.stringify(tokenizer.toJSON()));
  const unk = tokenizer.specialTokens['<unk>'];
  for (const sample of SAMPLES) {
    const encoded = cleanOutcome(() => tokenizer.encode(sample, { disallowedSpecial: [] }), [TokenizerError]);
    if (!encoded.ok) continue; // e.g. a character outside a char vocabulary without <unk>
    const ids = encoded.value;
    for (const id of ids) expect(Number.isInteger(id) && id >= 0 && id < tokenizer.vocabSize).toBe(true);
    expect(again.encode(sample, { disallowedSpecial: [] })).toEqual(ids);
    if (unk !== undefined && ids.includes(unk)) continue; // an unknown piece: its text is gone by design
    expect(tokenizer.decode(ids)).toBe(tokenizer.kind === 'bpe' ? wellFormed(sample) : sample);
  }
}

/** Runs `load` on `input`: a TokenizerError, or a tokenizer that works, within the hang bound. */
function fuzzCase(load: () => Tokenizer): void {
  const started = performance.now();
  const outcome = cleanOutcome(load, [TokenizerError]);
  if (outcome.ok) checkWorks(outcome.value);
  // The readers' safety net wraps any other error in a TokenizerError with a cause: that is a bug they missed.
  else expect(outcome.error.cause, outcome.error.message).toBeUndefined();
  expect(performance.now() - started, `ms for one case (hang bound ${HANG_BOUND_MS})`).toBeLessThan(HANG_BOUND_MS);
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

describe('our tokenizer JSON, mutated', () => {
  it.each(Object.entries(BASES))('%s: edited JSON values', (_, base) => {
    fc.assert(
      fc.property(mutatedJsonText(base), (text) => {
        fuzzCase(() => tokenizerFromJSON(text));
      }),
      fuzzSettings(40),
    );
  });

  it.each(Object.entries(BASES))('%s: damaged bytes', (_, base) => {
    fc.assert(
      fc.property(mutatedBytes(encoder.encode(JSON.stringify(base))), (bytes) => {
        fuzzCase(() => tokenizerFromJSON(decoder.decode(bytes)));
      }),
      fuzzSettings(40),
    );
  });
});

describe('Hugging Face tokenizer.json, mutated', () => {
  it.each(Object.entries(HF_BASES))('%s: edited JSON values', (_, base) => {
    fc.assert(
      fc.property(mutatedJsonText(base), (text) => {
        fuzzCase(() => fromHuggingFaceJSON(text));
      }),
      fuzzSettings(40),
    );
  });

  it.each(Object.entries(HF_BASES))('%s: damaged bytes', (_, base) => {
    fc.assert(
      fc.property(mutatedBytes(encoder.encode(JSON.stringify(base))), (bytes) => {
        fuzzCase(() => fromHuggingFaceJSON(decoder.decode(bytes)));
      }),
      fuzzSettings(40),
    );
  });
});

describe('tiktoken rank text, mutated', () => {
  const ranks = encoder.encode(toTiktokenRanks(bpe.spec.tokens));
  const specialTokens = { '<|endoftext|>': bpe.spec.tokens.length };
  it('damaged bytes, loaded with a pattern and a special token', () => {
    fc.assert(
      fc.property(mutatedBytes(ranks), (bytes) => {
        fuzzCase(() => loadTiktokenRanks(decoder.decode(bytes), { pattern: SPLIT_PATTERNS.gpt2, specialTokens }));
      }),
      fuzzSettings(60),
    );
  });
});

describe('split patterns, mutated', () => {
  it.each(Object.entries(ACCEPTED_PATTERNS))('%s: damaged source', (_, source) => {
    fc.assert(
      fc.property(mutatedBytes(encoder.encode(source), 3), (bytes) => {
        const started = performance.now();
        const outcome = cleanOutcome(() => compileSplitPattern(decoder.decode(bytes), 'fuzz'), [TokenizerError]);
        if (outcome.ok) {
          for (const sample of SAMPLES) {
            let joined = '';
            splitChunks(outcome.value, sample, 0, 'fuzz', (chunk) => {
              joined += chunk;
            });
            expect(joined).toBe(sample);
          }
        }
        expect(performance.now() - started, `ms for one case (hang bound ${HANG_BOUND_MS})`).toBeLessThan(HANG_BOUND_MS);
      }),
      fuzzSettings(30),
    );
  });
});
