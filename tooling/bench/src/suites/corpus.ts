// Corpora larger than memory through the CLI: `data prepare` then a few `train` steps on corpora of 10 MB, 100 MB
// (and more: MICROGPT_BENCH_CORPUS_MB=10,100,1000) made from Tiny Shakespeare repeated with variations (each copy
// rotated by a different line offset, every 7th line with its letters' case swapped, so the char vocabulary stays
// 65). Rows: each command's peak RSS (its own process, read by the CLI's RSS preload), tokenizing MB/s beside the
// same tokenizer's encode MB/s in this process, and the cost of reading one random window of a token file. The
// corpora are written to a temporary folder and removed; the CLI must be built (`pnpm --filter @microgpt/cli build`).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openTokenFile } from '@microgpt/model/node';
import { tokenizerFromJSON } from '@microgpt/tokenizer';
import { type Emit, type Measurement, progress } from '../harness';
import { datasetText } from './data';
import type { Suite } from './suite';

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const CLI = join(REPO_ROOT, 'apps', 'cli', 'dist', 'cli.js');
const RSS_PRELOAD = join(REPO_ROOT, 'apps', 'cli', 'test', 'rss.mjs');
const TRAIN_STEPS = 5;
const R50K = createRequire(import.meta.url).resolve('gpt-tokenizer/data/r50k_base.tiktoken');
const WINDOW_READS = 2000;

function row(name: string, impl: string, metric: string, value: number, unit: string): Measurement {
  return { suite: 'corpus', name, impl, threads: 1, metric, value, unit };
}

/** Writes `megabytes` MB of varied Tiny Shakespeare to `path`, one copy at a time (constant memory). */
function writeCorpus(path: string, text: string, megabytes: number): void {
  const lines = text.split('\n');
  const target = megabytes * 1e6;
  const swap = (line: string): string => line.replace(/[a-zA-Z]/g, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase()));
  const fd = openSync(path, 'w');
  try {
    for (let bytes = 0, copy = 0; bytes < target; copy++) {
      const offset = (copy * 997) % lines.length;
      const rotated = [...lines.slice(offset), ...lines.slice(0, offset)];
      const piece = Buffer.from(`${rotated.map((line, i) => ((i + copy) % 7 === 0 ? swap(line) : line)).join('\n')}\n`);
      const n = Math.min(piece.length, target - bytes);
      writeSync(fd, piece, 0, n);
      bytes += n;
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs the CLI with `args`; returns its wall seconds and peak RSS in MB. */
function cli(args: readonly string[], dir: string): { seconds: number; rssMb: number; stdout: string } {
  const rssFile = join(dir, 'rss.txt');
  const started = performance.now();
  const result = spawnSync(process.execPath, ['--import', RSS_PRELOAD, CLI, ...args], { env: { ...process.env, MICROGPT_TEST_RSS_FILE: rssFile, MICROGPT_CACHE: join(dir, 'cache') }, encoding: 'utf8', maxBuffer: 1 << 26 });
  const seconds = (performance.now() - started) / 1000;
  if (result.status !== 0) throw new Error(`corpus bench: microgpt ${args.join(' ')} failed (${result.status}):\n${result.stderr}`);
  return { seconds, rssMb: Math.round(Number(readFileSync(rssFile, 'utf8')) / 1024), stdout: result.stdout };
}

/** Encode MB/s of the tokenizer in `tokenizerPath` on `text` in this process (median of 3 passes after one warm-up). */
function encodeMbPerSecond(tokenizerPath: string, text: string): number {
  const tokenizer = tokenizerFromJSON(JSON.parse(readFileSync(tokenizerPath, 'utf8')) as object);
  const bytes = Buffer.byteLength(text);
  tokenizer.encode(text);
  const rates = [0, 1, 2].map(() => {
    const start = performance.now();
    tokenizer.encode(text);
    return bytes / 1e6 / ((performance.now() - start) / 1000);
  });
  return rates.sort((a, b) => a - b)[1]!;
}

/** Microseconds to read one random window of 257 ids (blockSize 256 + 1) through a read window of `windowTokens`. */
function windowReadMicros(path: string, windowTokens: number): number {
  const reader = openTokenFile(path, { windowTokens });
  const out = new Int32Array(257);
  let state = 1;
  const start = performance.now();
  for (let i = 0; i < WINDOW_READS; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    reader.read(Math.floor((state / 4294967296) * (reader.length - out.length)), out);
  }
  const micros = ((performance.now() - start) * 1000) / WINDOW_READS;
  reader.close();
  return micros;
}

/** Every row of the suite; synchronous, since each command runs to its end before the next. */
function measure(emit: Emit): void {
  const text = datasetText('tinyshakespeare.txt');
  if (text === null) return;
  if (!existsSync(CLI)) throw new Error(`corpus bench: ${CLI} is missing; run \`pnpm --filter @microgpt/cli build\` first`);
  const sizes = (process.env.MICROGPT_BENCH_CORPUS_MB ?? '10,100').split(',').map(Number);
  const dir = mkdtempSync(join(tmpdir(), 'microgpt-bench-corpus-'));
  try {
    for (const mb of sizes) {
      const name = `${mb}mb`;
      const corpus = join(dir, `corpus-${name}.txt`);
      progress(`corpus: writing ${mb} MB of varied Tiny Shakespeare…`);
      writeCorpus(corpus, text, mb);
      const out = join(dir, `corpus-${name}.bin`);
      progress(`corpus: data prepare ${name} (char)…`);
      const prepare = cli(['data', 'prepare', '--input', corpus, '--tokenizer', 'char', '--out', out, '--json'], dir);
      const record = JSON.parse(prepare.stdout) as { mb_per_s: number; tokens: number; val_tokens: number };
      emit(row(`prepare-${name}`, 'char', 'peak_rss', prepare.rssMb, 'MB'));
      emit(row(`prepare-${name}`, 'char', 'seconds', prepare.seconds, 's'));
      emit(row(`prepare-${name}`, 'char', 'tokenize', record.mb_per_s, 'MB/s'));
      emit(row(`prepare-${name}`, 'char', 'tokens', record.tokens + record.val_tokens, 'tokens'));
      progress(`corpus: train ${TRAIN_STEPS} steps on ${name}…`);
      const train = cli(['train', '--data', out, '--preset', 'shakespeare-cpu', '--steps', String(TRAIN_STEPS), '--eval-every', '0', '--samples', '0', '--out', join(dir, `run-${name}`), '--json'], dir);
      emit(row(`train-${name}`, 'char', 'peak_rss', train.rssMb, 'MB'));
      emit(row(`train-${name}`, 'char', 'seconds', train.seconds, 's'));
      for (const windowTokens of [1 << 20, 2048]) emit(row(`window-read-${name}`, `window-${windowTokens}`, 'per_window', windowReadMicros(out, windowTokens), 'us'));
      if (mb === sizes[0]) {
        emit(row('encode-1mb', 'char', 'encode', encodeMbPerSecond(out.replace(/\.bin$/, '.tokenizer.json'), text.slice(0, 1 << 20)), 'MB/s'));
        // GPT-2 (r50k_base, the ranks gpt-tokenizer ships): the tokenizer suite's encode benchmark, through prepare.
        progress(`corpus: data prepare ${name} (gpt2)…`);
        const gpt2 = join(dir, `corpus-${name}-gpt2.bin`);
        const record2 = JSON.parse(cli(['data', 'prepare', '--input', corpus, '--tokenizer', R50K, '--out', gpt2, '--json'], dir).stdout) as { mb_per_s: number };
        emit(row(`prepare-${name}`, 'gpt2', 'tokenize', record2.mb_per_s, 'MB/s'));
        emit(row('encode-1mb', 'gpt2', 'encode', encodeMbPerSecond(gpt2.replace(/\.bin$/, '.tokenizer.json'), text.slice(0, 1 << 20)), 'MB/s'));
      }
      rmSync(corpus, { force: true });
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const corpusSuite: Suite = {
  name: 'corpus',
  description: 'data prepare + train on 10 MB and 100 MB corpora (MICROGPT_BENCH_CORPUS_MB): peak RSS, tokenizing MB/s, random-window reads',
  run: (emit) => {
    measure(emit);
    return Promise.resolve();
  },
};
