// Loads our own tokenizer JSON, `{ "format": "microgpt-tokenizer", "version": 1, "kind": …, … }`. Every field
// is checked before a tokenizer is built, so a malformed or truncated file gives a TokenizerError naming the
// field. Saving is each tokenizer's toJSON(); the BPE fields are read by bpe/json.ts.
import { bpeFromJSON } from './bpe/json';
import { createCharTokenizer } from './char';
import { describeValue, isOneCodePoint, quote } from './special';
import { type Tokenizer, TokenizerError } from './tokenizer';
import { compileSplitPattern } from './split/check-pattern';
import { createWordTokenizer } from './word';
import { readTokenizerFile } from './read-file';

/** The `format` field of every file we write. */
export const TOKENIZER_FORMAT = 'microgpt-tokenizer';
/** The `version` field this build writes and reads. */
export const TOKENIZER_VERSION = 1;

type Fields = Record<string, unknown>;

function fail(path: string, expected: string, found: unknown, note = ''): never {
  throw new TokenizerError(`fromJSON: "${path}" must be ${expected}, found ${describeValue(found)}${note}`);
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

// Own properties only: an inherited `vocab` (or a '__proto__' key) must not count as a field.
function field(data: Fields, key: string): unknown {
  return Object.hasOwn(data, key) ? data[key] : undefined;
}

/** A list of distinct strings that each pass `ok`; index loop (not forEach) so holes are seen, not skipped. */
function stringList(data: Fields, key: string, expected: string, ok: (text: string) => boolean): string[] {
  const list = field(data, key);
  if (!Array.isArray(list)) fail(key, `an array (each item ${expected})`, list);
  const seen = new Map<string, number>();
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    if (typeof item !== 'string' || !ok(item)) fail(`${key}[${i}]`, expected, item);
    const first = seen.get(item);
    if (first !== undefined) fail(`${key}[${i}]`, `${expected} not listed before`, item, ` (also "${key}[${first}]")`);
    seen.set(item, i);
  }
  return list as string[];
}

/**
 * `specialTokens`: text → id, the ids exactly `first`, `first + 1`, … in some order (char and word tokenizers
 * put their special tokens right after the vocabulary). Returns the texts in id order.
 */
function denseSpecials(data: Fields, first: number): string[] {
  const record = field(data, 'specialTokens');
  if (!isFields(record)) fail('specialTokens', 'an object of special token text → id', record);
  const entries = Object.entries(record);
  const end = first + entries.length;
  const byId = new Array<string | undefined>(entries.length);
  for (const [text, id] of entries) {
    const path = `specialTokens[${quote(text)}]`;
    if (text === '') fail(path, 'under a non-empty text', id);
    if (typeof id !== 'number' || !Number.isInteger(id) || id < first || id >= end) {
      fail(path, `an id in [${first}, ${end}) (special tokens follow the vocabulary)`, id);
    }
    const other = byId[id - first];
    if (other !== undefined) fail(path, 'an id not used before', id, ` (also "specialTokens[${quote(other)}]")`);
    byId[id - first] = text;
  }
  // Distinct ids in a range as long as the list leave no gap, so every slot is filled.
  return byId as string[];
}

/** A role field (`bos`, `eos`, `unk`): null, or the text of one of the special tokens. */
function role(data: Fields, key: string, special: readonly string[]): string | undefined {
  const value = field(data, key);
  if (value === null) return undefined;
  if (typeof value !== 'string' || !special.includes(value)) fail(key, 'null or a key of "specialTokens"', value);
  return value;
}

function charFromJSON(data: Fields): Tokenizer {
  const vocab = stringList(data, 'vocab', 'a string of one character', isOneCodePoint);
  const special = denseSpecials(data, vocab.length);
  const [bos, eos, unk] = ['bos', 'eos', 'unk'].map((key) => role(data, key, special));
  // Every role is listed in `special`, so createCharTokenizer keeps the saved ids.
  return createCharTokenizer(vocab, { special, bos, eos, unk });
}

function wordFromJSON(data: Fields): Tokenizer {
  const pattern = field(data, 'pattern');
  if (typeof pattern !== 'string') fail('pattern', 'a regex source string', pattern);
  compileSplitPattern(pattern, 'fromJSON: "pattern"');
  const vocab = stringList(data, 'vocab', 'a non-empty string', (text) => text !== '');
  const special = denseSpecials(data, vocab.length);
  const unk = role(data, 'unk', special);
  return createWordTokenizer(vocab, { pattern, special, unk: unk ?? false });
}

function load(data: unknown): Tokenizer {
  if (!isFields(data)) {
    throw new TokenizerError(`fromJSON: expected a tokenizer object, found ${describeValue(data)}`);
  }
  const format = field(data, 'format');
  if (format !== TOKENIZER_FORMAT) fail('format', `"${TOKENIZER_FORMAT}"`, format);
  const version = field(data, 'version');
  if (version !== TOKENIZER_VERSION) {
    const newer = typeof version === 'number' && version > TOKENIZER_VERSION;
    fail('version', `${TOKENIZER_VERSION}`, version, newer ? ' (written by a newer @microgpt/tokenizer)' : '');
  }
  const kind = field(data, 'kind');
  if (kind !== 'char' && kind !== 'word' && kind !== 'bpe') fail('kind', '"char", "word" or "bpe"', kind);
  switch (kind) {
    case 'char':
      return charFromJSON(data);
    case 'word':
      return wordFromJSON(data);
    case 'bpe':
      return bpeFromJSON(data);
    default:
      throw new TokenizerError(`fromJSON: unknown kind ${describeValue(kind satisfies never)}`);
  }
}

/**
 * A tokenizer from our JSON format (what `toJSON()` of a char, word or BPE tokenizer returns), given either
 * the parsed data or the JSON text. Every field is checked: type, range, duplicates, ids in range, missing
 * fields, and the version.
 * @throws {TokenizerError} for text that is not JSON or data that is not a valid tokenizer, naming the field
 * path, e.g. `fromJSON: "vocab[3]" must be a string of one character, found 42`; never another error.
 */
export function tokenizerFromJSON(data: unknown): Tokenizer {
  return readTokenizerFile(data, load);
}
