// Rewrites the two Oniguruma/fancy-regex constructs that tokenizer files use and V8 rejects: case-insensitive
// groups `(?i:…)` (expanded into explicit cases) and possessive quantifiers `++ *+ ?+ {n}+` (made greedy, which is
// equivalent in tiktoken-style patterns because each is followed by a disjoint class or the end).
import { TokenizerError } from '../tokenizer';

/** Both ASCII cases of letter `c`, or `c` itself when it is not an ASCII letter. */
function bothCases(c: string): string {
  const lower = c.toLowerCase();
  const upper = c.toUpperCase();
  return lower !== upper && /^[a-z]$/i.test(c) ? lower + upper : c;
}

/** Length of the escape at `i` (`\x`, `\p{…}`, `\P{…}`, `\u{…}`). */
function escapeLength(source: string, i: number): number {
  const next = source[i + 1];
  if ((next === 'p' || next === 'P' || next === 'u') && source[i + 2] === '{') {
    const close = source.indexOf('}', i + 3);
    return close < 0 ? source.length - i : close - i + 1;
  }
  return 2;
}

/**
 * `source` in V8's `u`-flag syntax: `(?i:…)` groups become non-capturing groups whose ASCII letters are written
 * in both cases (`'s` → `'[sS]`, `[sdmt]` → `[sSdDmMtT]`), and possessive quantifiers become greedy ones.
 * @throws {TokenizerError} for a case-insensitive construct it cannot expand safely (a global `(?i)`, a range
 * inside a case-insensitive class, or a letter escape such as `\x41` there).
 */
export function toV8Pattern(source: string, caller: string): string {
  const fail = (what: string): never => {
    throw new TokenizerError(`${caller}: cannot rewrite the split pattern for JavaScript: ${what}`);
  };
  let out = '';
  const caseStack: boolean[] = [false];
  let inClass = false;
  let quantified = false; // the previous token was a quantifier, so a following '+' makes it possessive
  for (let i = 0; i < source.length; ) {
    const c = source[i]!;
    const ci = caseStack[caseStack.length - 1]!;
    if (c === '\\') {
      const n = escapeLength(source, i);
      const escape = source.slice(i, i + n);
      if (ci && /^\\[xuc0-9]/.test(escape)) fail(`escape ${escape} inside (?i:…)`);
      out += escape;
      i += n;
      quantified = false;
      continue;
    }
    if (inClass) {
      if (c === ']') inClass = false;
      else if (ci && c === '-' && source[i - 1] !== '[' && source[i + 1] !== ']') fail('a range inside a (?i:…) class');
      out += ci ? bothCases(c) : c;
      i++;
      continue;
    }
    if (quantified && c === '+') {
      i++; // possessive mark: drop it
      quantified = false;
      continue;
    }
    quantified = false;
    if (c === '[') {
      inClass = true;
      out += c;
      if (source[i + 1] === '^') {
        out += '^';
        i++;
      }
      i++;
    } else if (source.startsWith('(?i:', i)) {
      caseStack.push(true);
      out += '(?:';
      i += 4;
    } else if (source.startsWith('(?i)', i) || source.startsWith('(?-i', i)) {
      fail('a global case-insensitive flag');
    } else if (c === '(') {
      caseStack.push(ci);
      out += c;
      i++;
      // The '?' of '(?:', '(?=', '(?!' is group syntax, not a quantifier: copy it so it is not taken for one.
      if (source[i] === '?') {
        out += '?';
        i++;
      }
    } else if (c === ')') {
      if (caseStack.length > 1) caseStack.pop();
      out += c;
      i++;
      quantified = false;
    } else if (c === '*' || c === '+' || c === '?') {
      out += c;
      i++;
      quantified = true;
      // A lazy '?' after a quantifier ends it: '+?' is not possessive.
      if (source[i] === '?') {
        out += '?';
        i++;
        quantified = false;
      }
    } else if (c === '{') {
      const close = source.indexOf('}', i);
      const body = close < 0 ? '' : source.slice(i, close + 1);
      const isQuantifier = /^\{\d+(,\d*)?\}$/.test(body);
      out += isQuantifier ? body : c;
      i += isQuantifier ? body.length : 1;
      quantified = isQuantifier;
      if (isQuantifier && source[i] === '?') {
        out += '?';
        i++;
        quantified = false;
      }
    } else {
      out += ci ? wrapCases(c) : c;
      i++;
    }
  }
  return out;
}

/** A literal letter of a case-insensitive group as a class of its two cases. */
function wrapCases(c: string): string {
  const both = bothCases(c);
  return both.length === 2 ? `[${both}]` : c;
}
