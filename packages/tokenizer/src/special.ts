// Special tokens and message helpers shared by the tokenizers: resolving bos/eos/unk/special options to ids,
// splitting encode input by the special-token policy (tiktoken's allowedSpecial / disallowedSpecial), and
// quoting values for error messages.
import { type EncodeOptions, type Tokenizer, TokenizerError } from './tokenizer';
import { utf8Encode } from './utf8';
/** A piece of `encode`'s input: ordinary text, or one allowed special token (`id` set). */
export interface Segment {
  /** UTF-16 index of the piece in the whole input, for error messages. */
  start: number;
  text: string;
  id?: number;
}

const ROLE_DEFAULTS = { bos: '<|bos|>', eos: '<|eos|>', unk: '<unk>' } as const;

/** `'ж'` with control characters and lone surrogates escaped, long texts shortened: for error messages. */
export function quote(text: string): string {
  const shown = text.length > 40 ? `${text.slice(0, 40)}…` : text;
  return `'${JSON.stringify(shown).slice(1, -1)}'`;
}

/** A value as error messages show it: `42`, `'abc'`, `null`, `an array of 3`, `nothing` for undefined. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return quote(value);
  if (Array.isArray(value)) return `an array of ${value.length}`;
  if (value === null || typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (typeof value === 'bigint') return `${value.toString()}n`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

/**
 * A short JSON-like preview of `value` for error messages, at most `max` characters (then `…`). Unlike
 * JSON.stringify it stops at depth 3 and after `max` characters, so a value nested 100,000 deep (a hostile file)
 * cannot overflow the stack and a huge one is not serialized whole.
 */
export function jsonPreview(value: unknown, max = 60): string {
  let out = '';
  const write = (item: unknown, depth: number): void => {
    if (out.length > max) return;
    if (Array.isArray(item)) {
      if (depth >= 3) {
        out += item.length === 0 ? '[]' : '[…]';
        return;
      }
      out += '[';
      for (let i = 0; i < item.length && out.length <= max; i++) {
        if (i > 0) out += ',';
        write(item[i], depth + 1);
      }
      out += ']';
    } else if (item !== null && typeof item === 'object') {
      if (depth >= 3) {
        out += '{…}';
        return;
      }
      out += '{';
      Object.keys(item).forEach((key, i) => {
        if (out.length > max) return;
        out += `${i > 0 ? ',' : ''}${JSON.stringify(key)}:`;
        write((item as Record<string, unknown>)[key], depth + 1);
      });
      out += '}';
    } else if (typeof item === 'string') {
      out += JSON.stringify(item.length > max ? item.slice(0, max) : item);
    } else {
      out += describeValue(item);
    }
  };
  write(value, 0);
  return out.length > max ? `${out.slice(0, max)}…` : out;
}

/** `U+0436` for messages. */
export function codePointLabel(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}

/** True if `text` is exactly one code point (a lone surrogate counts as one). */
export function isOneCodePoint(text: string): boolean {
  return text.length === 1 || (text.length === 2 && (text.codePointAt(0) ?? 0) > 0xffff);
}

/**
 * Resolves role options (`true` → the default text) and the `special` list into the special tokens in id
 * order and the text of each role.
 * @throws {TokenizerError} for an empty text or a text listed twice in `special`.
 */
export function resolveSpecials<R extends keyof typeof ROLE_DEFAULTS>(
  where: string,
  roles: Partial<Record<R, string | boolean>>,
  special: readonly string[] = [],
): { tokens: string[]; names: Partial<Record<R, string>> } {
  const listed = new Set<string>();
  special.forEach((text: unknown, i) => {
    if (typeof text !== 'string' || text === '') {
      throw new TokenizerError(`${where}: special[${i}] must be a non-empty string, found ${describeValue(text)}`);
    }
    if (listed.has(text)) throw new TokenizerError(`${where}: special token ${quote(text)} is listed twice`);
    listed.add(text);
  });
  const names: Partial<Record<R, string>> = {};
  const tokens: string[] = [];
  for (const role of Object.keys(ROLE_DEFAULTS) as R[]) {
    const value: unknown = roles[role];
    if (value === undefined || value === false) continue;
    const text = value === true ? ROLE_DEFAULTS[role] : value;
    if (typeof text !== 'string' || text === '') {
      const found = describeValue(value);
      throw new TokenizerError(`${where}: ${role} must be true, false or a non-empty string, found ${found}`);
    }
    names[role] = text;
    // A role text already in `special` keeps its place there (this is how a saved order comes back).
    if (!listed.has(text) && !tokens.includes(text)) tokens.push(text);
  }
  return { tokens: [...tokens, ...special], names };
}

/**
 * minbpe's `encode`: splits `text` by the special-token policy (see {@link splitSpecial}), writes each allowed
 * special token's id, and hands the ordinary text between them to `encodeOrdinary` (minbpe's `encode_ordinary`),
 * which appends its ids to `out`. Every tokenizer's `encode` is this with its own `encodeOrdinary`.
 * @throws {TokenizerError} as splitSpecial does, or as `encodeOrdinary` does.
 */
export function encodeWithSpecials(text: string, specialIds: ReadonlyMap<string, number>, options: EncodeOptions | undefined, encodeOrdinary: (segment: Segment, out: number[]) => void): number[] {
  const out: number[] = [];
  for (const segment of splitSpecial(text, specialIds, options)) {
    if (segment.id === undefined) encodeOrdinary(segment, out);
    else out.push(segment.id);
  }
  return out;
}

/**
 * Splits `text` by the special-token policy of {@link EncodeOptions} (tiktoken's): a disallowed special
 * token's text is an error; allowed ones become their own segment with `id`; the rest is ordinary text.
 * Matches are leftmost, longest first. Unknown names in the options are ignored, as tiktoken does.
 * @throws {TokenizerError} naming the first disallowed special token found and its index.
 */
export function splitSpecial(
  text: string,
  specials: ReadonlyMap<string, number>,
  options: EncodeOptions = {},
): Segment[] {
  if (specials.size === 0) return [{ start: 0, text }];
  const { allowedSpecial = [], disallowedSpecial = 'all' } = options;
  const allowed = allowedSpecial === 'all' ? [...specials.keys()] : allowedSpecial.filter((s) => specials.has(s));
  const disallowed =
    disallowedSpecial === 'all'
      ? [...specials.keys()].filter((s) => !allowed.includes(s))
      : disallowedSpecial.filter((s) => specials.has(s));
  let bad: [at: number, name: string] | undefined;
  for (const name of disallowed) {
    const at = text.indexOf(name);
    if (at >= 0 && (bad === undefined || at < bad[0])) bad = [at, name];
  }
  if (bad !== undefined) {
    throw new TokenizerError(
      `encode: special token ${quote(bad[1])} at index ${bad[0]} is not allowed; pass ` +
        `{ allowedSpecial: [${JSON.stringify(bad[1])}] } to encode it as its id, or { disallowedSpecial: [] } ` +
        'to encode it as ordinary text',
    );
  }
  const segments: Segment[] = [];
  // next[i] caches where allowed[i] next occurs, so a rare token is not searched for again at every match.
  const next = allowed.map(() => -2);
  let pos = 0;
  for (;;) {
    let at = -1;
    let hit = '';
    allowed.forEach((name, i) => {
      if (next[i]! !== -1 && next[i]! < pos) next[i] = text.indexOf(name, pos);
      const found = next[i]!;
      if (found >= 0 && (at < 0 || found < at || (found === at && name.length > hit.length))) {
        at = found;
        hit = name;
      }
    });
    if (at < 0) break;
    if (at > pos) segments.push({ start: pos, text: text.slice(pos, at) });
    segments.push({ start: at, text: hit, id: specials.get(hit)! });
    pos = at + hit.length;
  }
  if (pos < text.length || segments.length === 0) segments.push({ start: pos, text: text.slice(pos) });
  return segments;
}

/** The ordinary text of `corpus` with every special token's text cut out (training ignores them). */
export function textWithoutSpecials(corpus: string, specials: readonly string[]): Segment[] {
  const map = new Map(specials.map((s, i) => [s, i]));
  return splitSpecial(corpus, map, { allowedSpecial: 'all' }).filter((s) => s.id === undefined);
}


/**
 * `decode` and `tokenBytes` for a tokenizer whose ids name whole texts (ordinary pieces, then specials): an id
 * outside `texts` throws a TokenizerError naming it, where it was met, and the vocabulary's range.
 */
export function decodeByText(texts: readonly string[]): Pick<Tokenizer, 'decode' | 'tokenBytes'> {
  const textOf = (id: number | undefined, where: string, position = ''): string => {
    const text = id !== undefined && Number.isInteger(id) ? texts[id] : undefined;
    if (text === undefined) {
      throw new TokenizerError(`${where}: unknown id ${String(id)}${position}; the vocabulary has ${texts.length} ids, [0, ${texts.length})`);
    }
    return text;
  };
  return {
    decode(ids) {
      let text = '';
      for (let i = 0; i < ids.length; i++) text += textOf(ids[i], 'decode', ` at position ${i}`);
      return text;
    },
    tokenBytes: (id) => utf8Encode(textOf(id, 'tokenBytes')),
  };
}
