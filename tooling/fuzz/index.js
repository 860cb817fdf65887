// The fuzz harness the test suites share: fast-check settings that every suite takes from the environment (a
// fixed seed and a small count in CI; `pnpm fuzz` raises the count), and mutators that turn a valid file into
// the damaged, truncated and hostile variants a user (or a disk) can produce.
import fc from 'fast-check';

/** The seed every fuzz suite uses unless MICROGPT_FUZZ_SEED says otherwise, so CI runs the same cases. */
export const DEFAULT_FUZZ_SEED = 20261203;

function positiveNumber(name, fallback) {
  const text = process.env[name];
  if (text === undefined || text === '') return fallback;
  const value = Number(text);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number, found ${JSON.stringify(text)}`);
  return value;
}

/**
 * fast-check settings for a property that runs `runs` cases in CI: the count times MICROGPT_FUZZ_SCALE (`pnpm
 * fuzz` sets it) and the seed MICROGPT_FUZZ_SEED (default {@link DEFAULT_FUZZ_SEED}).
 */
export function fuzzSettings(runs) {
  const scale = positiveNumber('MICROGPT_FUZZ_SCALE', 1);
  const seed = positiveNumber('MICROGPT_FUZZ_SEED', DEFAULT_FUZZ_SEED);
  return { seed: Math.trunc(seed), numRuns: Math.max(1, Math.round(runs * scale)) };
}

const BYTE_EDITS = ['flip', 'set', 'insert', 'delete', 'truncate', 'duplicate'];

/** One edit of a byte string; positions are fractions of the length so they shrink towards the start. */
const byteEdit = fc.record({
  kind: fc.constantFrom(...BYTE_EDITS),
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  length: fc.integer({ min: 1, max: 64 }),
  byte: fc.integer({ min: 0, max: 255 }),
  bit: fc.integer({ min: 0, max: 7 }),
});

function applyByteEdit(bytes, edit) {
  const n = bytes.length;
  const at = Math.floor(edit.at * (n + 1));
  switch (edit.kind) {
    case 'flip': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out[Math.min(at, n - 1)] ^= 1 << edit.bit;
      return out;
    }
    case 'set': {
      if (n === 0) return bytes;
      const out = bytes.slice();
      out.fill(edit.byte, Math.min(at, n - 1), Math.min(n, at + edit.length));
      return out;
    }
    case 'insert': {
      const out = new Uint8Array(n + edit.length);
      out.set(bytes.subarray(0, at));
      out.fill(edit.byte, at, at + edit.length);
      out.set(bytes.subarray(at), at + edit.length);
      return out;
    }
    case 'delete': {
      const end = Math.min(n, at + edit.length);
      const out = new Uint8Array(n - (end - at));
      out.set(bytes.subarray(0, at));
      out.set(bytes.subarray(end), at);
      return out;
    }
    case 'truncate':
      return bytes.slice(0, at);
    case 'duplicate': {
      const piece = bytes.subarray(at, Math.min(n, at + edit.length));
      const out = new Uint8Array(n + piece.length);
      out.set(bytes.subarray(0, at + piece.length));
      out.set(piece, at + piece.length);
      out.set(bytes.subarray(at + piece.length), at + 2 * piece.length);
      return out;
    }
    default:
      throw new Error(`unknown byte edit ${edit.kind}`);
  }
}

/** `base` damaged by 1 to `maxEdits` random edits (bit flips, overwritten runs, insertions, deletions, truncation). */
export function mutatedBytes(base, maxEdits = 4) {
  return fc.array(byteEdit, { minLength: 1, maxLength: maxEdits }).map((edits) => edits.reduce(applyByteEdit, Uint8Array.from(base)));
}

/** JSON values that readers get wrong: wrong types, signs, sizes, non-integers, huge and deep values. */
export const HOSTILE_JSON_VALUES = Object.freeze([
  null,
  true,
  false,
  0,
  -1,
  0.5,
  -0.5,
  1e9,
  -1e9,
  2 ** 31,
  2 ** 53,
  1e308,
  '',
  'x',
  'NaN',
  'Infinity',
  '__proto__',
  'x'.repeat(100_000),
  [],
  [0],
  [-1, 1e9],
  {},
  { __proto__: null, constructor: 1 },
]);

/** Nested arrays `depth` deep, as JSON text (for readers that recurse). */
export function deepJsonText(depth) {
  return '['.repeat(depth) + ']'.repeat(depth);
}

/** Every path (array of keys and indices) to a value inside `value`, the root included. */
function paths(value, prefix = [], out = []) {
  out.push(prefix);
  if (Array.isArray(value)) value.forEach((item, i) => paths(item, [...prefix, i], out));
  else if (value !== null && typeof value === 'object') for (const key of Object.keys(value)) paths(value[key], [...prefix, key], out);
  return out;
}

function setAt(root, path, update) {
  if (path.length === 0) return update(root);
  const [key, ...rest] = path;
  const copy = Array.isArray(root) ? [...root] : { ...root };
  const next = setAt(root[key], rest, update);
  if (next === undefined) {
    if (Array.isArray(copy)) copy.splice(key, 1);
    else delete copy[key];
  } else copy[key] = next;
  return copy;
}

const DEEP = Symbol('deep');

/** One edit of a JSON document: a value replaced by a hostile one, a key removed or added, a value nested deeply. */
const jsonEdit = fc.record({
  at: fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true }),
  kind: fc.constantFrom('replace', 'replace', 'replace', 'remove', 'add', 'deep'),
  value: fc.oneof(fc.constantFrom(...HOSTILE_JSON_VALUES), fc.jsonValue({ maxDepth: 2 })),
  key: fc.oneof(fc.constantFrom('__proto__', 'constructor', 'extra', ''), fc.string({ maxLength: 8 })),
});

function applyJsonEdit(doc, edit) {
  const all = paths(doc);
  const path = all[Math.floor(edit.at * all.length)];
  switch (edit.kind) {
    case 'replace':
      return setAt(doc, path, () => edit.value);
    case 'remove':
      return path.length === 0 ? doc : setAt(doc, path, () => undefined);
    case 'add':
      return setAt(doc, path, (value) => (value !== null && typeof value === 'object' && !Array.isArray(value) ? Object.defineProperty({ ...value }, edit.key, { value: edit.value, enumerable: true, writable: true, configurable: true }) : value));
    case 'deep':
      return setAt(doc, path, () => DEEP);
    default:
      throw new Error(`unknown JSON edit ${edit.kind}`);
  }
}

/**
 * The JSON document `base` (a parsed value) with 1 to `maxEdits` edits, as JSON text: values replaced by hostile
 * ones ({@link HOSTILE_JSON_VALUES} or random JSON), keys removed or added, or a value replaced by arrays nested
 * 100,000 deep.
 */
export function mutatedJsonText(base, maxEdits = 3) {
  return fc.array(jsonEdit, { minLength: 1, maxLength: maxEdits }).map((edits) => {
    const doc = edits.reduce(applyJsonEdit, base);
    const text = JSON.stringify(doc, (_key, value) => (value === DEEP ? '\u0000DEEP\u0000' : value));
    return text.replaceAll('"\\u0000DEEP\\u0000"', deepJsonText(100_000));
  });
}

/**
 * Runs `work` and returns `{ ok: true, value }`, or `{ ok: false, error }` when it throws one of `allowed` (the
 * clean errors of the code under test). Anything else it throws (a TypeError, a RangeError from a stack
 * overflow or an allocation) is rethrown: that is the bug a fuzz suite looks for.
 */
export function cleanOutcome(work, allowed) {
  try {
    return { ok: true, value: work() };
  } catch (error) {
    if (allowed.some((type) => error instanceof type)) return { ok: false, error };
    throw error;
  }
}
