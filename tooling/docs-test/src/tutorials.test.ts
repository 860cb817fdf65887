// Every code block of docs/tutorials, run in order in an empty folder against the packed packages, the way a
// reader runs them; the outputs are checked loosely (shapes of the lines the tutorial shows, that losses fell)
// and exactly where the tutorial claims exactness (a loaded checkpoint's sample, microgpt.py's first loss).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { type TutorialRun, missingShownLines, runTutorial } from './run-tutorial';
import { REPO_ROOT } from './workspace';

const tarballs = inject('tarballs');
const work: string[] = [];
afterAll(() => {
  for (const dir of work) rmSync(dir, { recursive: true, force: true });
});

function run(name: string): TutorialRun {
  const dir = mkdtempSync(join(tmpdir(), `microgpt-tutorial-${name}-`));
  work.push(dir);
  return runTutorial(readFileSync(join(REPO_ROOT, 'docs', 'tutorials', `${name}.md`), 'utf8'), dir, tarballs);
}

function outputOf(result: TutorialRun, command: string): string {
  const found = result.commands.find((c) => c.command === command);
  if (found === undefined) throw new Error(`the tutorial has no command \`${command}\` (found: ${result.commands.map((c) => c.command).join('; ')})`);
  return found.output;
}

const numbers = (text: string, pattern: RegExp): number[] => [...text.matchAll(pattern)].map((m) => Number(m[1]));

describe('Building your first model', () => {
  let result: TutorialRun;
  let library = '';
  let walk = '';
  beforeAll(() => {
    result = run('first-model');
    library = outputOf(result, 'node first-model.mjs');
    walk = outputOf(result, 'node from-microgpt-py.mjs');
  });

  it('prints every line the tutorial shows, up to its numbers and samples', () => {
    expect(missingShownLines(result, 'first-model.mjs', library, /^(temperature|the loaded model)/)).toEqual([]);
    expect(missingShownLines(result, 'from-microgpt-py.mjs', walk, /^sample /)).toEqual([]);
  });

  it('tokenizes, counts parameters, and trains with a falling training and validation loss', () => {
    expect(library).toContain('vocabulary: 27 tokens (BOS = 26)');
    expect(library).toContain('parameters: 26,816');
    const train = numbers(library, /^step \d+\/300: loss ([\d.]+)/gm);
    const val = numbers(library, /validation loss ([\d.]+)/gm);
    expect(train).toHaveLength(4);
    expect(val).toHaveLength(3);
    expect(train[0]).toBeGreaterThan(Math.log(27) - 0.1);
    expect(val.at(-1)!).toBeLessThan(train[0]! - 0.8);
    expect(val.at(-1)!).toBeLessThan(val[0]!);
  });

  it('samples five names per setting, and the loaded checkpoint gives the same sample for the same seed', () => {
    const rows = [...library.matchAll(/^temperature [^:]+: (.+)$/gm)].map((m) => m[1]!.split(' '));
    expect(rows).toHaveLength(3);
    for (const row of rows) expect(row.every((n) => /^[a-z]+$/.test(n))).toBe(true);
    expect(library).toContain('loaded: step 300, 26,816 parameters, vocabulary 27');
    expect(/the loaded model, seed 0, temperature 0\.5: (\S+)/.exec(library)?.[1]).toBe(rows[0]![0]);
  });

  it('the Value engine and the tensors give the same losses, and microgpt.py runs exactly', () => {
    const scalar = /Value engine: loss ([\d.]+) → ([\d.]+)/.exec(walk);
    expect(Number(scalar?.[2])).toBeLessThan(Number(scalar?.[1]));
    expect(Number(/largest difference from the Value engine ([\d.e-]+)/.exec(walk)?.[1])).toBeLessThan(1e-12);
    expect(walk).toContain('num params: 4192');
    expect(walk).toContain('step    1 /  100 | loss 3.3660'); // microgpt.py's first loss with seed 42
    expect(walk.match(/^sample +\d: [a-z]+$/gm)).toHaveLength(5);
  });

  it('the CLI trains the same model, and samples from and describes the checkpoint the library saved', () => {
    const train = outputOf(result, 'npx microgpt train --preset names --data names.txt --n-layer 2 --n-embd 32 --batch 16 --steps 300 --out runs/names --samples 5 --log-every 100');
    expect(train).toContain('26,816 parameters');
    expect(train).toMatch(/done: step 300, loss [\d.]+, val loss [\d.]+/);
    expect(Number(/val loss ([\d.]+)/.exec(train)?.[1])).toBeLessThan(Math.log(27) - 0.6);
    const samples = outputOf(result, 'npx microgpt sample --ckpt checkpoints/names --n 3 --temperature 0.5').trim().split('\n');
    expect(samples.filter((line) => /^[a-z]+$/.test(line))).toHaveLength(3);
    expect(outputOf(result, 'npx microgpt info --ckpt checkpoints/names')).toMatch(/parameters 26,816 \(float32\)/);
  });
});

describe('Custom tokenization', () => {
  let result: TutorialRun;
  let output = '';
  beforeAll(() => {
    result = run('custom-tokenization');
    output = outputOf(result, 'node tokenization.mjs');
  });

  it('prints every line the tutorial shows, up to its numbers and samples', () => {
    expect(missingShownLines(result, 'tokenization.mjs', output, /^the BPE model/)).toEqual([]);
  });

  it('compares the three tokenizers: vocabulary, tokens per character, round trips', () => {
    expect(output).toMatch(/^char vocabulary +\d+, +200,000 tokens, 1\.000 tokens per character, round trip true$/m);
    expect(output).toMatch(/^word vocabulary 2000, .* round trip false$/m);
    expect(output).toMatch(/^bpe +vocabulary +512, .* round trip true$/m);
  });

  it('trains a model on each, and every validation loss is below its first loss', () => {
    const rows = [...output.matchAll(/^(\w+) +loss ([\d.]+) → val ([\d.]+) per token = ([\d.]+) bits per character$/gm)];
    expect(rows.map((r) => r[1])).toEqual(['char', 'word', 'bpe']);
    for (const row of rows) expect(Number(row[3])).toBeLessThan(Number(row[2]) - 0.5);
  });

  it('keeps the special-token policy, reloads both file formats, loads GPT-2 and round-trips UTF-8', () => {
    expect(output).toMatch(/default policy: encode: special token '<\|speaker\|>' at index 0 is not allowed/);
    expect(output).toContain('both decode back: true');
    expect(output).toContain('reloaded from bpe.json: same ids true; from tokenizer.json: same ids true');
    expect(output).toContain("GPT-2: vocabulary 50257, 'Hello world<|endoftext|>' → [15496, 995, 50256]");
    expect(output.match(/round trip true$/gm)!.length).toBeGreaterThanOrEqual(4);
    expect(output).toContain("unknown character 'ж' (U+0436)");
  });
});
