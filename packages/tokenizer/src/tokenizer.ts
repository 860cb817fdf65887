// The interface every tokenizer implements (char, word, byte-level BPE), and the options they share.

/** Which kind of tokenizer; a closed set. */
export type TokenizerKind = 'char' | 'word' | 'bpe';

/**
 * Which special tokens may appear in the text given to `encode` (tiktoken's policy). By default none is
 * allowed and a special token's text in ordinary input is an error; `allowedSpecial` lets the listed ones (or
 * 'all') encode to their ids; `disallowedSpecial: []` treats the text of special tokens as ordinary text.
 */
export interface EncodeOptions {
  /** Special tokens whose text encodes to their id: `'all'`, or a list of texts; default none. */
  allowedSpecial?: 'all' | readonly string[];
  /**
   * Special tokens whose text in the input is an error (`TokenizerError`): default `'all'` (every one not allowed);
   * `[]` encodes their text as ordinary text.
   */
  disallowedSpecial?: 'all' | readonly string[];
}

/** Turns text into token ids and back. */
export interface Tokenizer {
  /** Which kind this is, and so which fields its `toJSON()` writes and which reader loads it. */
  readonly kind: TokenizerKind;
  /** Number of ids: every id is in [0, vocabSize). */
  readonly vocabSize: number;
  /** Special tokens (`<|endoftext|>`, BOS, EOS, `<unk>`, user-defined) by text. */
  readonly specialTokens: Readonly<Record<string, number>>;
  /**
   * The ids of `text`.
   * @throws {TokenizerError} for text the tokenizer cannot encode (an unknown character without `<unk>`, a
   * disallowed special token), naming what and where.
   */
  encode(text: string, options?: EncodeOptions): number[];
  /** The text of `ids`; invalid UTF-8 becomes U+FFFD as Python's `errors="replace"`. @throws {TokenizerError} for an id outside the vocabulary. */
  decode(ids: ArrayLike<number>): string;
  /** The UTF-8 bytes of one token (for streaming decoders and vocab inspection). @throws {TokenizerError} for an unknown id. */
  tokenBytes(id: number): Uint8Array;
  /** Plain JSON data that `fromJSON` turns back into an equal tokenizer (our format, with a version field). */
  toJSON(): object;
}

/** A bad input, a bad id, or a malformed file; the message names the problem (field, position, value). */
export class TokenizerError extends Error {
  /** Always `'TokenizerError'`, so a caller can tell it apart without `instanceof`. */
  override readonly name = 'TokenizerError';
}
