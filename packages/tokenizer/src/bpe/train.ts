// Trains a byte-level BPE tokenizer from a text or a stream of text pieces: pre-split, count distinct chunks,
// learn merges (learn.ts). Merges are exactly minbpe's (BasicTokenizer with pattern 'none', RegexTokenizer with
// 'gpt4'), which the tests check against a fixture made with minbpe.
import { describeValue, quote } from '../special';
import { TokenizerError } from '../tokenizer';
import { compileSplitPattern } from '../split/check-pattern';
import { ChunkCounter } from './chunks';
import { learnMerges } from './learn';
import { type SplitPatternName, resolvePattern } from './patterns';
import { type BpeTokenizer, MAX_UNUSED_IDS, buildBpeTokenizer, maxSpecialId, tokensFromMerges } from './tokenizer';

/** Options of {@link trainBpe} and {@link trainBpeStream}. */
export interface BpeTrainOptions {
  /**
   * Size of the vocabulary to make, special tokens included: 256 byte tokens, then
   * `vocabSize − 256 − (number of special tokens)` merges (fewer if the text runs out of pairs), then the
   * special tokens given as a list.
   */
  vocabSize: number;
  /**
   * Pre-split pattern: `'none'` (the text is one sequence, as minbpe's BasicTokenizer), a name in
   * SPLIT_PATTERNS (`'gpt2'`, `'gpt4'`, `'o200k'`), or any other string as a regex source (flags 'gu') that
   * passes `compileSplitPattern`'s checks. Text between matches is a chunk of its own, so none is left out.
   * Default `'gpt4'` (minbpe's RegexTokenizer).
   */
  pattern?: 'none' | SplitPatternName | (string & {});
  /**
   * Special tokens: a list (ids follow the merges, in order) or text → id (ids ≥ 256 + merges). They never
   * take part in merges: their text is cut out of the training text and ends a chunk (or, with 'none', the
   * sequence) there.
   */
  specialTokens?: Readonly<Record<string, number>> | readonly string[];
}

/** Largest `vocabSize` {@link trainBpe} accepts: pair keys (a × size + b) must stay exact doubles. */
export const BPE_MAX_VOCAB_SIZE = 1 << 24;

interface Plan {
  where: string;
  counter: ChunkCounter;
  numMerges: number;
  pattern: string | null;
  specials: readonly string[];
  fixedIds: Readonly<Record<string, number>> | null;
}

function plan(where: string, options: BpeTrainOptions): Plan {
  const fail: (message: string) => never = (message) => {
    throw new TokenizerError(`${where}: ${message}`);
  };
  const { vocabSize, specialTokens = [] } = options as Partial<BpeTrainOptions>;
  const list = Array.isArray(specialTokens);
  const specials: string[] = list ? [...(specialTokens as readonly string[])] : Object.keys(specialTokens);
  specials.forEach((s, i) => {
    if (typeof (s as unknown) !== 'string' || s === '') {
      fail(`specialTokens[${i}] must be a non-empty string, found ${describeValue(s)}`);
    }
    if (specials.indexOf(s) !== i) fail(`special token ${quote(s)} is listed twice`);
  });
  if (typeof vocabSize !== 'number' || !Number.isInteger(vocabSize) || vocabSize > BPE_MAX_VOCAB_SIZE) {
    fail(`vocabSize must be an integer up to ${BPE_MAX_VOCAB_SIZE}, found ${String(vocabSize)}`);
  }
  const numMerges = vocabSize - 256 - specials.length;
  if (numMerges < 0) {
    fail(`vocabSize ${vocabSize} is too small: it needs 256 byte tokens + ${specials.length} special tokens`);
  }
  const fixedIds = list ? null : (specialTokens as Readonly<Record<string, number>>);
  if (fixedIds !== null) {
    const maxId = maxSpecialId(256 + numMerges, specials.length);
    for (const [text, id] of Object.entries(fixedIds)) {
      if (!Number.isInteger(id) || id < 256 + numMerges || id > maxId) {
        const range = `integers from ${256 + numMerges} (after the merges) to ${maxId} (at most ${MAX_UNUSED_IDS} unused ids)`;
        fail(`special token ${quote(text)} has id ${String(id)}; ids must be ${range}`);
      }
    }
  }
  const pattern = resolvePattern(options.pattern ?? 'gpt4');
  const counter = new ChunkCounter(pattern === null ? null : compileSplitPattern(pattern, where), specials, where);
  return { where, counter, numMerges, pattern, specials, fixedIds };
}

function build({ where, counter, numMerges, pattern, specials, fixedIds }: Plan): BpeTokenizer {
  const merges = learnMerges(counter.counts, numMerges);
  const tokens = tokensFromMerges(merges);
  const specialTokens = fixedIds ?? Object.fromEntries(specials.map((s, i) => [s, tokens.length + i]));
  // Fixed special ids checked against the merges asked for can still leave too many unused ids when the text
  // ran out of pairs early: that error starts with `where` too.
  return buildBpeTokenizer({ tokens, pattern, specialTokens, merges }, where);
}

/**
 * Trains a byte-level BPE tokenizer on `text`. Training is incremental (pair counts and a heap updated around
 * each merge, over distinct chunks with their frequencies) and picks the same merges in the same order as
 * minbpe, ties included (the pair seen first in the text wins).
 * @throws {TokenizerError} for a vocabSize too small for the byte and special tokens, a bad special token, a
 * fixed special id that collides with the merges or lies too far past them, or a pattern that does not compile
 * or that `compileSplitPattern` refuses (it can match the empty string or backtrack catastrophically).
 */
export function trainBpe(text: string, options: BpeTrainOptions): BpeTokenizer {
  const steps = plan('trainBpe', options);
  steps.counter.addText(text);
  return build(steps);
}

/**
 * {@link trainBpe} on a stream of text pieces (e.g. a file read with `createReadStream(path, 'utf8')`), with
 * the same result as training on their concatenation. Memory grows with the number of distinct chunks, not the
 * text, except with pattern 'none', where the text (between special tokens) is one chunk and is held whole.
 * @throws {TokenizerError} as trainBpe; errors of the stream itself are passed on.
 */
export async function trainBpeStream(pieces: AsyncIterable<string>, options: BpeTrainOptions): Promise<BpeTokenizer> {
  const steps = plan('trainBpeStream', options);
  for await (const piece of pieces) {
    if (typeof piece !== 'string') {
      throw new TokenizerError(`trainBpeStream: stream pieces must be strings, found a ${typeof piece}`);
    }
    steps.counter.push(piece);
  }
  steps.counter.finish();
  return build(steps);
}
