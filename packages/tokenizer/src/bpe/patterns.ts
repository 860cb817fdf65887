// The pre-split regexes of GPT-2, GPT-4 (cl100k) and GPT-4o (o200k), rewritten for V8: `(?i:…)` expanded,
// possessive quantifiers dropped, and `\s` spelled `\p{White_Space}` so JS splits exactly as tiktoken (Rust)
// and Python's `regex` do (JS `\s` also matches U+FEFF and misses U+0085).

// Python's and Rust's `\s` is the Unicode White_Space property; JS's `\s` is a slightly different set.
const S = String.raw`\p{White_Space}`;
const NOT_S = String.raw`\P{White_Space}`;
// `'(?i:[sdmt]|ll|ve|re)` without the inline flag, which V8 rejects.
const CONTRACTION = String.raw`'(?:[sdmtSDMT]|[lL][lL]|[vV][eE]|[rR][eE])`;
const UPPER = String.raw`[\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}]`;
const LOWER = String.raw`[\p{Ll}\p{Lm}\p{Lo}\p{M}]`;

/**
 * Pre-split patterns, as regex sources for `new RegExp(source, 'gu')`.
 * - `gpt2`: GPT-2 / r50k / p50k (tiktoken's form `'(?:[sdmt]|ll|ve|re)|…`, equal to `'s|'t|…`).
 * - `gpt4`: cl100k as in minbpe and tiktoken ≤ 0.7 (`…|\s*[\r\n]|\s+(?!\S)|\s+`). Newer tiktoken writes
 *   `…|\s++$|\s*[\r\n]|\s+(?!\S)|\s`, which differs only for trailing whitespace containing a newline at the
 *   very end of a text ("a\n  " → "a", "\n", "  " here; "a", "\n  " there).
 * - `o200k`: GPT-4o's o200k_base.
 * The possessive quantifiers of the originals are dropped: each is followed by a disjoint class, so
 * backtracking into them can never produce a different match.
 */
export const SPLIT_PATTERNS: Readonly<{
  /** GPT-2's pattern (r50k_base): contractions, letter runs, digit runs, other runs, each with an optional leading space. */
  gpt2: string;
  /** GPT-4's pattern (cl100k_base): case-insensitive contractions, digits in groups of at most 3, newlines apart. */
  gpt4: string;
  /** GPT-4o's pattern (o200k_base). */
  o200k: string;
}> = Object.freeze({
  gpt2: [
    String.raw`'(?:[sdmt]|ll|ve|re)`,
    String.raw` ?\p{L}+`,
    String.raw` ?\p{N}+`,
    String.raw` ?[^${S}\p{L}\p{N}]+`,
    String.raw`${S}+(?!${NOT_S})`,
    String.raw`${S}+`,
  ].join('|'),
  gpt4: [
    CONTRACTION,
    String.raw`[^\r\n\p{L}\p{N}]?\p{L}+`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^${S}\p{L}\p{N}]+[\r\n]*`,
    String.raw`${S}*[\r\n]`,
    String.raw`${S}+(?!${NOT_S})`,
    String.raw`${S}+`,
  ].join('|'),
  o200k: [
    String.raw`[^\r\n\p{L}\p{N}]?${UPPER}*${LOWER}+(?:${CONTRACTION})?`,
    String.raw`[^\r\n\p{L}\p{N}]?${UPPER}+${LOWER}*(?:${CONTRACTION})?`,
    String.raw`\p{N}{1,3}`,
    String.raw` ?[^${S}\p{L}\p{N}]+[\r\n/]*`,
    String.raw`${S}*[\r\n]+`,
    String.raw`${S}+(?!${NOT_S})`,
    String.raw`${S}+`,
  ].join('|'),
});

/** The name of a built-in split pattern. */
export type SplitPatternName = keyof typeof SPLIT_PATTERNS;

/**
 * The regex source for a pattern option: `'none'` or `null` → null (no pre-split), a name of
 * {@link SPLIT_PATTERNS} → its source, anything else is taken as a regex source itself.
 */
export function resolvePattern(pattern: string | null | undefined): string | null {
  if (pattern === undefined || pattern === null || pattern === 'none') return null;
  if (pattern === 'gpt2' || pattern === 'gpt4' || pattern === 'o200k') return SPLIT_PATTERNS[pattern];
  return pattern;
}
