// Character-level tokenizer, as in microgpt.py: one id per Unicode code point of the training text (sorted by
// code point), then the special tokens. No merges and no normalization; subwords are the BPE's job (./bpe).
import { type Tokenizer, TokenizerError } from './tokenizer';
import { codePointLabel, describeValue, isOneCodePoint, quote, resolveSpecials, encodeWithSpecials, decodeByText, textWithoutSpecials } from './special';

/**
 * Special tokens of a char tokenizer. Ids follow the characters: first the role tokens not already listed in
 * `special` (in the order bos, eos, unk), then `special` in order. So `{ bos: true }` gives microgpt.py's
 * vocabulary: the characters, then BOS with id = number of characters. One text may serve several roles.
 */
export interface CharSpecialOptions {
  /** Begin-of-sequence token: `true` for `'<|bos|>'`, or its text. */
  bos?: string | boolean;
  /** End-of-sequence token: `true` for `'<|eos|>'`, or its text. */
  eos?: string | boolean;
  /** Token for characters outside the vocabulary: `true` for `'<unk>'`, or its text. Without it they throw. */
  unk?: string | boolean;
  /** Other special tokens (non-empty, distinct texts), after the role tokens. */
  special?: readonly string[];
}

/** Our JSON format for a char tokenizer (see json.ts). */
export interface CharTokenizerJSON {
  /** Always `'microgpt-tokenizer'` ({@link TOKENIZER_FORMAT}). */
  format: 'microgpt-tokenizer';
  /** The format version ({@link TOKENIZER_VERSION}); a reader refuses any other. */
  version: 1;
  /** Always `'char'`. */
  kind: 'char';
  /** The characters by id: one code point each. */
  vocab: string[];
  /** Special token text → id; the ids are `vocab.length`, `vocab.length + 1`, … */
  specialTokens: Record<string, number>;
  /** Text of the begin-of-sequence token (a key of `specialTokens`), or null for none. */
  bos: string | null;
  /** Text of the end-of-sequence token (a key of `specialTokens`), or null for none. */
  eos: string | null;
  /** Text of the unknown-character token (a key of `specialTokens`), or null: then an unknown character throws. */
  unk: string | null;
}

/** A character-level tokenizer: a {@link Tokenizer} that also exposes its characters and role ids. */
export interface CharTokenizer extends Tokenizer {
  /** Always `'char'`: narrows a {@link Tokenizer} to this interface. */
  readonly kind: 'char';
  /** The characters by id (id i is `chars[i]`); special tokens come after them. */
  readonly chars: readonly string[];
  /** Id of the begin-of-sequence token, or undefined when there is none. */
  readonly bosId: number | undefined;
  /** Id of the end-of-sequence token, or undefined when there is none. */
  readonly eosId: number | undefined;
  /** Id that characters outside the vocabulary encode to, or undefined: then they throw a `TokenizerError`. */
  readonly unkId: number | undefined;
  toJSON(): CharTokenizerJSON;
}

/**
 * Trains a char tokenizer: the vocabulary is the distinct code points of `corpus` sorted by code point (an
 * emoji is one character), then the special tokens. Special tokens' texts in the corpus are skipped.
 * `trainChar(docs.join(''), { bos: true })` reproduces microgpt.py's vocabulary. A lone surrogate is a
 * character too: it round-trips through encode/decode (strings), but its bytes (`tokenBytes`, stream
 * decoding) are those of U+FFFD, as TextEncoder gives.
 * @throws {TokenizerError} for bad special-token options.
 */
export function trainChar(corpus: string, options: CharSpecialOptions = {}): CharTokenizer {
  const { bos, eos, unk, special } = options;
  const { tokens, names } = resolveSpecials('trainChar', { bos, eos, unk }, special);
  const seen = new Set<string>();
  for (const segment of textWithoutSpecials(corpus, tokens)) for (const ch of segment.text) seen.add(ch);
  const chars = [...seen].sort((a, b) => a.codePointAt(0)! - b.codePointAt(0)!);
  return buildChar(chars, tokens, names);
}

/**
 * A char tokenizer with the given vocabulary (id i is `chars[i]`, in any order) and special tokens.
 * @throws {TokenizerError} if an entry is not exactly one code point or is listed twice, or for bad
 * special-token options.
 */
export function createCharTokenizer(chars: readonly string[], options: CharSpecialOptions = {}): CharTokenizer {
  const seen = new Map<string, number>();
  chars.forEach((ch: unknown, i) => {
    if (typeof ch !== 'string' || !isOneCodePoint(ch)) {
      throw new TokenizerError(`createCharTokenizer: chars[${i}] must be one character, found ${describeValue(ch)}`);
    }
    const first = seen.get(ch);
    if (first !== undefined) {
      throw new TokenizerError(`createCharTokenizer: chars[${i}] ${quote(ch)} repeats chars[${first}]`);
    }
    seen.set(ch, i);
  });
  const { bos, eos, unk, special } = options;
  const { tokens, names } = resolveSpecials('createCharTokenizer', { bos, eos, unk }, special);
  return buildChar([...chars], tokens, names);
}

function buildChar(
  chars: string[],
  specialList: string[],
  names: Partial<Record<'bos' | 'eos' | 'unk', string>>,
): CharTokenizer {
  const ids = new Map(chars.map((ch, i) => [ch, i]));
  const specialIds = new Map(specialList.map((text, i) => [text, chars.length + i]));
  const pieces = [...chars, ...specialList];
  const roleId = (name: string | undefined) => (name === undefined ? undefined : specialIds.get(name));
  const unkId = roleId(names.unk);

  return {
    kind: 'char',
    vocabSize: pieces.length,
    // fromEntries (not assignment) so a token named '__proto__' stays an ordinary key.
    specialTokens: Object.freeze(Object.fromEntries(specialIds)),
    chars: Object.freeze(chars),
    bosId: roleId(names.bos),
    eosId: roleId(names.eos),
    unkId,
    encode: (text, options) =>
      encodeWithSpecials(text, specialIds, options, (segment, out) => {
        let at = segment.start;
        for (const ch of segment.text) {
          const id = ids.get(ch) ?? unkId;
          if (id === undefined) {
            throw new TokenizerError(
              `encode: unknown character ${quote(ch)} (${codePointLabel(ch)}) at index ${at}; the vocabulary ` +
                `has ${chars.length} characters and no <unk> token`,
            );
          }
          out.push(id);
          at += ch.length;
        }
      }),
    ...decodeByText(pieces),
    toJSON: () => ({
      format: 'microgpt-tokenizer',
      version: 1,
      kind: 'char',
      vocab: [...chars],
      specialTokens: Object.fromEntries(specialIds),
      bos: names.bos ?? null,
      eos: names.eos ?? null,
      unk: names.unk ?? null,
    }),
  };
}
