// parseRegex: the shape of a regex source (alternatives, terms, quantifiers, groups, offsets) through escapes,
// classes and group syntax.
import { describe, expect, it } from 'vitest';
import { type Alternative, RegexSyntaxError, parseRegex } from './parse-regex';

/** A compact picture of the parse: each term as its source text, kind, and [min, max]. */
function shape(source: string, alternatives: readonly Alternative[] = parseRegex(source)): unknown {
  return alternatives.map((alt) =>
    alt.terms.map((t) => {
      const text = source.slice(t.start, t.end);
      const bounds = t.min === 1 && t.max === 1 ? '' : ` {${t.min},${t.max}}`;
      const inner = t.atom.kind === 'group' || t.atom.kind === 'lookaround' ? shape(source, t.atom.body) : undefined;
      return inner === undefined ? `${t.atom.kind} ${text}${bounds}` : [`${t.atom.kind} ${text}${bounds}`, inner];
    }),
  );
}

describe('parseRegex', () => {
  it('splits alternatives and reads quantifiers, lazy ones included', () => {
    expect(shape('ab*|c+?d{2}e{1,}f{0,3}?')).toEqual([
      ['char a', 'char b* {0,Infinity}'],
      ['char c+? {1,Infinity}', 'char d{2} {2,2}', 'char e{1,} {1,Infinity}', 'char f{0,3}? {0,3}'],
    ]);
  });

  it('reads a class, escapes in and out of classes, and astral characters, each as one character', () => {
    expect(shape(String.raw`[\]a-z]\p{L}+\u{1F600}\u0041\x41\cJ\.😀?`)).toEqual([
      [
        String.raw`char [\]a-z]`,
        String.raw`char \p{L}+ {1,Infinity}`,
        String.raw`char \u{1F600}`,
        String.raw`char \u0041`,
        String.raw`char \x41`,
        String.raw`char \cJ`,
        String.raw`char \.`,
        'char 😀? {0,1}',
      ],
    ]);
  });

  it('tells groups, lookarounds, assertions and backreferences apart', () => {
    expect(shape(String.raw`^(?:a|b)(?<n>c)(?=d)(?<!e)\b\k<n>\1$`)).toEqual([
      [
        'assertion ^',
        ['group (?:a|b)', [['char a'], ['char b']]],
        ['group (?<n>c)', [['char c']]],
        ['lookaround (?=d)', [['char d']]],
        ['lookaround (?<!e)', [['char e']]],
        String.raw`assertion \b`,
        String.raw`backreference \k<n>`,
        String.raw`backreference \1`,
        'assertion $',
      ],
    ]);
  });

  it('reads modifier groups and empty alternatives', () => {
    expect(shape("(?i:'s)|")).toEqual([[["group (?i:'s)", [["char '", 'char s']]]], []]);
  });

  it('refuses nesting deeper than its limit with the offset', () => {
    const error = (() => {
      try {
        parseRegex('('.repeat(40) + ')'.repeat(40));
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(RegexSyntaxError);
    expect((error as RegexSyntaxError).at).toBe(32);
  });
});
