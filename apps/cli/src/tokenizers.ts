// Tokenizers the CLI makes and reads: trained from the data (char, word, BPE), our JSON files, Hugging Face
// tokenizer.json files, tiktoken rank files, and OpenAI's published encodings by name (fetched once into the
// cache).
import { basename } from 'node:path';
import {
  type Tokenizer,
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
import { runtimeError, usageError } from './errors';

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
 * @throws CliError (usage) for a vocabulary size that cannot work, e.g. BPE below 256 + specials.
 */
export function trainTokenizer(kind: TrainableKind, text: string, options: TrainTokenizerOptions = {}): Tokenizer {
  const special = options.special ?? [];
  checkVocabSize(kind, kind === 'bpe' ? (options.vocabSize ?? DEFAULT_BPE_VOCAB) : options.vocabSize, special.length);
  if (kind === 'char') {
    const [bos, ...rest] = special;
    return bos === BOS_TEXT ? trainChar(text, { bos, special: rest }) : trainChar(text, { special });
  }
  if (kind === 'word') {
    const pattern = options.pattern === undefined ? undefined : (resolvePattern(options.pattern) ?? undefined);
    return trainWord(text, { special, ...(options.vocabSize === undefined ? {} : { maxVocab: options.vocabSize }), ...(pattern === undefined ? {} : { pattern }) });
  }
  const vocabSize = options.vocabSize ?? DEFAULT_BPE_VOCAB;
  return trainBpe(text, { vocabSize, specialTokens: special, ...(options.pattern === undefined ? {} : { pattern: options.pattern }) });
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
  const source = { cl100k: 'gpt4', gpt2: 'gpt2', o200k: 'o200k' }[chosen] ?? chosen;
  return loadTiktokenRanks(ranks, { pattern: resolvePattern(source) });
}

/**
 * A tokenizer from `--tokenizer FILE|NAME`: a NAME (gpt2, cl100k_base, o200k_base) is fetched once into the
 * cache; a FILE is our JSON, a Hugging Face tokenizer.json or a tiktoken `.tiktoken` rank file.
 * @param pattern tiktoken files only: `gpt2`, `cl100k`, `o200k` or a regex (default from the file name).
 */
export async function loadTokenizer(spec: string, pattern: string | undefined, log: (line: string) => void): Promise<Tokenizer> {
  const named = NAMED[spec];
  if (named) return named.make(await readTextFile(await fetchCached(named, log), '--tokenizer'));
  const text = await readTextFile(spec, '--tokenizer', `give a tokenizer file (our JSON, a Hugging Face tokenizer.json, a .tiktoken file) or a name: ${TOKENIZER_NAMES.join(', ')}, or char, word, bpe to train one`);
  if (spec.endsWith('.tiktoken')) return tiktokenFor(spec, pattern, text);
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw runtimeError(`--tokenizer ${spec}: not JSON (${(error as Error).message})`, 'give our tokenizer JSON, a Hugging Face tokenizer.json, or a .tiktoken rank file');
  }
  const isOurs = typeof data === 'object' && data !== null && 'format' in data;
  return isOurs ? tokenizerFromJSON(data) : fromHuggingFaceJSON(data);
}
