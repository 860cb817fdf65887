// The byte-level BPE tokenizer built from a spec (token bytes by id = rank, split pattern, special tokens): the
// shared contract of training (train.ts), our JSON format (json.ts) and the tiktoken/HF loaders (interop/).
import { encodeWithSpecials, quote } from '../special';
import { compileSplitPattern } from '../split/check-pattern';
import { type EncodeOptions, type Tokenizer, TokenizerError } from '../tokenizer';
import { utf8Decode, utf8Encode } from '../utf8';
import { OrdinaryEncoder, latin1Key } from './encode';
import { type BpeJSON, specToJSON } from './format';

/** Everything that defines a byte-level BPE tokenizer. */
export interface BpeSpec {
  /** The bytes of every ordinary token, by id (ids dense from 0); a token's rank is its id. */
  tokens: readonly Uint8Array[];
  /**
   * Pre-split regex source for `new RegExp(pattern, 'gu')`, or null for none. It must pass
   * `compileSplitPattern`'s safety checks; text between its matches is encoded as chunks of its own.
   */
  pattern: string | null;
  /** Special token text → id; ids come after the ordinary ones (≥ `tokens.length`). */
  specialTokens: Readonly<Record<string, number>>;
  /**
   * Optional: the merges that made tokens 256… (token 256 + i is tokens[a] + tokens[b] for merges[i] = [a, b]),
   * known for trained tokenizers; then tokens 0–255 are the single bytes 0–255. Saved instead of token bytes.
   */
  merges?: readonly (readonly [number, number])[];
}

/** A byte-level BPE {@link Tokenizer}: ids are tiktoken's for the same ranks, pattern and special tokens. */
export interface BpeTokenizer extends Tokenizer {
  /** Always `'bpe'`: narrows a {@link Tokenizer} to this interface. */
  readonly kind: 'bpe';
  /** The spec it was built from. */
  readonly spec: BpeSpec;
  /** The ids of `text` with special tokens' text treated as ordinary text (never throws). */
  encodeOrdinary(text: string): number[];
  toJSON(): BpeJSON;
}

/**
 * Special token ids may leave at most this many ids unused after the ordinary tokens (cl100k_base leaves 16,
 * o200k_base 19): ids index a model's embedding rows, so a file must not be able to make the vocabulary huge.
 */
export const MAX_UNUSED_IDS = 1 << 16;

/**
 * The largest id a special token may have when there are `ordinary` ordinary tokens and `specials` special ones
 * (see {@link MAX_UNUSED_IDS}).
 */
export function maxSpecialId(ordinary: number, specials: number): number {
  return ordinary + specials - 1 + MAX_UNUSED_IDS;
}

type Fail = (message: string) => never;

// Checks the optional merges against the token bytes: byte tokens first, then each merge's concatenation.
function checkMerges(tokens: readonly Uint8Array[], merges: readonly (readonly [number, number])[], fail: Fail): void {
  if (tokens.length !== 256 + merges.length) {
    fail(`with ${merges.length} merges there must be ${256 + merges.length} tokens, found ${tokens.length}`);
  }
  for (let b = 0; b < 256; b++) {
    const t = tokens[b]!;
    if (t.length !== 1 || t[0] !== b) fail(`with merges, tokens[${b}] must be the single byte ${b}`);
  }
  merges.forEach(([a, b], i) => {
    const id = 256 + i;
    if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= id || b >= id) {
      fail(`merges[${i}] must join two earlier ids (< ${id}), found [${a}, ${b}]`);
    }
    const left = tokens[a]!;
    const right = tokens[b]!;
    const t = tokens[id]!;
    const ok =
      t.length === left.length + right.length && t.every((x, k) => x === (k < left.length ? left[k] : right[k - left.length]));
    if (!ok) fail(`tokens[${id}] is not the concatenation of tokens[${a}] and tokens[${b}] (merges[${i}])`);
  });
}

/**
 * Builds a byte-level BPE tokenizer. Encoding is tiktoken's: the text is split by the pattern and each chunk's
 * UTF-8 bytes are merged pairwise by lowest rank; `decode` joins token bytes and decodes UTF-8 with U+FFFD for
 * invalid sequences. Special tokens follow {@link EncodeOptions} (tiktoken's policy).
 * @throws {TokenizerError} for a token that is not non-empty Uint8Array, a repeated token, a byte with no
 * single-byte token, a pattern that does not compile with flags 'gu' or that `compileSplitPattern` refuses (it
 * can match the empty string or backtrack catastrophically), a special token that is empty or whose id is not an
 * integer from tokens.length to {@link maxSpecialId} or is shared, or merges that do not match the tokens.
 */
export function createBpeTokenizer(spec: BpeSpec): BpeTokenizer {
  return buildBpeTokenizer(spec, 'createBpeTokenizer');
}

/**
 * {@link createBpeTokenizer} for the readers and trainers of this package: `where` (`fromJSON`, `trainBpe`, …)
 * starts the error messages, so that they name what the user called.
 * @throws {TokenizerError} as createBpeTokenizer.
 */
export function buildBpeTokenizer(spec: BpeSpec, where: string): BpeTokenizer {
  const fail: Fail = (message) => {
    throw new TokenizerError(`${where}: ${message}`);
  };
  const { tokens, pattern, specialTokens, merges } = spec;
  const list: unknown = tokens;
  if (!Array.isArray(list)) fail('tokens must be an array of Uint8Array');
  const n = tokens.length;
  const byKey = new Map<string, number>();
  const offsets = new Uint32Array(n + 1);
  let total = 0;
  tokens.forEach((t, id) => {
    if (!(t instanceof Uint8Array) || t.length === 0) fail(`tokens[${id}] must be a non-empty Uint8Array`);
    const key = latin1Key(t);
    const seen = byKey.get(key);
    if (seen !== undefined) fail(`tokens[${id}] repeats the bytes of tokens[${seen}]`);
    byKey.set(key, id);
    total += t.length;
    offsets[id + 1] = total;
  });
  // Token bytes in one buffer: decode copies slices of it, and later changes to spec.tokens cannot leak in.
  const flat = new Uint8Array(total);
  tokens.forEach((t, id) => {
    flat.set(t, offsets[id]);
  });
  const byteIds = new Int32Array(256);
  for (let b = 0; b < 256; b++) {
    const id = byKey.get(String.fromCharCode(b));
    if (id === undefined) {
      fail(`no token is the single byte 0x${b.toString(16).padStart(2, '0')}, so some texts could not be encoded`);
    }
    byteIds[b] = id;
  }
  if (merges !== undefined) checkMerges(tokens, merges, fail);
  if (pattern !== null && typeof pattern !== 'string') fail('pattern must be a regex source string or null');
  const encoder = new OrdinaryEncoder(byKey, byteIds, pattern === null ? null : compileSplitPattern(pattern, where));
  const specials = new Map<string, number>();
  const specialText = new Map<number, Uint8Array>();
  let vocabSize = n;
  const entries = Object.entries(specialTokens);
  const maxId = maxSpecialId(n, entries.length);
  for (const [text, id] of entries) {
    if (text === '') fail('a special token cannot be the empty string');
    if (!Number.isInteger(id) || id < n || id > maxId) {
      const range = `integers from ${n} (after the ordinary tokens) to ${maxId} (at most ${MAX_UNUSED_IDS} unused ids)`;
      fail(`special token ${quote(text)} has id ${String(id)}; special ids must be ${range}`);
    }
    if (specialText.has(id)) fail(`special token ${quote(text)} has id ${id}, already used by another special token`);
    specials.set(text, id);
    specialText.set(id, utf8Encode(text));
    vocabSize = Math.max(vocabSize, id + 1);
  }
  const frozen: BpeSpec = Object.freeze({ ...spec, specialTokens: Object.freeze(Object.fromEntries(specials)) });

  function bytesOf(id: number, where: string): Uint8Array {
    if (Number.isInteger(id) && id >= 0 && id < n) return flat.subarray(offsets[id], offsets[id + 1]);
    const special = specialText.get(id);
    if (special !== undefined) return special;
    throw new TokenizerError(`${where}: unknown token id ${String(id)} (ids are 0…${n - 1} and the special tokens)`);
  }

  const encodeOrdinary = (text: string): number[] => {
    const out: number[] = [];
    encoder.encode(text, out);
    return out;
  };

  return {
    kind: 'bpe',
    vocabSize,
    specialTokens: frozen.specialTokens,
    spec: frozen,
    encodeOrdinary,
    encode(text, options?: EncodeOptions) {
      if (specials.size === 0) return encodeOrdinary(text);
      return encodeWithSpecials(text, specials, options, (segment, out) => {
        encoder.encode(segment.text, out);
      });
    },
    decode(ids) {
      const parts: Uint8Array[] = [];
      let length = 0;
      for (let i = 0; i < ids.length; i++) {
        const bytes = bytesOf(ids[i]!, `decode: index ${i}`);
        parts.push(bytes);
        length += bytes.length;
      }
      const joined = new Uint8Array(length);
      let at = 0;
      for (const bytes of parts) {
        joined.set(bytes, at);
        at += bytes.length;
      }
      return utf8Decode(joined);
    },
    tokenBytes: (id) => bytesOf(id, 'tokenBytes').slice(),
    toJSON: () => specToJSON(frozen),
  };
}

/**
 * The tokens of a trained byte-level BPE: the 256 single bytes, then merge i's token = the bytes of its pair,
 * as id 256 + i. Merges must refer only to earlier ids (checked by the callers).
 */
export function tokensFromMerges(merges: readonly (readonly [number, number])[]): Uint8Array[] {
  const tokens: Uint8Array[] = [];
  for (let b = 0; b < 256; b++) tokens.push(Uint8Array.of(b));
  for (const [a, b] of merges) {
    const x = tokens[a]!;
    const y = tokens[b]!;
    const joined = new Uint8Array(x.length + y.length);
    joined.set(x);
    joined.set(y, x.length);
    tokens.push(joined);
  }
  return tokens;
}
