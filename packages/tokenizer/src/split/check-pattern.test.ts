// compileSplitPattern: accepts the built-in, published and test patterns; refuses empty matches, backreferences,
// the classic catastrophic-backtracking families, their unrolled polynomial forms and path explosions, each with
// the construct and its offset.
import { describe, expect, it } from 'vitest';
import { TokenizerError } from '../tokenizer';
import { ACCEPTED_PATTERNS } from './accepted-patterns';
import { MAX_PATTERN_LENGTH, checkSplitPattern, compileSplitPattern } from './check-pattern';
import { MAX_GROUP_DEPTH } from './parse-regex';

function refusal(pattern: string): string {
  try {
    compileSplitPattern(pattern, 'test');
  } catch (error) {
    expect(error).toBeInstanceOf(TokenizerError);
    return (error as Error).message;
  }
  throw new Error(`${pattern} was accepted`);
}

describe('compileSplitPattern accepts', () => {
  it.each(Object.entries(ACCEPTED_PATTERNS))('%s', (_, source) => {
    const regex = compileSplitPattern(source, 'test');
    expect(regex.flags).toBe('gu');
    expect(regex.source).toBe(new RegExp(source, 'gu').source);
  });

  it('optional alternations of fixed strings, fixed counts, small ranges, lazy quantifiers and groups of one path', () => {
    for (const source of ["x(?:'s|'ll)?", '(?:ab)+', 'a{3}', String.raw`\p{N}{1,3}`, 'a+?', '(?:a[bc])*d', String.raw`(?<word>\w+)`, String.raw`(?<=\s)\w+`]) {
      expect(() => compileSplitPattern(source, 'test'), source).not.toThrow();
    }
  });
});

describe('compileSplitPattern refuses catastrophic backtracking, naming the construct and its offset', () => {
  const nested = 'repeats a group that contains an alternation or a quantifier, which can backtrack exponentially';
  it.each([
    ['(a|a)+$', "'(a|a)+' at offset 0"],
    ['(a+)+$', "'(a+)+' at offset 0"],
    ['(a|aa)+$', "'(a|aa)+' at offset 0"],
    ['(.*a){20}', "'(.*a){20}' at offset 0"],
    [String.raw`(\w+\s?)*$`, String.raw`'(\\w+\\s?)*' at offset 0`],
    ['^(a?){25}a{25}$', "'(a?){25}' at offset 1"],
    ['(x+x+)+y', "'(x+x+)+' at offset 0"],
    ['x|(?:a(?=b|c))+', "'(?:a(?=b|c))+' at offset 2"],
  ])('%s', (pattern, construct) => {
    expect(refusal(pattern)).toBe(
      `test: split pattern '${JSON.stringify(pattern).slice(1, -1)}' is refused: ${construct} ${nested} (catastrophic backtracking); ` +
        'repeat a character or a class instead, e.g. [ab]+ for (a|b)+ (see "Split patterns" in the @microgpt/tokenizer README for what is accepted and why)',
    );
  });

  it('refuses repeats that a later failure can backtrack into more than once per path (polynomial)', () => {
    expect(refusal('.*a.*a.*b')).toContain(
      "the repeats '.*' at offset 0 and '.*' at offset 3 and '.*' at offset 6 can each be backtracked into when a later part fails, " +
        'so matching can take time growing as the text length to the power 4',
    );
    expect(refusal(String.raw`\s*\s*x`)).toContain(String.raw`the repeats '\\s*' at offset 0 and '\\s*' at offset 3`);
    // A repeat inside a lookahead scans without consuming, so it counts even at the end.
    expect(refusal(String.raw`\s+(?=\s*x)`)).toContain('to the power 3');
    // Through an optional group, and a bounded range too wide to count as a few paths.
    expect(refusal('(?:a*b)?c*d')).toContain("the repeats 'a*' at offset 3 and 'c*' at offset 8");
    expect(refusal('a{0,100}b{0,100}c')).toContain("the repeats 'a{0,100}' at offset 0 and 'b{0,100}' at offset 8");
  });

  it('refuses too many optional paths in a row, even when each is cheap', () => {
    expect(refusal(`${'a?'.repeat(25)}a{25}`)).toContain('give over 1024 combinations to backtrack through at each position');
    // A cheap alternative is not hidden by a costlier one elsewhere in the pattern.
    expect(refusal(String.raw`${'(?:x|y)?'.repeat(12)}z|\s*q`)).toContain('over 1024 combinations');
  });

  it('refuses backreferences', () => {
    expect(refusal(String.raw`(a)\1`)).toContain(String.raw`a backreference '\\1' at offset 3`);
    expect(refusal(String.raw`(?<x>a)\k<x>`)).toContain(String.raw`a backreference '\\k<x>' at offset 7`);
  });
});

describe('compileSplitPattern refuses patterns that can match the empty string', () => {
  it.each([
    ['', 'an empty alternative at offset 0'],
    ['x*', "the alternative 'x*' at offset 0"],
    ['(?<=a)', "the alternative '(?<=a)' at offset 0"],
    [String.raw`\b`, String.raw`the alternative '\\b' at offset 0`],
    ['a?', "the alternative 'a?' at offset 0"],
    ['ab|', 'an empty alternative at offset 3'],
    ['x|(?:a|b?)c?', "the alternative '(?:a|b?)c?' at offset 2"],
  ])('%j', (pattern, what) => {
    expect(refusal(pattern)).toBe(
      `test: split pattern '${JSON.stringify(pattern).slice(1, -1)}' is refused: it can match the empty string (${what}); every match must take ` +
        "at least one character, so use '+' rather than '*', and no alternative made only of optional parts or assertions " +
        '(see "Split patterns" in the @microgpt/tokenizer README for what is accepted and why)',
    );
  });
});

describe('compileSplitPattern refuses what it cannot read', () => {
  it('a regex that does not compile with flags gu, and a source that is not a string', () => {
    expect(refusal('(')).toBe("test: split pattern '(' is not a valid regex with flags 'gu': Invalid regular expression: /(/gu: Unterminated group");
    expect(() => compileSplitPattern(5 as unknown as string, 'test')).toThrow('test: a split pattern must be a regex source string, found a number');
  });

  it('groups nested too deep, and sources too long', () => {
    const deep = '(?:'.repeat(MAX_GROUP_DEPTH + 1) + 'a' + ')'.repeat(MAX_GROUP_DEPTH + 1);
    expect(refusal(deep)).toContain(`groups nested more than ${MAX_GROUP_DEPTH} deep at offset ${3 * MAX_GROUP_DEPTH}`);
    expect(() => compileSplitPattern('(?:'.repeat(MAX_GROUP_DEPTH) + 'a' + ')'.repeat(MAX_GROUP_DEPTH), 'test')).not.toThrow();
    expect(refusal('a'.repeat(MAX_PATTERN_LENGTH + 1))).toContain(`it has ${MAX_PATTERN_LENGTH + 1} characters, more than the ${MAX_PATTERN_LENGTH} accepted`);
  });

  it('checkSplitPattern names itself', () => {
    expect(() => {
      checkSplitPattern('x*');
    }).toThrow(/^checkSplitPattern: split pattern 'x\*' is refused/);
    expect(() => {
      checkSplitPattern(ACCEPTED_PATTERNS['built-in o200k']!);
    }).not.toThrow();
  });
});
