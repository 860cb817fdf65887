// Saves and loads byte-level BPE tokenizers in our JSON format (the shape is in format.ts). Loading checks every
// field first and bounds the work, so a malformed, truncated or hostile file gives a TokenizerError naming the
// field, never a crash, a hang or a huge allocation (merges can double token lengths: the total is capped).
import { describeValue } from '../special';
import { base64Decode } from '../interop/base64';
import { TokenizerError } from '../tokenizer';
import { type BpeJSON, specToJSON } from './format';
import { compileSplitPattern } from '../split/check-pattern';
import { type BpeTokenizer, MAX_UNUSED_IDS, buildBpeTokenizer, maxSpecialId, tokensFromMerges } from './tokenizer';
import { readTokenizerFile } from '../read-file';

export type { BpeJSON } from './format';

/** At most this many ordinary tokens (or 256 + merges). */
const MAX_TOKENS = 1 << 24;
/** At most this many bytes in all tokens together: 64 MiB, far above real vocabularies. */
const MAX_TOTAL_BYTES = 1 << 26;

type Fields = Record<string, unknown>;

function fail(path: string, expected: string, found: unknown, note = ''): never {
  throw new TokenizerError(`fromJSON: "${path}" must be ${expected}, found ${describeValue(found)}${note}`);
}

// Own properties only: an inherited field (or a '__proto__' key) must not count.
function field(data: Fields, key: string): unknown {
  return Object.hasOwn(data, key) ? data[key] : undefined;
}

function isFields(value: unknown): value is Fields {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Our JSON data of a BPE tokenizer: merges for trained ones, base64 token bytes otherwise. */
export function bpeToJSON(tokenizer: BpeTokenizer): BpeJSON {
  return specToJSON(tokenizer.spec);
}

function readMerges(list: unknown[]): { tokens: Uint8Array[]; merges: [number, number][] } {
  if (list.length > MAX_TOKENS - 256) fail('merges', `an array of at most ${MAX_TOKENS - 256} pairs`, list);
  // Lengths first, so a file whose merges keep doubling a token is refused before anything is allocated.
  const lengths = new Float64Array(256 + list.length).fill(1, 0, 256);
  const merges: [number, number][] = [];
  let total = 256;
  for (let i = 0; i < list.length; i++) {
    const pair: unknown = list[i];
    const id = 256 + i;
    const isId = (x: unknown): boolean => Number.isInteger(x) && (x as number) >= 0 && (x as number) < id;
    const ok = Array.isArray(pair) && pair.length === 2 && pair.every(isId);
    if (!ok) fail(`merges[${i}]`, `a pair of ids below ${id} (tokens made before it)`, pair);
    const [a, b] = pair as [number, number];
    lengths[id] = lengths[a]! + lengths[b]!;
    total += lengths[id];
    if (total > MAX_TOTAL_BYTES) {
      const note = ` (tokens would total over ${MAX_TOTAL_BYTES} bytes)`;
      fail(`merges[${i}]`, 'a merge that keeps the vocabulary reasonable', pair, note);
    }
    merges.push([a, b]);
  }
  const tokens = tokensFromMerges(merges);
  return { tokens, merges };
}

function tokensFromBase64(list: unknown[]): Uint8Array[] {
  if (list.length > MAX_TOKENS) fail('tokens', `an array of at most ${MAX_TOKENS} base64 strings`, list);
  const tokens: Uint8Array[] = [];
  for (let i = 0; i < list.length; i++) {
    const item: unknown = list[i];
    const bytes = typeof item === 'string' ? base64Decode(item) : null;
    if (bytes === null || bytes.length === 0) fail(`tokens[${i}]`, 'the base64 of a non-empty byte string', item);
    tokens.push(bytes);
  }
  return tokens;
}

function specialsFrom(value: unknown, ordinary: number): Record<string, number> {
  if (!isFields(value)) fail('specialTokens', 'an object of special token text → id', value);
  const specials: Record<string, number> = {};
  const owner = new Map<number, string>();
  const entries = Object.entries(value);
  const maxId = maxSpecialId(ordinary, entries.length);
  for (const [text, id] of entries) {
    const path = `specialTokens[${JSON.stringify(text)}]`;
    if (text === '') fail(path, 'a non-empty text', text);
    if (!Number.isInteger(id) || (id as number) < ordinary || (id as number) > maxId) {
      const range = `from ${ordinary} (after the ordinary tokens) to ${maxId} (at most ${MAX_UNUSED_IDS} unused ids)`;
      fail(path, `an integer id ${range}`, id);
    }
    const other = owner.get(id as number);
    if (other !== undefined) fail(path, 'an id no other special token has', id, ` (also ${JSON.stringify(other)})`);
    owner.set(id as number, text);
    Object.defineProperty(specials, text, { value: id, enumerable: true, writable: true, configurable: true });
  }
  return specials;
}

function load(data: unknown): BpeTokenizer {
  if (!isFields(data)) throw new TokenizerError(`fromJSON: expected a tokenizer object, found ${describeValue(data)}`);
  if (field(data, 'format') !== 'microgpt-tokenizer') fail('format', '"microgpt-tokenizer"', field(data, 'format'));
  const version = field(data, 'version');
  if (version !== 1) {
    const newer = typeof version === 'number' && version > 1;
    fail('version', '1', version, newer ? ' (written by a newer @microgpt/tokenizer)' : '');
  }
  if (field(data, 'kind') !== 'bpe') fail('kind', '"bpe"', field(data, 'kind'));
  const pattern = field(data, 'pattern');
  if (pattern !== null && typeof pattern !== 'string') fail('pattern', 'a regex source string or null', pattern);
  // Checked here too (createBpeTokenizer checks it again) so that the error names the field.
  if (pattern !== null) compileSplitPattern(pattern, 'fromJSON: "pattern"');
  const mergeList = field(data, 'merges');
  const tokenList = field(data, 'tokens');
  if (mergeList !== undefined && tokenList !== undefined) {
    fail('tokens', 'absent when "merges" is given (one or the other)', tokenList);
  }
  if (mergeList === undefined && tokenList === undefined) {
    fail('merges', 'an array of [id, id] pairs (or "tokens" an array of base64 strings)', mergeList);
  }
  let tokens: Uint8Array[];
  let merges: [number, number][] | undefined;
  if (mergeList !== undefined) {
    if (!Array.isArray(mergeList)) fail('merges', 'an array of [id, id] pairs', mergeList);
    ({ tokens, merges } = readMerges(mergeList));
  } else {
    if (!Array.isArray(tokenList)) fail('tokens', 'an array of base64 strings', tokenList);
    tokens = tokensFromBase64(tokenList);
  }
  const specialTokens = specialsFrom(field(data, 'specialTokens'), tokens.length);
  // The remaining checks (repeated tokens, missing single bytes) are buildBpeTokenizer's.
  const spec = merges === undefined ? { tokens, pattern, specialTokens } : { tokens, pattern, specialTokens, merges };
  return buildBpeTokenizer(spec, 'fromJSON');
}

/**
 * A BPE tokenizer from our JSON format (what {@link bpeToJSON} or the tokenizer's `toJSON()` returns), given
 * the parsed data or the JSON text.
 * @throws {TokenizerError} for text that is not JSON or data that is not a valid BPE tokenizer, naming the
 * field, e.g. `fromJSON: "merges[3]" must be a pair of ids below 259 (tokens made before it), found 'abc'`.
 */
export function bpeFromJSON(data: unknown): BpeTokenizer {
  return readTokenizerFile(data, load);
}
