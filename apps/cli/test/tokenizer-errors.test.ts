// The tokenizer commands' messages for user mistakes: each names the flag or file at fault with a hint about that
// flag (not the generic "the text must be encodable"), and none prints a stack trace.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, runCli, tempDir, writeText } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const corpus = join(dir, 'corpus.txt');
writeText(corpus, 'the quick brown fox jumps over the lazy dog\n'.repeat(10));

/** stderr as its error and hint lines, after checking the exit code and that nothing else was printed. */
function userError(result: CliResult, code: number): { error: string; hint: string } {
  expect(result.code).toBe(code);
  expect(result.stderr).not.toContain('internal error');
  const [error, hint, ...rest] = result.stderr.trimEnd().split('\n');
  expect(rest).toEqual([]);
  expect(error).toMatch(/^error: /);
  expect(hint).toMatch(/^hint: /);
  expect(result.stderr).not.toContain('the text must be encodable');
  return { error: error!.slice('error: '.length), hint: hint!.slice('hint: '.length) };
}

const train = (...flags: string[]): Promise<CliResult> => runCli(['tokenizer', 'train', '--input', corpus, '--out', join(dir, 'out.json'), ...flags], { env });

describe('microgpt tokenizer: messages for user mistakes', () => {
  it('a missing --tokenizer file says so and lists what --tokenizer takes, not dataset names', async () => {
    const missing = join(dir, 'no-such-tokenizer.json');
    const { error, hint } = userError(await runCli(['tokenizer', 'encode', '--tokenizer', missing, '--text', 'x'], { env }), 1);
    expect(error).toBe(`--tokenizer ${missing}: no such file`);
    expect(hint).toBe(
      '--tokenizer takes our tokenizer JSON (from `microgpt tokenizer train`), a Hugging Face tokenizer.json, a .tiktoken rank file, or a name: gpt2, cl100k_base, o200k_base',
    );
    expect(hint).not.toContain('dataset');
  });

  it('a --vocab-size too large for BPE, or too small for a word tokenizer, names --vocab-size', async () => {
    const large = userError(await train('--type', 'bpe', '--vocab-size', '100000000'), 2);
    expect(large.error).toBe('--vocab-size 100000000 is too large for BPE: at most 16777216');
    const small = userError(await train('--type', 'word', '--vocab-size', '2', '--special', '<a>', '--special', '<b>'), 2);
    expect(small.error).toBe('--vocab-size 2 is too small for a word tokenizer: it counts <unk> and the --special tokens, 3 ids');
    expect(small.hint).toBe('use --vocab-size 103 or more');
  });

  it('a --pattern that is refused or does not compile names --pattern, the construct and its offset', async () => {
    const refused = userError(await train('--type', 'bpe', '--pattern', '(a|a)+$'), 2);
    expect(refused.error).toMatch(/^--pattern "\(a\|a\)\+\$": split pattern '\(a\|a\)\+\$' is refused: '\(a\|a\)\+' at offset 0 repeats a group/);
    expect(refused.hint).toBe('use --pattern none, gpt2, gpt4 or o200k, or change the regex as the message says');
    const empty = userError(await train('--type', 'word', '--pattern', 'x*'), 2);
    expect(empty.error).toMatch(/^--pattern "x\*": split pattern 'x\*' is refused: it can match the empty string/);
    const invalid = userError(await train('--type', 'bpe', '--pattern', '('), 2);
    expect(invalid.error).toMatch(/^--pattern "\(": split pattern '\(' is not a valid regex with flags 'gu'/);
  });

  it('a repeated --special names --special', async () => {
    const { error, hint } = userError(await train('--type', 'bpe', '--special', '<s>', '--special', '<s>'), 2);
    expect(error).toBe("trainBpe: special token '<s>' is listed twice");
    expect(hint).toBe('give each --special once, as a non-empty text');
  });

  it('decode --text "-1" shows -1, not "token id 1"; other bad ids are shown briefly', async () => {
    const out = join(dir, 'char.json');
    expect((await train('--type', 'char', '--out', out)).code).toBe(0);
    const { error } = userError(await runCli(['tokenizer', 'decode', '--tokenizer', out, '--text', '-1'], { env }), 2);
    expect(error).toBe('"-1" (item 1 of the ids) is not a token id: ids are integers ≥ 0');
    const json = userError(await runCli(['tokenizer', 'decode', '--tokenizer', out, '--text', '[3, -1]'], { env }), 2);
    expect(json.error).toBe('-1 (item 2 of the ids) is not a token id: ids are integers ≥ 0');
    const deep = userError(await runCli(['tokenizer', 'decode', '--tokenizer', out], { env, input: `[${'['.repeat(100_000)}${']'.repeat(100_000)}]` }), 2);
    expect(deep.error).toBe('an array (item 1 of the ids) is not a token id: ids are integers ≥ 0');
    const outside = userError(await runCli(['tokenizer', 'decode', '--tokenizer', out, '--text', '99'], { env }), 1);
    expect(outside.error).toMatch(/^decode: unknown id 99 at position 0; the vocabulary has \d+ ids/);
    expect(outside.hint).toMatch(/^give ids this tokenizer made/);
  });

  it('a tokenizer file with a special-token id of 1e9 names the file and the field', async () => {
    const bad = join(dir, 'huge-special.json');
    writeText(bad, JSON.stringify({ format: 'microgpt-tokenizer', version: 1, kind: 'bpe', pattern: null, merges: [], specialTokens: { '<s>': 1e9 } }));
    const { error, hint } = userError(await runCli(['tokenizer', 'encode', '--tokenizer', bad, '--text', 'x'], { env }), 1);
    expect(error).toBe(
      `--tokenizer ${bad}: fromJSON: "specialTokens["<s>"]" must be an integer id from 256 (after the ordinary tokens) to 65792 (at most 65536 unused ids), found 1000000000`,
    );
    expect(hint).toMatch(/^the file is damaged or not a tokenizer; --tokenizer takes our tokenizer JSON/);
  });
});
