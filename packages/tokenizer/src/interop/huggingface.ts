// Hugging Face `tokenizer.json` for byte-level BPE (GPT-2 style): write one from a BpeTokenizer and read one back.
// Our tokenizer ranks merges by token id (tiktoken's rule), so a file is accepted only when its merges follow ids.
import { type BpeTokenizer, MAX_UNUSED_IDS, buildBpeTokenizer, maxSpecialId } from '../bpe/tokenizer';
import { readTokenizerFile } from '../read-file';
import { TokenizerError } from '../tokenizer';
import { byteLevelToBytes, bytesToByteLevel } from './byte-level';
import { type JsonObject, fieldError, fromHuggingFacePreTokenizer, isObject, toHuggingFacePreTokenizer } from './hf-pre-tokenizer';

export type { JsonObject };
import { deriveMerges } from './merges';

const CALLER = 'fromHuggingFaceJSON';

/** One entry of tokenizer.json's `added_tokens`. */
export interface HuggingFaceAddedToken {
  /** The token's id (the same as in `model.vocab`). */
  id: number;
  /** The token's text, e.g. `<|endoftext|>`. */
  content: string;
  /** Match only as a whole word; we write false. */
  single_word: boolean;
  /** Swallow whitespace before the token when matching; we write false. */
  lstrip: boolean;
  /** Swallow whitespace after the token when matching; we write false. */
  rstrip: boolean;
  /** Match against the normalized text; we write false (there is no normalizer). */
  normalized: boolean;
  /** A special (control) token, skipped by `decode(…, skip_special_tokens)`; we write true. */
  special: boolean;
}

/** The tokenizer.json that `toHuggingFaceJSON` writes (serialize it with `JSON.stringify`). */
export interface HuggingFaceTokenizerJSON {
  /** The tokenizer.json schema version, `'1.0'`. */
  version: '1.0';
  /** No truncation settings (null). */
  truncation: null;
  /** No padding settings (null). */
  padding: null;
  /** The special tokens, by ascending id. */
  added_tokens: HuggingFaceAddedToken[];
  /** No normalizer (null): byte-level BPE sees the text as is. */
  normalizer: null;
  /**
   * `ByteLevel` (with its built-in regex for GPT-2's pattern, without one for no pattern), or a `Sequence` of a
   * `Split` (the pattern, `Isolated`) and `ByteLevel` for any other pattern.
   */
  pre_tokenizer: JsonObject;
  /** No post-processor (null): no BOS/EOS is added around the ids. */
  post_processor: null;
  /** The `ByteLevel` decoder, which maps GPT-2's byte-level characters back to bytes. */
  decoder: JsonObject;
  /** The BPE model: vocabulary and merges. */
  model: {
    /** Always `'BPE'`. */
    type: 'BPE';
    /** No BPE dropout (null): encoding is deterministic. */
    dropout: null;
    /** No unknown token (null): byte-level BPE encodes every byte. */
    unk_token: null;
    /** No continuation prefix (null; WordPiece-style `##` is not used). */
    continuing_subword_prefix: null;
    /** No end-of-word suffix (null). */
    end_of_word_suffix: null;
    /** false: there is no unknown token to fuse. */
    fuse_unk: false;
    /** false: byte-level tokens already cover every byte. */
    byte_fallback: false;
    /** false: each pre-token is encoded by applying the merges, as in GPT-2's own file. */
    ignore_merges: false;
    /** Byte-level token string → id, the ordinary tokens and then the special tokens (so they keep their ids). */
    vocab: Record<string, number>;
    /** `"a b"` per merge in rank order, a and b byte-level token strings. */
    merges: string[];
  };
}

/**
 * A Hugging Face tokenizer.json for `tokenizer`, laid out as GPT-2's (the layout `tokenizers`, transformers and
 * transformers.js read):
 * byte-level token strings (GPT-2's byte-to-unicode table), merges as `"a b"` strings derived from the ranks
 * as tiktoken's tools do, special tokens both in `model.vocab` (so they keep their ids) and in `added_tokens`.
 * @throws {TokenizerError} when a token cannot be made by a merge of lower-ranked tokens (see `deriveMerges`),
 * or a special token's text is also the byte-level string of an ordinary token.
 */
export function toHuggingFaceJSON(tokenizer: BpeTokenizer): HuggingFaceTokenizerJSON {
  const { tokens, pattern, specialTokens } = tokenizer.spec;
  const strings = tokens.map(bytesToByteLevel);
  const merges: string[] = [];
  for (const pair of deriveMerges(tokens)) if (pair) merges.push(`${strings[pair[0]]!} ${strings[pair[1]]!}`);
  const specials = Object.entries(specialTokens).sort((a, b) => a[1] - b[1]);
  const entries: [string, number][] = [...strings.map((s, id): [string, number] => [s, id]), ...specials];
  const vocab = Object.fromEntries(entries) as Record<string, number>;
  if (Object.keys(vocab).length !== entries.length) {
    const seen = new Set<string>();
    const clash = entries.find(([s]) => seen.size === seen.add(s).size);
    throw new TokenizerError(`toHuggingFaceJSON: two tokens share the vocabulary string ${JSON.stringify(clash?.[0])}`);
  }
  return {
    version: '1.0',
    truncation: null,
    padding: null,
    added_tokens: specials.map(([content, id]) => ({
      id,
      content,
      single_word: false,
      lstrip: false,
      rstrip: false,
      normalized: false,
      special: true,
    })),
    normalizer: null,
    pre_tokenizer: toHuggingFacePreTokenizer(pattern),
    post_processor: null,
    decoder: { type: 'ByteLevel', add_prefix_space: true, trim_offsets: true, use_regex: true },
    model: {
      type: 'BPE',
      dropout: null,
      unk_token: null,
      continuing_subword_prefix: null,
      end_of_word_suffix: null,
      fuse_unk: false,
      byte_fallback: false,
      ignore_merges: false,
      vocab,
      merges,
    },
  };
}

/** Reads `added_tokens`: special tokens only, since ordinary added words have no place in a BpeSpec. */
function readAddedTokens(value: unknown): Map<string, number> {
  const specials = new Map<string, number>();
  if (value === undefined || value === null) return specials;
  if (!Array.isArray(value)) throw fieldError('added_tokens', 'must be an array', value);
  const owners = new Map<number, number>();
  value.forEach((entry: unknown, i) => {
    const field = `added_tokens[${i}]`;
    if (!isObject(entry)) throw fieldError(field, 'must be an object', entry);
    if (!Number.isSafeInteger(entry.id) || (entry.id as number) < 0) throw fieldError(`${field}.id`, 'must be an id ≥ 0', entry.id);
    if (typeof entry.content !== 'string' || entry.content === '') throw fieldError(`${field}.content`, 'must be a non-empty string', entry.content);
    if (entry.special !== true) throw fieldError(`${field}.special`, 'must be true (only special added tokens are supported)', entry.special);
    if (specials.has(entry.content)) throw fieldError(`${field}.content`, 'repeats an earlier added token', entry.content);
    const owner = owners.get(entry.id as number);
    if (owner !== undefined) throw fieldError(`${field}.id`, `repeats the id of added_tokens[${owner}]`, entry.id);
    owners.set(entry.id as number, i);
    specials.set(entry.content, entry.id as number);
  });
  return specials;
}

/** Checks the model fields that must keep their GPT-2 defaults. */
function checkModelOptions(model: JsonObject): void {
  if (model.type !== undefined && model.type !== 'BPE') throw fieldError('model.type', 'must be "BPE"', model.type);
  const absent = (v: unknown, ...allowed: unknown[]): boolean => v === undefined || v === null || allowed.includes(v);
  if (!absent(model.byte_fallback, false)) throw fieldError('model.byte_fallback', 'must be false', model.byte_fallback);
  if (!absent(model.dropout)) throw fieldError('model.dropout', 'must be null (BPE dropout is not supported)', model.dropout);
  if (!absent(model.continuing_subword_prefix, '')) {
    throw fieldError('model.continuing_subword_prefix', 'must be null', model.continuing_subword_prefix);
  }
  if (!absent(model.end_of_word_suffix, '')) throw fieldError('model.end_of_word_suffix', 'must be null', model.end_of_word_suffix);
}

/** Reads `model.vocab` into token bytes by id (dense from 0), leaving out the special tokens listed in it. */
function readVocab(value: unknown, specials: ReadonlyMap<string, number>): { tokens: Uint8Array[]; ids: Map<string, number> } {
  if (!isObject(value)) throw fieldError('model.vocab', 'must be an object of token string → id', value);
  const ordinary = Object.entries(value).filter(([content, id]) => {
    const special = specials.get(content);
    if (special === undefined) return true;
    if (id !== special) throw fieldError(`model.vocab["${content}"]`, `must equal the special token's id ${special}`, id);
    return false;
  });
  const tokens = new Array<Uint8Array | undefined>(ordinary.length);
  const ids = new Map<string, number>();
  for (const [content, id] of ordinary) {
    const field = `model.vocab[${JSON.stringify(content)}]`;
    if (!Number.isSafeInteger(id) || (id as number) < 0 || (id as number) >= ordinary.length) {
      throw fieldError(field, `must be an id in 0…${ordinary.length - 1} (ordinary ids are dense from 0, special tokens come after)`, id);
    }
    const bytes = byteLevelToBytes(content);
    if (bytes === null || bytes.length === 0) {
      throw fieldError(field, 'must be keyed by a byte-level token string (GPT-2 byte-to-unicode characters)', content);
    }
    if (tokens[id as number] !== undefined) throw fieldError(field, 'repeats an id already used in model.vocab', id);
    tokens[id as number] = bytes;
    ids.set(content, id as number);
  }
  return { tokens: tokens as Uint8Array[], ids };
}

/** One merge as its two token strings, from `"a b"` or `["a", "b"]`. */
function readMerge(value: unknown, field: string): [string, string] {
  const pair = typeof value === 'string' ? value.split(' ') : value;
  if (!Array.isArray(pair) || pair.length !== 2 || typeof pair[0] !== 'string' || typeof pair[1] !== 'string') {
    throw fieldError(field, 'must be "a b" or ["a", "b"]', value);
  }
  return [pair[0], pair[1]];
}

/**
 * Checks `model.merges` against the vocabulary: each merge joins two tokens into a third, merges come in
 * non-decreasing order of the id they make (our rank is the id), and every token of 2+ bytes is made by one.
 */
function checkMerges(value: unknown, tokens: readonly Uint8Array[], ids: ReadonlyMap<string, number>): void {
  if (!Array.isArray(value)) throw fieldError('model.merges', 'must be an array', value);
  const made = new Uint8Array(tokens.length);
  let last = -1;
  value.forEach((entry: unknown, i) => {
    const field = `model.merges[${i}]`;
    const [left, right] = readMerge(entry, field);
    for (const part of [left, right]) if (!ids.has(part)) throw fieldError(field, `uses ${JSON.stringify(part)}, which is not in model.vocab`, entry);
    const id = ids.get(left + right);
    if (id === undefined) throw fieldError(field, `makes ${JSON.stringify(left + right)}, which is not in model.vocab`, entry);
    if (id < last) {
      throw fieldError(field, `makes id ${id} after a merge made id ${last}: merges must follow vocabulary ids, which are the ranks here`, entry);
    }
    last = id;
    made[id] = 1;
  });
  tokens.forEach((bytes, id) => {
    if (bytes.length > 1 && made[id] === 0) {
      throw fieldError(`model.vocab[${JSON.stringify(bytesToByteLevel(bytes))}]`, 'is a token of 2+ bytes that no merge makes', id);
    }
  });
}

/**
 * A byte-level BPE tokenizer from a Hugging Face tokenizer.json, parsed or as JSON text (GPT-2, RoBERTa,
 * GPT-4-style Split pre-tokenizers, and what `toHuggingFaceJSON` writes). Ordinary tokens must have ids 0…n−1
 * with merges in id order (true of files trained by merging, as tiktoken ranks are); special tokens come from
 * `added_tokens`. `post_processor` (templates adding BOS/EOS) is not applied: add those ids yourself.
 * @throws {TokenizerError} naming the field for anything else: text that is not JSON, a missing or mistyped
 * field, a non-BPE model, byte fallback, dropout, a normalizer, a non-ByteLevel decoder, a prefix space, a
 * non-special added token or one whose id repeats another's or lies more than `MAX_UNUSED_IDS` past the
 * vocabulary, an id gap, a merge of unknown tokens or out of id order, a byte with no single-byte token, a split
 * pattern that `compileSplitPattern` refuses; never another error.
 */
export function fromHuggingFaceJSON(data: unknown): BpeTokenizer {
  return readTokenizerFile(data, load, CALLER);
}

function load(data: unknown): BpeTokenizer {
  if (!isObject(data)) throw fieldError('(root)', 'must be a tokenizer.json object', data);
  if (data.version !== undefined && typeof data.version !== 'string') throw fieldError('version', 'must be a string', data.version);
  const model = data.model;
  if (!isObject(model)) throw fieldError('model', 'must be an object', model);
  checkModelOptions(model);
  if (data.normalizer !== undefined && data.normalizer !== null) {
    throw fieldError('normalizer', 'must be null (normalizers are not supported)', data.normalizer);
  }
  const decoder = data.decoder;
  if (decoder !== undefined && decoder !== null && !(isObject(decoder) && decoder.type === 'ByteLevel')) {
    throw fieldError('decoder', 'must be a ByteLevel decoder or null', decoder);
  }
  const pattern = fromHuggingFacePreTokenizer(data.pre_tokenizer);
  const specials = readAddedTokens(data.added_tokens);
  const { tokens, ids } = readVocab(model.vocab, specials);
  const maxId = maxSpecialId(tokens.length, specials.size);
  [...specials.values()].forEach((id, i) => {
    if (id < tokens.length || id > maxId) {
      const range = `from ${tokens.length} (after the ordinary tokens) to ${maxId} (at most ${MAX_UNUSED_IDS} unused ids)`;
      throw fieldError(`added_tokens[${i}].id`, `must be an id ${range}`, id);
    }
  });
  checkMerges(model.merges, tokens, ids);
  // e.g. a byte with no single-byte token: the error starts with this reader's name.
  return buildBpeTokenizer({ tokens, pattern, specialTokens: Object.fromEntries(specials) }, CALLER);
}

/** The tokenizer_config.json that goes beside tokenizer.json (see {@link huggingFaceTokenizerConfig}). */
export interface HuggingFaceTokenizerConfig {
  /** The transformers class to load with, `'GPT2Tokenizer'`. */
  tokenizer_class: 'GPT2Tokenizer';
  /** false, so that `decode` returns the exact text instead of joining " 's" into "'s". */
  clean_up_tokenization_spaces: false;
}

/**
 * The `tokenizer_config.json` to save beside `toHuggingFaceJSON`'s file: transformers.js's
 * `AutoTokenizer.from_pretrained(dir)` needs its `tokenizer_class`, and `clean_up_tokenization_spaces: false`
 * keeps its `decode` from rewriting " 's" as "'s" (its default), so decoding returns the exact text.
 */
export function huggingFaceTokenizerConfig(): HuggingFaceTokenizerConfig {
  return { tokenizer_class: 'GPT2Tokenizer', clean_up_tokenization_spaces: false };
}
