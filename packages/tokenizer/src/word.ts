// Word-level tokenizer: a regex splits text into words, numbers, punctuation runs and whitespace runs; the
// most frequent pieces get ids, everything else becomes <unk>. Whitespace runs are tokens too, so decode
// restores the spacing; text with out-of-vocabulary pieces does not round-trip (use char or BPE for that).
import { describeValue, quote, resolveSpecials, encodeWithSpecials, decodeByText, textWithoutSpecials, type Segment } from './special';
import { compileSplitPattern } from './split/check-pattern';
import { splitChunks } from './split/split-chunks';
import { type Tokenizer, TokenizerError } from './tokenizer';

/**
 * The default split: letter runs (with combining marks, so 'café' written with U+0301 stays one word),
 * digit runs, runs of anything else that is not whitespace (punctuation, symbols, emoji), whitespace runs.
 * Every character falls in one class, so no text is lost.
 */
export const DEFAULT_WORD_PATTERN = String.raw`[\p{L}\p{M}]+|\p{N}+|[^\s\p{L}\p{M}\p{N}]+|\s+`;

/** Options of {@link createWordTokenizer}; special-token ids follow the pieces: unk first unless listed. */
export interface WordSpecialOptions {
  /**
   * Regex source, compiled with flags 'gu'; text between matches is a piece too. It must pass
   * `compileSplitPattern`'s checks (no empty match, no catastrophic backtracking).
   */
  pattern?: string;
  /** Token for out-of-vocabulary pieces: its text, `true` for `'<unk>'` (the default), `false` to throw. */
  unk?: string | boolean;
  /** Other special tokens (non-empty, distinct texts). */
  special?: readonly string[];
}

/** Options of {@link trainWord}. */
export interface WordTrainOptions extends WordSpecialOptions {
  /** At most this many ids in all, special tokens included (default: every piece that qualifies). */
  maxVocab?: number;
  /** Keep only pieces seen at least this many times (default 1). */
  minFrequency?: number;
}

/** Our JSON format for a word tokenizer (see json.ts). */
export interface WordTokenizerJSON {
  /** Always `'microgpt-tokenizer'` ({@link TOKENIZER_FORMAT}). */
  format: 'microgpt-tokenizer';
  /** The format version ({@link TOKENIZER_VERSION}); a reader refuses any other. */
  version: 1;
  /** Always `'word'`. */
  kind: 'word';
  /** The split regex source (flags 'gu'); text between matches is a piece too. */
  pattern: string;
  /** The pieces by id. */
  vocab: string[];
  /** Special token text → id; the ids are `vocab.length`, `vocab.length + 1`, … */
  specialTokens: Record<string, number>;
  /** Text of the out-of-vocabulary token (a key of `specialTokens`), or null: then an unknown piece throws. */
  unk: string | null;
}

/**
 * A word-level tokenizer: a {@link Tokenizer} that also exposes its pieces and split pattern. An
 * out-of-vocabulary piece encodes to `unkId` and decodes as the unk token's text (`'<unk>'`), so
 * `decode(encode(text)) === text` holds only when every piece of `text` is in the vocabulary.
 */
export interface WordTokenizer extends Tokenizer {
  /** Always `'word'`: narrows a {@link Tokenizer} to this interface. */
  readonly kind: 'word';
  /** The pieces by id (words, numbers, punctuation and whitespace runs); special tokens come after them. */
  readonly pieces: readonly string[];
  /** The split regex source (flags 'gu'), {@link DEFAULT_WORD_PATTERN} unless trained with another. */
  readonly pattern: string;
  /** Id that out-of-vocabulary pieces encode to, or undefined: then they throw a `TokenizerError`. */
  readonly unkId: number | undefined;
  toJSON(): WordTokenizerJSON;
}

/** Calls `visit` for every piece of `segment`: the pattern's matches and the text between them. */
function forEachPiece(segment: Segment, re: RegExp, where: string, visit: (piece: string, start: number) => void): void {
  const { text, start } = segment;
  splitChunks(re, text, 0, where, (piece, at) => {
    visit(piece, start + at);
  });
}

function checkCount(where: string, name: string, value: unknown, min: number, why = ''): void {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new TokenizerError(`${where}: ${name} must be an integer >= ${min}${why}, found ${describeValue(value)}`);
  }
}

/**
 * Trains a word tokenizer: the vocabulary is the most frequent pieces of `corpus` (ties broken by first
 * occurrence, so training is deterministic), at least `minFrequency` times, capped so that pieces plus
 * special tokens fit in `maxVocab`. Special tokens' texts in the corpus are skipped.
 * @throws {TokenizerError} for a pattern that does not compile or that `compileSplitPattern` refuses, bad counts,
 * or `maxVocab` smaller than the number of special tokens.
 */
export function trainWord(corpus: string, options: WordTrainOptions = {}): WordTokenizer {
  const where = 'trainWord';
  const { maxVocab, minFrequency = 1, pattern = DEFAULT_WORD_PATTERN, unk = true, special } = options;
  const re = compileSplitPattern(pattern, where);
  const { tokens, names } = resolveSpecials(where, { unk }, special);
  checkCount(where, 'minFrequency', minFrequency, 1);
  if (maxVocab !== undefined) {
    checkCount(where, 'maxVocab', maxVocab, tokens.length, ` (it counts the ${tokens.length} special tokens)`);
  }
  const counts = new Map<string, number>();
  for (const segment of textWithoutSpecials(corpus, tokens)) {
    forEachPiece(segment, re, where, (piece) => counts.set(piece, (counts.get(piece) ?? 0) + 1));
  }
  // A Map iterates in insertion (first occurrence) order and sort is stable: ties keep that order.
  const ranked = [...counts].filter(([, count]) => count >= minFrequency).sort((a, b) => b[1] - a[1]);
  const room = maxVocab === undefined ? ranked.length : maxVocab - tokens.length;
  return buildWord(
    ranked.slice(0, room).map(([piece]) => piece),
    pattern,
    re,
    tokens,
    names.unk,
  );
}

/**
 * A word tokenizer with the given pieces (id i is `pieces[i]`) and options.
 * @throws {TokenizerError} for an empty or repeated piece, a pattern that does not compile or that
 * `compileSplitPattern` refuses, or bad special-token options.
 */
export function createWordTokenizer(pieces: readonly string[], options: WordSpecialOptions = {}): WordTokenizer {
  const where = 'createWordTokenizer';
  const { pattern = DEFAULT_WORD_PATTERN, unk = true, special } = options;
  const seen = new Map<string, number>();
  pieces.forEach((piece: unknown, i) => {
    if (typeof piece !== 'string' || piece === '') {
      throw new TokenizerError(`${where}: pieces[${i}] must be a non-empty string, found ${describeValue(piece)}`);
    }
    const first = seen.get(piece);
    if (first !== undefined) {
      throw new TokenizerError(`${where}: pieces[${i}] ${quote(piece)} repeats pieces[${first}]`);
    }
    seen.set(piece, i);
  });
  const re = compileSplitPattern(pattern, where);
  const { tokens, names } = resolveSpecials(where, { unk }, special);
  return buildWord([...pieces], pattern, re, tokens, names.unk);
}

function buildWord(
  pieces: string[],
  pattern: string,
  re: RegExp,
  specialList: string[],
  unkName: string | undefined,
): WordTokenizer {
  const ids = new Map(pieces.map((piece, i) => [piece, i]));
  const specialIds = new Map(specialList.map((text, i) => [text, pieces.length + i]));
  const texts = [...pieces, ...specialList];
  const unkId = unkName === undefined ? undefined : specialIds.get(unkName);

  return {
    kind: 'word',
    vocabSize: texts.length,
    specialTokens: Object.freeze(Object.fromEntries(specialIds)),
    pieces: Object.freeze(pieces),
    pattern,
    unkId,
    encode: (text, options) =>
      encodeWithSpecials(text, specialIds, options, (segment, out) => {
        forEachPiece(segment, re, 'encode', (piece, start) => {
          const id = ids.get(piece) ?? unkId;
          if (id === undefined) {
            throw new TokenizerError(
              `encode: unknown word ${quote(piece)} at index ${start}; the vocabulary has ${pieces.length} pieces ` +
                'and no <unk> token',
            );
          }
          out.push(id);
        });
      }),
    // The <unk> id decodes to the unk token's text (e.g. '<unk>'): the original word is gone.
    ...decodeByText(texts),
    toJSON: () => ({
      format: 'microgpt-tokenizer',
      version: 1,
      kind: 'word',
      pattern,
      vocab: [...pieces],
      specialTokens: Object.fromEntries(specialIds),
      unk: unkName ?? null,
    }),
  };
}
