// Split patterns come from files (ours, tokenizer.json, CLI flags), and a JavaScript RegExp cannot be stopped once
// it runs: a pattern such as `(a|a)+$` backtracks for minutes on 70 characters. So a pattern is compiled only
// after its structure passes the checks below, and the refusal says which construct, where, and what to do.
//
// The rules (the README's "Split patterns" section says the same for users):
// - no backreferences;
// - a group repeated more than once (`*`, `+`, `{n,}`, `{n,m}` with m > 1) contains no alternation and no
//   variable quantifier: `(?:ab)+` is fine, `(a|b)+`, `(a+)+`, `(a?){25}` are not (exponential backtracking);
// - bounded backtracking per starting position: at most one repeat that a later failure can backtrack into
//   along any path (`\s*[\r\n]` is fine, `\s*\s*x` and `.*a.*b` are not: polynomial of degree 2 or more), and
//   at most MAX_PATHS choice combinations of optional parts and alternatives (`a?a?a?…` 25 times is not);
// - no match can be empty (an empty match would either lose text or never advance).
import { quote } from '../special';
import { TokenizerError } from '../tokenizer';
import { type Alternative, type Term, RegexSyntaxError, parseRegex } from './parse-regex';

/** Longest split pattern accepted; the published ones are a few hundred characters. */
export const MAX_PATTERN_LENGTH = 8192;
/** Most backtracking choice combinations per starting position, beyond one repeat (the built-in patterns have at most 14). */
export const MAX_PATHS = 1024;
/** A bounded repeat with more choices than this (`{0,100}`) counts as unbounded. */
const SMALL_RANGE = 8;

const ADVICE = 'see "Split patterns" in the @microgpt/tokenizer README for what is accepted and why';

/**
 * What backtracking into a part of a pattern can cost at one starting position: the sum over d of
 * `paths[d]` × n^d for a text of n characters (a polynomial, so that the paths of a cheap alternative are not
 * hidden by a costlier one).
 */
interface Cost {
  readonly paths: readonly number[];
  /** The repeats that make up the highest degree, for the message. */
  readonly repeats: readonly Term[];
}

const ONE: Cost = { paths: [1], repeats: [] };

const capped = (x: number): number => Math.min(x, Number.MAX_SAFE_INTEGER);

function times(a: Cost, b: Cost): Cost {
  const paths = new Array<number>(a.paths.length + b.paths.length - 1).fill(0);
  a.paths.forEach((x, i) => {
    b.paths.forEach((y, j) => {
      paths[i + j] = capped(paths[i + j]! + x * y);
    });
  });
  return { paths, repeats: [...a.repeats, ...b.repeats] };
}

// Alternatives are tried one after another, so their costs add.
function plus(a: Cost, b: Cost): Cost {
  const paths = Array.from({ length: Math.max(a.paths.length, b.paths.length) }, (_, d) => capped((a.paths[d] ?? 0) + (b.paths[d] ?? 0)));
  return { paths, repeats: a.paths.length >= b.paths.length ? a.repeats : b.repeats };
}

/** True when `term` can match the empty string somewhere (assertions count as empty). */
function nullable(term: Term): boolean {
  if (term.min === 0) return true;
  const { atom } = term;
  if (atom.kind === 'char') return false;
  if (atom.kind === 'group') return atom.body.some((alt) => alt.terms.every(nullable));
  return true;
}

/** True when `term` may fail to match (it has no way to succeed on every input: an optional part never fails). */
function canFail(term: Term): boolean {
  if (term.min === 0) return false;
  const { atom } = term;
  if (atom.kind === 'group') return atom.body.every((alt) => alt.terms.some(canFail));
  return true;
}

/** True when some term inside `body` repeats a variable number of times or offers alternatives. */
function hasChoices(body: readonly Alternative[]): boolean {
  if (body.length > 1) return true;
  return body.some((alt) =>
    alt.terms.some((t) => t.min !== t.max || ((t.atom.kind === 'group' || t.atom.kind === 'lookaround') && hasChoices(t.atom.body))),
  );
}

/** The checks over a parsed pattern; `refuse` throws with the construct and its offset. */
class Checker {
  constructor(
    private readonly source: string,
    private readonly refuse: (problem: string) => never,
  ) {}

  private shown(term: { start: number; end: number }): string {
    return `${quote(this.source.slice(term.start, term.end))} at offset ${term.start}`;
  }

  /** Cost of the alternatives of a group (or of the whole pattern); `failAfter`: something after them can fail. */
  alternatives(body: readonly Alternative[], failAfter: boolean, inLookaround: boolean): Cost {
    return body.map((alt) => this.sequence(alt.terms, failAfter, inLookaround)).reduce(plus);
  }

  private sequence(terms: readonly Term[], failAfter: boolean, inLookaround: boolean): Cost {
    let cost = ONE;
    let laterCanFail = failAfter;
    // Right to left, so each term knows whether a term after it can fail (and so backtrack into it).
    for (let k = terms.length - 1; k >= 0; k--) {
      const term = terms[k]!;
      cost = times(this.term(term, laterCanFail, inLookaround), cost);
      laterCanFail ||= canFail(term);
    }
    return cost;
  }

  private term(term: Term, failAfter: boolean, inLookaround: boolean): Cost {
    const { atom, min, max } = term;
    if (atom.kind === 'backreference') this.refuse(`a backreference ${this.shown(term)} (backreferences can backtrack exponentially)`);
    let inner = ONE;
    if (atom.kind === 'group') inner = this.alternatives(atom.body, failAfter, inLookaround);
    // A lookaround is entered afresh each time and its inner repeats scan without consuming: they always count.
    if (atom.kind === 'lookaround') inner = this.alternatives(atom.body, false, true);
    if (max <= 1) return min === max ? inner : plus(inner, ONE);
    if ((atom.kind === 'group' || atom.kind === 'lookaround') && hasChoices(atom.body)) {
      this.refuse(
        `${this.shown(term)} repeats a group that contains an alternation or a quantifier, which can backtrack ` +
          'exponentially (catastrophic backtracking); repeat a character or a class instead, e.g. [ab]+ for (a|b)+',
      );
    }
    // A fixed count is one path; a repeat nothing can backtrack into is one greedy scan, kept in the match.
    if (min === max || !(failAfter || inLookaround)) return inner;
    if (max - min + 1 <= SMALL_RANGE) return times(inner, { paths: [max - min + 1], repeats: [] });
    return times(inner, { paths: [0, 1], repeats: [term] });
  }

  /** Refuses a pattern with an alternative that can match the empty string. */
  nonEmpty(top: readonly Alternative[]): void {
    const empty = top.find((alt) => alt.terms.every(nullable));
    if (empty === undefined) return;
    const what = empty.start === empty.end ? `an empty alternative at offset ${empty.start}` : `the alternative ${this.shown(empty)}`;
    this.refuse(
      `it can match the empty string (${what}); every match must take at least one character, ` +
        "so use '+' rather than '*', and no alternative made only of optional parts or assertions",
    );
  }

  /** Refuses a pattern whose backtracking per starting position can grow faster than the text or explode in paths. */
  bounded(top: readonly Alternative[]): void {
    const cost = this.alternatives(top, false, false);
    const degree = cost.paths.length - 1;
    if (degree >= 2) {
      const repeats = cost.repeats.map((t) => this.shown(t)).join(' and ');
      this.refuse(
        `the repeats ${repeats} can each be backtracked into when a later part fails, so matching can take time ` +
          `growing as the text length to the power ${degree + 1}; keep one repeat before a part that can fail`,
      );
    }
    if (cost.paths.some((paths) => paths > MAX_PATHS)) {
      this.refuse(
        `its optional parts and alternatives give over ${MAX_PATHS} combinations to backtrack through at each ` +
          'position; use fewer optional parts in a row, or classes instead of alternations of single characters',
      );
    }
  }
}

/**
 * Compiles a split pattern (word and BPE pre-split) with flags 'gu' after checking that it is safe to run on any
 * text: it compiles, is at most {@link MAX_PATTERN_LENGTH} characters, never matches the empty string, and has
 * no construct that can backtrack exponentially or polynomially beyond one repeat (the rules are in the README).
 * Text the pattern does not match is not lost: splitters make each gap a chunk of its own (split-chunks.ts).
 * @param where the caller, which starts the error message (`trainBpe`, `fromJSON`, …)
 * @throws {TokenizerError} naming the pattern, the refused construct and its offset, and what to do.
 */
export function compileSplitPattern(source: string, where: string): RegExp {
  if (typeof (source as unknown) !== 'string') {
    throw new TokenizerError(`${where}: a split pattern must be a regex source string, found a ${typeof source}`);
  }
  const refuse = (problem: string): never => {
    throw new TokenizerError(`${where}: split pattern ${quote(source)} is refused: ${problem} (${ADVICE})`);
  };
  if (source.length > MAX_PATTERN_LENGTH) refuse(`it has ${source.length} characters, more than the ${MAX_PATTERN_LENGTH} accepted`);
  let regex: RegExp;
  try {
    regex = new RegExp(source, 'gu');
  } catch (error) {
    throw new TokenizerError(`${where}: split pattern ${quote(source)} is not a valid regex with flags 'gu': ${(error as Error).message}`);
  }
  let top: Alternative[];
  try {
    top = parseRegex(source);
  } catch (error) {
    if (!(error instanceof RegexSyntaxError)) throw error;
    return refuse(`${error.message} at offset ${error.at}`);
  }
  const checker = new Checker(source, refuse);
  checker.bounded(top);
  checker.nonEmpty(top);
  return regex;
}

/**
 * Checks that `pattern` is a split pattern the tokenizers accept (see {@link compileSplitPattern}), for callers
 * that want to validate one before training (a CLI flag, a form).
 * @throws {TokenizerError} `checkSplitPattern: split pattern '…' is refused: …` naming the construct and offset.
 */
export function checkSplitPattern(pattern: string): void {
  compileSplitPattern(pattern, 'checkSplitPattern');
}
