// Random command lines: every command with random subsets of its flags, each given a hostile or ordinary value
// (negative, zero, huge, non-numeric, empty; missing, binary, empty and damaged files; a folder where a file
// belongs). Every run must end with exit 0, 1 or 2 within a time bound and a memory bound, without a stack
// trace, and never exit 0 having printed NaN. Values that make a valid but long computation (a billion steps)
// are left out: that is work asked for, not a hang.
import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { fuzzSettings } from '@microgpt/fuzz';
import fc from 'fast-check';
import { beforeAll, describe, expect, it } from 'vitest';
import { CLI, cliEnv, namesFile, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const RSS_PRELOAD = fileURLToPath(new URL('./rss.mjs', import.meta.url));
/** A command line may run this long before it counts as a hang. */
const HANG_MS = 45_000;
/** Peak resident memory above this counts as an unchecked allocation (the wasm backend and Node need ~150 MB). */
const MAX_RSS_KIB = 1536 * 1024;

/** The fixtures, made once; each case gets its own copy, so no case sees what another wrote. */
const FIXTURES = join(dir, 'fixtures');
const file = (name: string): string => join(FIXTURES, name);
/** Paths as a case sees them: relative to its working folder, which holds a copy of the fixtures. */
const rel = (name: string): string => join('fixtures', name);
const FILES = {
  text: rel('names.txt'),
  binary: rel('binary.bin'),
  empty: rel('empty.txt'),
  missing: rel('missing.txt'),
  folder: rel('a-folder'),
  run: rel('run'),
  damaged: rel('damaged'),
  tokenizer: rel('tokenizer.json'),
  ids: rel('ids.txt'),
};
const MADE = {
  text: file('names.txt'),
  binary: file('binary.bin'),
  empty: file('empty.txt'),
  folder: file('a-folder'),
  run: file('run'),
  damaged: file('damaged'),
  tokenizer: file('tokenizer.json'),
  ids: file('ids.txt'),
};

beforeAll(async () => {
  mkdirSync(MADE.folder, { recursive: true });
  cpSync(namesFile(dir), MADE.text);
  writeFileSync(MADE.binary, Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 7919) % 256)));
  writeFileSync(MADE.empty, '');
  writeFileSync(MADE.ids, '1 2 3 -1 99999999');
  const trained = await runCli(['train', '--data', MADE.text, '--steps', '5', '--samples', '0', '--out', MADE.run], { env });
  expect(trained.code).toBe(0);
  cpSync(join(MADE.run, 'checkpoint-5'), MADE.damaged, { recursive: true });
  truncateSync(join(MADE.damaged, 'model.safetensors'), 100);
  cpSync(join(MADE.run, 'checkpoint-5', 'tokenizer.json'), MADE.tokenizer);
}, 120_000);

const PATHS = Object.values(FILES);
const COUNT_BAD = ['0', '-1', '1.5', 'abc', '', 'NaN'];
const COUNT = ['1', '2', '3'];
const SIZE_BAD = [...COUNT_BAD, '1e9', '100000000', '99999999999999999999', '65537'];
const REAL = ['0.5', '1', '0.01'];
const REAL_BAD = ['0', '-1', '1e308', 'NaN', '-0', 'abc', '1e-320', 'Infinity'];
// (argv cannot hold NUL, so control characters stand in for binary text)
const TEXT = ['', 'ab', 'emma', '\u0001\u007f', '😀é', 'x'.repeat(5000), '<|bos|>', '-1'];
const FLAG: [string[], string[]] = [[''], []];

/** A flag's values: ordinary ones (most draws, so runs get past the parser) and hostile ones. */
type Values = readonly [ok: readonly string[], bad: readonly string[]];

/** Each command's words, its required flags, its other flags (a value of '' after a flag-only option: no value). */
interface CommandSpec {
  readonly words: readonly string[];
  readonly required?: Readonly<Record<string, Values>>;
  readonly flags: Readonly<Record<string, Values>>;
  /** Put before the random flags, so a random flag of the same name wins. */
  readonly defaults?: readonly string[];
}

const BACKEND: Values = [['js', 'wasm', 'blas', 'auto'], ['cuda']];
const THREADS: Values = [['1', '2'], ['0', '100000', 'x']];
const COMMANDS: Record<string, CommandSpec> = {
  train: {
    words: ['train'],
    // The preset's own step count could take minutes on shakespeare-cpu.
    defaults: ['--steps', '3', '--samples', '1'],
    flags: {
      '--preset': [['names', 'microgpt', 'shakespeare-cpu', 'shakespeare-char'], ['bogus']],
      '--data': [[FILES.text, 'names'], [...PATHS, 'shakespeare']],
      '--steps': [COUNT, COUNT_BAD],
      '--batch': [COUNT, SIZE_BAD],
      '--lr': [REAL, REAL_BAD],
      '--seed': [COUNT, SIZE_BAD],
      '--dtype': [['float32', 'float64'], ['float16']],
      '--resume': [[FILES.run], [FILES.damaged, FILES.missing, FILES.folder, FILES.text]],
      '--eval-every': [COUNT, COUNT_BAD],
      '--ckpt-every': [COUNT, COUNT_BAD],
      '--log-every': [COUNT, COUNT_BAD],
      '--temperature': [REAL, REAL_BAD],
      '--n-layer': [COUNT, SIZE_BAD],
      '--n-head': [COUNT, SIZE_BAD],
      '--n-embd': [['4', '8', '16'], SIZE_BAD],
      '--block-size': [['4', '8', '32'], SIZE_BAD],
      '--dropout': [['0', '0.1'], REAL_BAD],
      '--activation': [['gelu', 'relu', 'silu'], ['bogus']],
      '--norm': [['rmsnorm', 'layernorm'], ['x']],
      '--pos-emb': [['none', 'learned'], ['x']],
      '--tokenizer': [['char', 'word', 'bpe', FILES.tokenizer], [FILES.missing, FILES.binary, FILES.folder, 'gpt2', 'cl100k_base']],
      '--vocab-size': [['20', '300'], SIZE_BAD],
      '--backend': BACKEND,
      '--threads': THREADS,
      '--keep-checkpoints': [COUNT, COUNT_BAD],
      '--overwrite': FLAG,
      '--json': FLAG,
      '--compat': [['microgpt.py'], ['x']],
      '--grad-accum': [COUNT, SIZE_BAD],
      '--init-from': [[FILES.run], [FILES.damaged, FILES.missing, FILES.folder, FILES.text]],
      '--freeze': [['embeddings', 'layers:0', 'embeddings,layers:0-1'], ['x', 'layers:9', 'layers:1-0', '', ',']],
      '--schedule': [['constant', 'linear', 'cosine'], ['x']],
    },
  },
  sample: {
    words: ['sample'],
    required: { '--ckpt': [[FILES.run], PATHS] },
    flags: {
      '--prompt': [['emma', 'a'], TEXT],
      '--n': [COUNT, COUNT_BAD],
      '--max-tokens': [COUNT, COUNT_BAD],
      '--temperature': [REAL, REAL_BAD],
      '--top-k': [COUNT, SIZE_BAD],
      '--top-p': [REAL, REAL_BAD],
      '--beam': [COUNT, SIZE_BAD],
      '--seed': [COUNT, SIZE_BAD],
      '--backend': BACKEND,
      '--threads': THREADS,
      '--json': FLAG,
    },
  },
  eval: {
    words: ['eval'],
    required: { '--ckpt': [[FILES.run], PATHS] },
    flags: { '--data': [[FILES.text], PATHS], '--split': [['train', 'val'], ['x']], '--batches': [COUNT, COUNT_BAD], '--backend': BACKEND, '--threads': THREADS, '--json': FLAG },
  },
  info: { words: ['info'], required: { '--ckpt': [[FILES.run], PATHS] }, flags: { '--json': FLAG } },
  quantize: {
    words: ['quantize'],
    required: { '--ckpt': [[FILES.run], PATHS], '--scheme': [['int8', 'int8-asym', 'int4', 'int4-asym', 'fp16', 'bf16'], ['int2']], '--out': [['quantized'], [FILES.run, FILES.text, FILES.folder]] },
    flags: { '--per-tensor': FLAG, '--no-embeddings': FLAG, '--activations': [['int16', 'float'], ['x']], '--json': FLAG },
  },
  'tokenizer train': {
    words: ['tokenizer', 'train'],
    required: { '--type': [['char', 'word', 'bpe'], ['x']], '--input': [[FILES.text], PATHS], '--out': [['tok.json'], [FILES.folder, FILES.text]] },
    flags: { '--vocab-size': [['20', '300'], SIZE_BAD], '--pattern': [['none', 'gpt2', 'gpt4', '[a-z]+'], ['x*', '(a|a)+$', '(', '']], '--special': [['<|bos|>'], ['', 'a']] },
  },
  'tokenizer encode': {
    words: ['tokenizer', 'encode'],
    required: { '--tokenizer': [[FILES.tokenizer], [...PATHS, 'gpt2', 'char']] },
    flags: { '--text': [['emma'], TEXT], '--input': [[FILES.text], PATHS], '--allow-special': FLAG, '--json': FLAG },
  },
  'tokenizer decode': {
    words: ['tokenizer', 'decode'],
    required: { '--tokenizer': [[FILES.tokenizer], [...PATHS, 'gpt2']] },
    flags: { '--text': [['1 2 3', '[1,2]', '{"ids":[1]}'], ['-1', '1e9', 'x', '', '[[[[1]]]]', '1.5']], '--input': [[FILES.ids], PATHS], '--json': FLAG },
  },
  'data get': { words: ['data', 'get', 'names'], flags: { '--force': FLAG, '--json': FLAG } },
  'data prepare': {
    words: ['data', 'prepare'],
    required: { '--input': [[FILES.text, FILES.folder, '-'], [FILES.binary, FILES.empty, FILES.missing]], '--tokenizer': [['char', 'word', 'bpe', FILES.tokenizer], [FILES.missing, FILES.binary, 'x']], '--out': [['data.bin'], [FILES.folder, FILES.text, 'data.txt']] },
    flags: { '--vocab-size': [['20', '300'], SIZE_BAD], '--val-fraction': [['0', '0.1', '0.5'], ['1', '-0.1', 'x', 'NaN']], '--documents': FLAG, '--sample-mb': [COUNT, SIZE_BAD], '--json': FLAG },
  },
};

/** `arb` `present` times in `present + absent`, else null. */
const sometimes = <T>(arb: fc.Arbitrary<T>, absent: number, present = 1): fc.Arbitrary<T | null> => fc.oneof({ weight: absent, arbitrary: fc.constant(null) }, { weight: present, arbitrary: arb });

/** A flag with a value: an ordinary one three times in four (when it has any), else a hostile one. */
function flagWithValue(flag: string, [ok, bad]: Values): fc.Arbitrary<string[]> {
  const pick = (values: readonly string[]): fc.Arbitrary<string[]> => fc.constantFrom(...values).map((value) => (values === FLAG[0] ? [flag] : [flag, value]));
  if (bad.length === 0) return pick(ok);
  return fc.oneof({ weight: 3, arbitrary: pick(ok) }, { weight: 1, arbitrary: pick(bad) });
}

/** A random command line: a command, its required flags, a few other flags (one in five), sometimes a stray word. */
const commandLine = fc.constantFrom(...Object.keys(COMMANDS)).chain((name) => {
  const spec = COMMANDS[name]!;
  const required = Object.entries(spec.required ?? {}).map(([flag, values]) => sometimes(flagWithValue(flag, values), 1, 19));
  const optional = Object.entries(spec.flags).map(([flag, values]) => sometimes(flagWithValue(flag, values), 4));
  const stray = sometimes(fc.constantFrom(['--bogus'], ['extra-word'], ['--steps']), 12);
  return fc.tuple(fc.tuple(...required), fc.tuple(...optional), stray).map(([req, opt, extra]) => [...spec.words, ...(spec.defaults ?? []), ...[...req, ...opt].flatMap((f) => f ?? []), ...(extra ?? [])]);
});

let caseNumber = 0;

/** Runs one command line in a fresh working folder (its default --out lands there) and checks how it ended. */
async function check(args: string[]): Promise<void> {
  const cwd = join(dir, `case-${caseNumber++}`);
  cpSync(FIXTURES, join(cwd, 'fixtures'), { recursive: true });
  const rssFile = join(cwd, '.rss');
  const child = spawn(process.execPath, ['--import', RSS_PRELOAD, CLI, ...args], { cwd, env: { ...env, MICROGPT_TEST_RSS_FILE: rssFile } });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stdin.end();
  const timer = setTimeout(() => child.kill('SIGKILL'), HANG_MS);
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) => child.on('close', (c, s) => { resolve([c, s]); }));
  clearTimeout(timer);
  const shown = `microgpt ${args.map((a) => JSON.stringify(a)).join(' ')}\n${output.slice(-2000)}`;
  expect(signal, `${shown}\nended by a signal (a hang killed after ${HANG_MS} ms, or a crash)`).toBeNull();
  expect([0, 1, 2], shown).toContain(code);
  expect(output, shown).not.toMatch(/internal error|\n\s+at .+:\d+:\d+/);
  if (code === 0) expect(output, `${shown}\nexit 0 with NaN`).not.toMatch(/\bNaN\b/);
  expect(existsSync(rssFile), shown).toBe(true);
  expect(Number(readFileSync(rssFile, 'utf8')), `${shown}\npeak RSS (KiB)`).toBeLessThan(MAX_RSS_KIB);
  rmSync(cwd, { recursive: true, force: true });
}

describe('command-line fuzz', () => {
  it('every random command line ends cleanly: exit 0/1/2, no trace, no hang, bounded memory, no NaN success', async () => {
    await fc.assert(fc.asyncProperty(commandLine, check), { ...fuzzSettings(24), endOnFailure: true });
  }, 1_800_000);
});
