// Tokenizers the CLI makes and reads: trained from the data (char, word, BPE), our JSON files, Hugging Face
// tokenizer.json files, tiktoken rank files, and OpenAI's published encodings by name (fetched once into the
// cache).
import { basename } from 'node:path';
import {
  BPE_MAX_VOCAB_SIZE,
  type Tokenizer,
  TokenizerError,
  checkSplitPattern,
  cl100kTokenizer,
  fromHuggingFaceJSON,
  gpt2Tokenizer,
  loadTiktokenRanks,
  o200kTokenizer,
  resolvePattern,
  tokenizerFromJSON,
  trainBpe,
  trainChar,
  trainWord,
} from '@microgpt/tokenizer';
import { readTextFile } from './text-file';
import { type Remote, fetchCached } from './downloads';
import { asUsage, runtimeError, usageError } from './errors';

/** The special token that wraps documents (microgpt.py's BOS). */
export const BOS_TEXT = '<|bos|>';

/** Kinds of tokenizer the CLI trains. */
export const TRAINABLE = ['char', 'word', 'bpe'] as const;
export type TrainableKind = (typeof TRAINABLE)[number];

/** Options of {@link trainTokenizer}. */
export interface TrainTokenizerOptions {
  /** Most ids (word: the most frequent pieces; BPE: 256 bytes + merges + specials). */
  readonly vocabSize?: number;
  /** BPE and word pre-split pattern: `none`, `gpt2`, `gpt4`, `o200k` or a regex source. */
  readonly pattern?: string;
  /** Special tokens, after the ordinary ids (BOS first when given). */
  readonly special?: readonly string[];
}

const DEFAULT_BPE_VOCAB = 512;
/** The text of the word tokenizer's unknown-piece token (trainWord's default). */
const UNK_TEXT = '<unk>';
/** The hint for a bad --special (what the libraries still refuse once the sizes and the pattern are checked). */
const SPECIAL_HINT = 'give each --special once, as a non-empty text';

/**
 * The split pattern of `--pattern` (`none`, `gpt2`, `gpt4`, `o200k` or a regex source), checked by the tokenizer
 * library's rules for split patterns; null for `none`.
 * @throws CliError (usage) naming --pattern for a regex that does not compile, can match the empty string or can
 * backtrack catastrophically.
 */
export function patternFlag(pattern: string): string | null {
  const source = resolvePattern(pattern);
  if (source === null) return null;
  try {
    checkSplitPattern(source);
  } catch (error) {
    if (!(error instanceof TokenizerError)) throw error;
    throw usageError(`--pattern ${JSON.stringify(pattern)}: ${error.message.replace(/^checkSplitPattern: /, '')}`, 'use --pattern none, gpt2, gpt4 or o200k, or change the regex as the message says');
  }
  return source;
}

/**
 * Checks `--vocab-size` against the tokenizer `kind` (char, word, bpe, or a file or name) and the number of
 * special tokens, before any text is read.
 * @throws CliError (usage) for a size given to a char tokenizer, a file or a named encoding, or a BPE size
 * below 256 + specials.
 */
export function checkVocabSize(kind: string, vocabSize: number | undefined, special: number): void {
  if (vocabSize === undefined) return;
  if (kind === 'char') throw usageError('--vocab-size does not apply to a char tokenizer (its vocabulary is the characters of the text)');
  if (!(TRAINABLE as readonly string[]).includes(kind)) throw usageError('--vocab-size applies to a trained tokenizer (word, bpe), not to a file or a named encoding');
  if (kind === 'bpe' && vocabSize < 256 + special) throw usageError(`--vocab-size ${vocabSize} is too small for BPE: it needs 256 byte tokens + ${special} special`, `use --vocab-size ${256 + special + 256} or more`);
}

/**
 * Trains a tokenizer of `kind` on `text`. BPE ids are minbpe's: 0–255 the bytes, merge i is 256 + i, then the
 * special tokens.
 * @throws CliError (usage) naming the flag: a vocabulary size that cannot work (BPE below 256 + specials or above
 * the library's limit, word below <unk> + specials, any for char), a refused --pattern, a repeated --special.
 */
export function trainTokenizer(kind: TrainableKind, text: string, options: TrainTokenizerOptions = {}): Tokenizer {
  const special = options.special ?? [];
  checkVocabSize(kind, kind === 'bpe' ? (options.vocabSize ?? DEFAULT_BPE_VOCAB) : options.vocabSize, special.length);
  if (kind === 'char') {
    const [bos, ...rest] = special;
    return asUsage(() => (bos === BOS_TEXT ? trainChar(text, { bos, special: rest }) : trainChar(text, { special })), SPECIAL_HINT);
  }
  const pattern = options.pattern === undefined ? undefined : patternFlag(options.pattern);
  if (kind === 'word') {
    const { vocabSize } = options;
    const reserved = new Set([UNK_TEXT, ...special]).size;
    if (vocabSize !== undefined && vocabSize < reserved) {
      throw usageError(`--vocab-size ${vocabSize} is too small for a word tokenizer: it counts ${UNK_TEXT} and the --special tokens, ${reserved} ids`, `use --vocab-size ${reserved + 100} or more`);
    }
    // --pattern none leaves the word tokenizer its default split.
    return asUsage(() => trainWord(text, { special, ...(vocabSize === undefined ? {} : { maxVocab: vocabSize }), ...(pattern === undefined || pattern === null ? {} : { pattern }) }), SPECIAL_HINT);
  }
  const vocabSize = options.vocabSize ?? DEFAULT_BPE_VOCAB;
  if (vocabSize > BPE_MAX_VOCAB_SIZE) throw usageError(`--vocab-size ${vocabSize} is too large for BPE: at most ${BPE_MAX_VOCAB_SIZE}`, 'use a --vocab-size of a few thousand to a few hundred thousand');
  return asUsage(() => trainBpe(text, { vocabSize, specialTokens: special, ...(options.pattern === undefined ? {} : { pattern: options.pattern }) }), SPECIAL_HINT);
}

/** OpenAI's published encodings the CLI can fetch by name (tiktoken's locations and hashes). */
const NAMED: Readonly<Record<string, Remote & { readonly make: (ranks: string) => Tokenizer }>> = {
  gpt2: {
    file: 'r50k_base.tiktoken',
    folder: 'tokenizers',
    url: 'https://openaipublic.blob.core.windows.net/encodings/r50k_base.tiktoken',
    urlVariable: 'MICROGPT_TOKENIZER_URL_GPT2',
    sha256: '306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930',
    make: (ranks) => gpt2Tokenizer(ranks),
  },
  cl100k_base: {
    file: 'cl100k_base.tiktoken',
    folder: 'tokenizers',
    url: 'https://openaipublic.blob.core.windows.net/encodings/cl100k_base.tiktoken',
    urlVariable: 'MICROGPT_TOKENIZER_URL_CL100K_BASE',
    sha256: '223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7',
    make: (ranks) => cl100kTokenizer(ranks),
  },
  o200k_base: {
    file: 'o200k_base.tiktoken',
    folder: 'tokenizers',
    url: 'https://openaipublic.blob.core.windows.net/encodings/o200k_base.tiktoken',
    urlVariable: 'MICROGPT_TOKENIZER_URL_O200K_BASE',
    sha256: '446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d',
    make: (ranks) => o200kTokenizer(ranks),
  },
};

/** Names accepted by `--tokenizer NAME`. */
export const TOKENIZER_NAMES = Object.keys(NAMED);

/** tiktoken file name → split pattern (`--pattern` default), and the encoding's own constructor. */
function tiktokenFor(file: string, pattern: string | undefined, ranks: string): Tokenizer {
  const name = basename(file).toLowerCase();
  const known = name.startsWith('r50k') || name.startsWith('gpt2') ? 'gpt2' : name.startsWith('cl100k') ? 'cl100k' : name.startsWith('o200k') ? 'o200k' : null;
  const chosen = pattern ?? known;
  if (chosen === null) throw usageError(`${file}: cannot tell the split pattern from the file name`, 'add --pattern gpt2, cl100k or o200k (or a regex)');
  if (pattern === undefined && known !== null) return NAMED[{ gpt2: 'gpt2', cl100k: 'cl100k_base', o200k: 'o200k_base' }[known]]!.make(ranks);
  return loadTiktokenRanks(ranks, { pattern: patternFlag({ cl100k: 'gpt4', gpt2: 'gpt2', o200k: 'o200k' }[chosen] ?? chosen) });
}

/** What `--tokenizer` accepts, for hints. */
const TOKENIZER_HINT = `--tokenizer takes our tokenizer JSON (from \`microgpt tokenizer train\`), a Hugging Face tokenizer.json, a .tiktoken rank file, or a name: ${Object.keys(NAMED).join(', ')}`;

/** Runs a tokenizer reader on a file; a file it refuses is a runtime error naming --tokenizer and the file. */
function readTokenizer(spec: string, read: () => Tokenizer): Tokenizer {
  try {
    return read();
  } catch (error) {
    if (error instanceof TokenizerError) throw runtimeError(`--tokenizer ${spec}: ${error.message}`, `the file is damaged or not a tokenizer; ${TOKENIZER_HINT}`);
    throw error;
  }
}

/**
 * A tokenizer from `--tokenizer FILE|NAME`: a NAME (gpt2, cl100k_base, o200k_base) is fetched once into the
 * cache; a FILE is our JSON, a Hugging Face tokenizer.json or a tiktoken `.tiktoken` rank file.
 * @param pattern tiktoken files only: `gpt2`, `cl100k`, `o200k` or a regex (default from the file name).
 */
export async function loadTokenizer(spec: string, pattern: string | undefined, log: (line: string) => void): Promise<Tokenizer> {
  const named = NAMED[spec];
  if (named) {
    const ranks = await readTextFile(await fetchCached(named, log), '--tokenizer', TOKENIZER_HINT);
    return readTokenizer(spec, () => named.make(ranks));
  }
  const text = await readTextFile(spec, '--tokenizer', TOKENIZER_HINT);
  if (spec.endsWith('.tiktoken')) return readTokenizer(spec, () => tiktokenFor(spec, pattern, text));
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw runtimeError(`--tokenizer ${spec}: not JSON (${(error as Error).message})`, TOKENIZER_HINT);
  }
  const isOurs = typeof data === 'object' && data !== null && 'format' in data;
  return readTokenizer(spec, () => (isOurs ? tokenizerFromJSON(data) : fromHuggingFaceJSON(data)));
}
