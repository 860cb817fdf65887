// Peer: the `names` step in plain C (names-step.c beside this file, MicroGPT-C's loop structure), `impl: c`. Built
// at bench time with `cc -O3 -march=native` into a cache folder keyed by the source's hash (CC picks another
// compiler); without a compiler the row is skipped with one line on stderr. A folder index, as peers/pytorch.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { progress } from '../../harness';

export const C_IMPL = 'c';

const SOURCE = fileURLToPath(new URL('./names-step.c', import.meta.url));
const CACHE = process.env.MICROGPT_BENCH_CACHE ?? join(tmpdir(), 'microgpt-bench');
const RUN_TIMEOUT_MS = 10 * 60 * 1000;

let built: string | null | undefined;

/**
 * The path of the built names-step binary, compiling it first when the cache has none for this source; null
 * (with a note on stderr) when there is no compiler or it fails. Built once per process.
 */
export function namesStepBinary(): string | null {
  if (built !== undefined) return built;
  const compiler = process.env.CC ?? 'cc';
  const source = readFileSync(SOURCE);
  const binary = join(CACHE, `names-step-${createHash('sha256').update(source).update(compiler).digest('hex').slice(0, 16)}`);
  if (existsSync(binary)) return (built = binary);
  if (spawnSync(compiler, ['--version'], { stdio: 'ignore' }).status !== 0) {
    progress(`bench: no C compiler ('${compiler}' does not run; set CC to use another): skipping the c rows`);
    return (built = null);
  }
  mkdirSync(CACHE, { recursive: true });
  const partial = `${binary}.${process.pid}.partial`; // renamed when complete, so a killed build leaves no binary
  const compile = spawnSync(compiler, ['-O3', '-march=native', '-o', partial, SOURCE, '-lm'], { encoding: 'utf8' });
  if (compile.status !== 0) {
    progress(`bench: ${compiler} -O3 -march=native ${SOURCE} failed: skipping the c rows\n${compile.stderr.trim()}`);
    return (built = null);
  }
  renameSync(partial, binary);
  return (built = binary);
}

/** What `names-step train` prints. */
export interface CNamesRun {
  /** Median tokens/s (counted targets) over chunks of 500 steps after 200 warm-up steps. */
  readonly tokensPerSecond: number;
  /** Tokens per second of the process's CPU time over every step after the warm-up (steadier on a shared machine). */
  readonly tokensPerCpuSecond: number;
  readonly firstLoss: number;
  /** Mean loss of the last 100 steps. */
  readonly lastLoss: number;
}

/**
 * Runs `names-step` with `args` and returns its stdout.
 * @throws {Error} naming the command and its stderr when it fails.
 */
export function runNamesStep(binary: string, args: readonly string[]): string {
  const child = spawnSync(binary, args, { encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  if (child.status !== 0) throw new Error(`names-step ${args.join(' ')} failed (${String(child.status ?? child.signal)}): ${child.stderr.trim()}`);
  return child.stdout;
}

/**
 * Trains the C `names` step `steps` steps on the names file at `dataPath` (its own init and document order, from
 * `seed`); null when there is no compiler.
 */
export function runCNames(dataPath: string, steps: number, seed: number): CNamesRun | null {
  const binary = namesStepBinary();
  if (binary === null) return null;
  const line = JSON.parse(runNamesStep(binary, ['train', dataPath, String(steps), String(seed)])) as { tokens_per_s: number; tokens_per_cpu_s: number; first_loss: number; last_loss: number };
  return { tokensPerSecond: line.tokens_per_s, tokensPerCpuSecond: line.tokens_per_cpu_s, firstLoss: line.first_loss, lastLoss: line.last_loss };
}
