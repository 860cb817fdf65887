// The `pre_tokenizer` of a Hugging Face byte-level tokenizer.json and our split pattern, both ways: GPT-2's
// pattern is ByteLevel's built-in regex; any other pattern is a Split (Isolated) followed by ByteLevel without regex.
import { SPLIT_PATTERNS } from '../bpe/patterns';
import { jsonPreview } from '../special';
import { compileSplitPattern } from '../split/check-pattern';
import { TokenizerError } from '../tokenizer';
import { toV8Pattern } from './regex-syntax';

/** A JSON object of a tokenizer.json (a pre-tokenizer or decoder entry), read or written field by field. */
export type JsonObject = Record<string, unknown>;

const CALLER = 'fromHuggingFaceJSON';

/** Whether `value` is a plain JSON object (not null, not an array). */
export function isObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A TokenizerError naming a tokenizer.json field. */
export function fieldError(field: string, problem: string, found: unknown): TokenizerError {
  return new TokenizerError(`${CALLER}: field "${field}" ${problem}, found ${jsonPreview(found)}`);
}

function byteLevel(useRegex: boolean): JsonObject {
  return { type: 'ByteLevel', add_prefix_space: false, trim_offsets: true, use_regex: useRegex };
}

/** The tokenizer.json `pre_tokenizer` for split pattern `pattern` (null: the whole text is one chunk). */
export function toHuggingFacePreTokenizer(pattern: string | null): JsonObject {
  if (pattern === null) return byteLevel(false);
  if (pattern === SPLIT_PATTERNS.gpt2) return byteLevel(true);
  return {
    type: 'Sequence',
    pretokenizers: [{ type: 'Split', pattern: { Regex: pattern }, behavior: 'Isolated', invert: false }, byteLevel(false)],
  };
}

/** Checks a ByteLevel pre-tokenizer; returns whether it splits with GPT-2's regex itself. */
function readByteLevel(value: JsonObject, field: string): boolean {
  if (value.add_prefix_space !== undefined && value.add_prefix_space !== false) {
    throw fieldError(`${field}.add_prefix_space`, 'must be false (a prefix space is not supported)', value.add_prefix_space);
  }
  if (value.use_regex !== undefined && typeof value.use_regex !== 'boolean') {
    throw fieldError(`${field}.use_regex`, 'must be a boolean', value.use_regex);
  }
  return value.use_regex !== false;
}

/** The V8 pattern of a Split pre-tokenizer. */
function readSplit(value: JsonObject, field: string): string {
  const pattern = value.pattern;
  if (!isObject(pattern) || typeof pattern.Regex !== 'string') {
    throw fieldError(`${field}.pattern`, 'must be {"Regex": string}', pattern);
  }
  // Isolated keeps the matches and the text between them; Removed with invert keeps only the matches (what
  // transformers.js's cl100k files use). Our encoder keeps the text between matches as chunks of their own
  // (Isolated); the split patterns of these files match every character, so the two forms split alike.
  const inverted = value.invert === true;
  if (value.invert !== undefined && typeof value.invert !== 'boolean') throw fieldError(`${field}.invert`, 'must be a boolean', value.invert);
  if (!(value.behavior === 'Isolated' && !inverted) && !(value.behavior === 'Removed' && inverted)) {
    throw fieldError(`${field}.behavior`, 'must be "Isolated" (or "Removed" with invert: true)', value.behavior);
  }
  const source = toV8Pattern(pattern.Regex, CALLER);
  compileSplitPattern(source, `${CALLER}: field "${field}.pattern.Regex"`);
  return source;
}

/**
 * Our split pattern for a tokenizer.json `pre_tokenizer`: a ByteLevel (GPT-2's regex when `use_regex` is not
 * false, else none), or a Sequence of a Split (Isolated, with `(?i:…)` and possessive quantifiers rewritten
 * for V8) and a ByteLevel with `use_regex: false`.
 * @throws {TokenizerError} for any other pre-tokenizer, a prefix space, or a regex JavaScript cannot compile or
 * that `compileSplitPattern` refuses (empty matches, catastrophic backtracking).
 */
export function fromHuggingFacePreTokenizer(value: unknown): string | null {
  const field = 'pre_tokenizer';
  if (!isObject(value)) throw fieldError(field, 'must be a ByteLevel or Sequence pre-tokenizer object', value);
  if (value.type === 'ByteLevel') return readByteLevel(value, field) ? SPLIT_PATTERNS.gpt2 : null;
  if (value.type !== 'Sequence') throw fieldError(`${field}.type`, 'must be "ByteLevel" or "Sequence"', value.type);
  const steps = value.pretokenizers;
  if (!Array.isArray(steps) || steps.length !== 2 || !isObject(steps[0]) || !isObject(steps[1])) {
    throw fieldError(`${field}.pretokenizers`, 'must be [Split, ByteLevel]', steps);
  }
  const [split, bytes] = steps as [JsonObject, JsonObject];
  if (split.type !== 'Split') throw fieldError(`${field}.pretokenizers[0].type`, 'must be "Split"', split.type);
  if (bytes.type !== 'ByteLevel') throw fieldError(`${field}.pretokenizers[1].type`, 'must be "ByteLevel"', bytes.type);
  const source = readSplit(split, `${field}.pretokenizers[0]`);
  if (readByteLevel(bytes, `${field}.pretokenizers[1]`)) {
    throw fieldError(`${field}.pretokenizers[1].use_regex`, 'must be false after a Split (two regex splits are not supported)', bytes.use_regex);
  }
  return source;
}
