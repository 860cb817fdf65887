// The polynomial side of backtracking: every accepted pattern (built-in, published, and those of the test suites)
// splits 100 KB of adversarial text (runs of one class, alternations of classes that start and abandon matches)
// within a generous per-case hang bound, and covers it exactly. compileSplitPattern rules out exponential and
// higher-degree polynomial backtracking by construction; a pattern with one repeat before a part that can fail
// (`\s*[\r\n]`) is checked here on the inputs that would make it quadratic if no other alternative took the run.
import { fuzzSettings } from '@microgpt/fuzz';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ACCEPTED_PATTERNS } from './accepted-patterns';
import { compileSplitPattern } from './check-pattern';
import { splitChunks } from './split-chunks';

const SIZE = 100_000;
/** Seconds one pattern may take on one 100 KB text; linear splitting takes milliseconds. */
const HANG_BOUND_MS = 5_000;

/** `block` repeated to SIZE UTF-16 units (whole blocks). */
const repeated = (block: string): string => block.repeat(Math.ceil(SIZE / block.length));

/** One representative of each character class the patterns distinguish. */
const CLASS_SAMPLES = [' ', '\t', '\n', '\r', 'a', 'A', 'ª', '\u0301', '1', "'", '!', '/', 'é', '😀', '\u0085', 'x'];

const ADVERSARIAL: Readonly<Record<string, string>> = {
  spaces: repeated(' '),
  'spaces then a letter': `${' '.repeat(SIZE)}a`,
  'spaces then a newline': `${' '.repeat(SIZE)}\n`,
  apostrophes: repeated("'"),
  digits: repeated('1'),
  'upper case': repeated('A'),
  'modifier letters (upper and lower at once)': repeated('ª'),
  'combining marks': repeated('\u0301'),
  'punctuation then newlines': repeated('!\n'),
  "contraction starts ('s without a letter before)": repeated(" 's"),
  'alternating space and letter': repeated(' a'),
  'alternating tab and newline': repeated('\t\n'),
  'alternating digit and letter': repeated('1a'),
  'upper, lower, apostrophe': repeated("Aa'"),
  'whitespace runs ending in a letter': repeated(`${' '.repeat(99)}a`),
};

function checkSplit(source: string, text: string): void {
  const regex = compileSplitPattern(source, 'test');
  const started = performance.now();
  let joined = '';
  splitChunks(regex, text, 0, 'test', (chunk) => {
    joined += chunk;
  });
  const ms = performance.now() - started;
  expect(joined === text, 'the chunks join back to the text').toBe(true);
  expect(ms, `split time in ms (hang bound ${HANG_BOUND_MS})`).toBeLessThan(HANG_BOUND_MS);
}

describe.each(Object.entries(ACCEPTED_PATTERNS))('%s', (_, source) => {
  it.each(Object.entries(ADVERSARIAL))('splits 100 KB of %s quickly and completely', (__, text) => {
    checkSplit(source, text);
  });

  it('splits 100 KB of any short block of class samples, repeated, quickly and completely', () => {
    const block = fc.array(fc.constantFrom(...CLASS_SAMPLES), { minLength: 1, maxLength: 6 }).map((parts) => parts.join(''));
    fc.assert(
      fc.property(block, (b) => {
        checkSplit(source, repeated(b));
      }),
      fuzzSettings(4),
    );
  });
});
