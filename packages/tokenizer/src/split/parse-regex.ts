// A parser for the structure of a JavaScript regex source (flag 'u' syntax): alternatives, terms, quantifiers,
// groups, lookarounds, assertions and backreferences, with the offset of each. Characters, classes and class
// escapes are all one "char" atom: the safety check (check-pattern.ts) needs the shape, not the character sets.
// The source must already compile with flags 'gu', so the parser can rely on its syntax being valid.

/** One thing a term matches, before its quantifier. */
export type Atom =
  /** One character: a literal, `.`, a class `[…]` or a class escape (`\d`, `\p{L}`, `\u0041`, …). */
  | { readonly kind: 'char' }
  /** `^`, `$`, `\b`, `\B`. */
  | { readonly kind: 'assertion' }
  /** `(…)`, `(?:…)`, `(?<name>…)`, `(?flags:…)`. */
  | { readonly kind: 'group'; readonly body: readonly Alternative[] }
  /** `(?=…)`, `(?!…)`, `(?<=…)`, `(?<!…)`. */
  | { readonly kind: 'lookaround'; readonly body: readonly Alternative[] }
  /** `\1`, `\k<name>`. */
  | { readonly kind: 'backreference' };

/** An atom with its quantifier (`{1, 1}` when it has none). */
export interface Term {
  readonly atom: Atom;
  readonly min: number;
  /** `Infinity` for `*`, `+`, `{n,}`. */
  readonly max: number;
  /** UTF-16 offsets of the term in the source, quantifier included: `source.slice(start, end)`. */
  readonly start: number;
  readonly end: number;
}

/** One `|`-separated alternative: a sequence of terms. */
export interface Alternative {
  readonly terms: readonly Term[];
  readonly start: number;
  readonly end: number;
}

/** Deepest group nesting accepted: real split patterns nest 2 or 3 deep; this bounds the parser's recursion. */
export const MAX_GROUP_DEPTH = 32;

/** A construct the parser will not read (too deep, or syntax it does not know); `at` is the offset. */
export class RegexSyntaxError extends Error {
  constructor(
    message: string,
    readonly at: number,
  ) {
    super(message);
  }
}

const QUANTIFIER = /\{(\d+)(,(\d*))?\}/y;

/**
 * The alternatives of `source` (a regex source that compiles with flags 'gu').
 * @throws {RegexSyntaxError} for groups nested deeper than {@link MAX_GROUP_DEPTH} or syntax it does not expect.
 */
export function parseRegex(source: string): Alternative[] {
  let i = 0;

  const fail = (message: string): never => {
    throw new RegexSyntaxError(message, i);
  };

  // The length of the escape at i (a backslash): `\p{…}`, `\P{…}`, `\u{…}`, `\uXXXX`, `\xXX`, `\cX`, `\k<…>`, `\X`.
  const escapeLength = (): number => {
    const next = source[i + 1];
    if ((next === 'p' || next === 'P' || next === 'u' || next === 'k') && source[i + 2] === (next === 'k' ? '<' : '{')) {
      const close = source.indexOf(next === 'k' ? '>' : '}', i + 3);
      if (close < 0) fail(`an unterminated escape \\${next}`);
      return close - i + 1;
    }
    if (next === 'u') return 6;
    if (next === 'x') return 4;
    if (next === 'c') return 3;
    return 2;
  };

  const parseClass = (): void => {
    i++; // '['
    while (i < source.length && source[i] !== ']') i += source[i] === '\\' ? 2 : 1;
    if (i >= source.length) fail('an unterminated character class');
    i++;
  };

  const parseGroup = (depth: number): Atom => {
    const open = i;
    if (depth >= MAX_GROUP_DEPTH) fail(`groups nested more than ${MAX_GROUP_DEPTH} deep`);
    i++; // '('
    let kind: 'group' | 'lookaround' = 'group';
    if (source[i] === '?') {
      const rest = source.slice(i + 1, i + 3);
      if (rest.startsWith('=') || rest.startsWith('!')) {
        kind = 'lookaround';
        i += 2;
      } else if (rest === '<=' || rest === '<!') {
        kind = 'lookaround';
        i += 3;
      } else if (rest.startsWith('<')) {
        const close = source.indexOf('>', i);
        if (close < 0) fail('an unterminated group name');
        i = close + 1;
      } else {
        const modifiers = /\?[a-z]*(-[a-z]*)?:/y;
        modifiers.lastIndex = i;
        if (!modifiers.test(source)) fail('an unknown group syntax');
        i = modifiers.lastIndex;
      }
    }
    const body = parseAlternatives(depth + 1);
    if (source[i] !== ')') {
      i = open;
      fail('an unclosed group');
    }
    i++;
    return { kind, body };
  };

  const parseAtom = (depth: number): Atom => {
    const c = source[i]!;
    if (c === '(') return parseGroup(depth);
    if (c === '[') {
      parseClass();
      return { kind: 'char' };
    }
    if (c === '^' || c === '$') {
      i++;
      return { kind: 'assertion' };
    }
    if (c === '\\') {
      const next = source[i + 1];
      const length = escapeLength();
      i += length;
      if (next === 'b' || next === 'B') return { kind: 'assertion' };
      if (next === 'k' || (next !== undefined && next >= '1' && next <= '9')) return { kind: 'backreference' };
      return { kind: 'char' };
    }
    if (c === '*' || c === '+' || c === '?' || c === '{' || c === ')' || c === '|') fail(`an unexpected '${c}'`);
    i += (source.codePointAt(i) ?? 0) > 0xffff ? 2 : 1;
    return { kind: 'char' };
  };

  // The quantifier at i, if any, as [min, max]; a lazy '?' after it is skipped (laziness does not change the shape).
  const parseQuantifier = (): [number, number] => {
    const c = source[i];
    let bounds: [number, number];
    if (c === '*') bounds = [0, Infinity];
    else if (c === '+') bounds = [1, Infinity];
    else if (c === '?') bounds = [0, 1];
    else if (c === '{') {
      QUANTIFIER.lastIndex = i;
      const match = QUANTIFIER.exec(source);
      if (match === null) return fail("a '{' that is not a quantifier");
      const min = Number(match[1]);
      bounds = [min, match[2] === undefined ? min : match[3] === '' ? Infinity : Number(match[3])];
      i += match[0].length - 1;
    } else return [1, 1];
    i++;
    if (source[i] === '?') i++;
    return bounds;
  };

  const parseAlternative = (depth: number): Alternative => {
    const start = i;
    const terms: Term[] = [];
    while (i < source.length && source[i] !== '|' && source[i] !== ')') {
      const termStart = i;
      const atom = parseAtom(depth);
      const [min, max] = parseQuantifier();
      terms.push({ atom, min, max, start: termStart, end: i });
    }
    return { terms, start, end: i };
  };

  const parseAlternatives = (depth: number): Alternative[] => {
    const alternatives = [parseAlternative(depth)];
    while (source[i] === '|') {
      i++;
      alternatives.push(parseAlternative(depth));
    }
    return alternatives;
  };

  const top = parseAlternatives(0);
  if (i < source.length) fail(`an unmatched '${source[i]!}'`);
  return top;
}
