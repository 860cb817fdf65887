// Peer: PyTorch on the CPU (Debian's python3-torch, eager mode), `impl: pytorch`, running our own script
// gpt-bench.py (beside this file) in a child process, one process per thread setting. Import it as
// `peers/pytorch`: this is the folder's index rather than a peers/pytorch.ts, because tsx resolves a specifier
// naming both a file and a folder to the folder.
//
// Threads: PyTorch has two knobs. torch's intra-op threads (`--threads`, torch.set_num_threads) run its own
// kernels; OpenBLAS, which does its matmuls in Debian's build, reads OPENBLAS_NUM_THREADS. OpenBLAS is called from
// torch's calling thread, not from inside its parallel regions, so the two never multiply: a row's `threads` is
// max(torch threads, OpenBLAS threads), the most cores that run can keep busy. Settings that share a count (torch
// 1 × OpenBLAS 2 and torch 2 × OpenBLAS 2 are both `threads: 2`) are told apart by the rows' `torchThreads` and
// `blasThreads`; `bestPytorchRows` keeps the best run per count.
//
// Environment: this machine sets OPENBLAS_CORETYPE and OPENBLAS_L2_SIZE, which force OpenBLAS onto a slow kernel
// for this CPU; the script runs without them. The interpreter: `python3` on PATH may be a pyenv shim without torch
// while apt's torch lives in /usr/bin/python3, so PYTORCH_PYTHON (if set), python3 and /usr/bin/python3 are
// tried in that order.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { type Measurement, progress } from '../../harness';

export const PYTORCH_IMPL = 'pytorch';

/**
/**
 * gpt-bench.py's cases: `shakespeare-cpu` (train), `generate` (impl `pytorch` without a KV cache, `pytorch-kv-cache`
 * with one, for 1 and 16 sequences), `microgpt-py` (train), `quality` (Tiny Shakespeare val loss), `gpt2-124m`
 * (generate with the KV cache from an exported HF folder, `modelPath`).
 */
export type PytorchCase = 'shakespeare-cpu' | 'generate' | 'microgpt-py' | 'quality' | 'gpt2-124m';

/** One thread setting: torch's intra-op threads and OpenBLAS's threads. */
export interface PytorchThreads {
  readonly torch: number;
  readonly blas: number;
}

/** The settings tried by default: torch 1 × OpenBLAS 2, torch 2 × OpenBLAS 2, torch 1 × OpenBLAS 1. */
export const PYTORCH_THREAD_SETTINGS: readonly PytorchThreads[] = [
  { torch: 1, blas: 2 },
  { torch: 2, blas: 2 },
  { torch: 1, blas: 1 },
];

/** What `runPytorch` runs. */
export interface PytorchSettings {
  /** Thread settings, one child process each; default PYTORCH_THREAD_SETTINGS. */
  readonly threads?: readonly PytorchThreads[];
  /** microgpt-py only: a names file (one document per line); without it, random 3–10 letter documents. */
  readonly dataPath?: string;
  /** gpt2-124m only: the Hugging Face GPT-2 folder to load (python/microgpt_torch's reader). */
  readonly modelPath?: string;
  /** torch.manual_seed of the run (gpt-bench.py's --seed); default 1337. */
  readonly seed?: number;
}

/** A row from one run, with the setting that produced it (`threads` = max of the two). */
export interface PytorchMeasurement extends Measurement {
  readonly torchThreads: number;
  readonly blasThreads: number;
}

const SCRIPT = fileURLToPath(new URL('./gpt-bench.py', import.meta.url));
const FORCED_OPENBLAS_SETTINGS = new Set(['OPENBLAS_CORETYPE', 'OPENBLAS_L2_SIZE']);
const LOWER_IS_BETTER = new Set(['ms_per_step', 'train_seconds', 'val_loss']);
const RUN_TIMEOUT_MS = 15 * 60 * 1000;

let torchPython: string | null | undefined;

/** The first interpreter that can `import torch`, or null; probed once. */
function findTorchPython(): string | null {
  if (torchPython === undefined) {
    const candidates = [process.env.PYTORCH_PYTHON, 'python3', '/usr/bin/python3'].filter((c): c is string => !!c);
    const importsTorch = (python: string): boolean =>
      spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
    torchPython = candidates.find(importsTorch) ?? null;
  }
  return torchPython;
}

/** Whether some Python on this machine has torch (see `findTorchPython`); the answer is cached. */
export function hasTorch(): boolean {
  return findTorchPython() !== null;
}

/** The Python that imports torch (PYTORCH_PYTHON, python3, /usr/bin/python3, first that does), or null. */
export function torchPythonPath(): string | null {
  return findTorchPython();
}

/** One stdout line as a measurement row, or undefined if it is not one. */
function parseRow(line: string): Measurement | undefined {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof row !== 'object' || row === null) return undefined;
  const fields = row as Record<string, unknown>;
  const strings = ['suite', 'name', 'impl', 'metric', 'unit'].every((key) => typeof fields[key] === 'string');
  const numbers = typeof fields.threads === 'number' && typeof fields.value === 'number';
  return strings && numbers ? (row as Measurement) : undefined;
}

/** The child's environment: ours without the forced OpenBLAS kernel settings, with its OpenBLAS thread count. */
function scriptEnv(blasThreads: number): NodeJS.ProcessEnv {
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !FORCED_OPENBLAS_SETTINGS.has(key)));
  return { ...env, OPENBLAS_NUM_THREADS: String(blasThreads) };
}

/** Runs one case at one thread setting; returns its rows, or [] after a stderr note if the run fails. */
function runOnce(python: string, caseName: PytorchCase, setting: PytorchThreads, { dataPath, modelPath, seed }: PytorchSettings): PytorchMeasurement[] {
  const label = `pytorch ${caseName} (torch ${setting.torch} × OpenBLAS ${setting.blas} threads)`;
  const args = [SCRIPT, '--case', caseName, '--threads', String(setting.torch)];
  if (dataPath !== undefined) args.push('--data', dataPath);
  if (modelPath !== undefined) args.push('--model', modelPath);
  if (seed !== undefined) args.push('--seed', String(seed));
  const run = spawnSync(python, args, { env: scriptEnv(setting.blas), encoding: 'utf8', timeout: RUN_TIMEOUT_MS });
  const notes = run.stderr.trim().split('\n').filter(Boolean);
  if (run.error !== undefined || run.status !== 0) {
    const why = run.error?.message ?? notes.at(-1) ?? `exit status ${String(run.status)}`;
    progress(`bench: ${label} failed: ${why}`);
    return [];
  }
  for (const note of notes) progress(`bench: ${label}: ${note}`);
  return run.stdout
    .split('\n')
    .filter((line) => line.trim() !== '')
    .flatMap((line) => {
      const row = parseRow(line);
      if (row !== undefined) return [{ ...row, torchThreads: setting.torch, blasThreads: setting.blas }];
      progress(`bench: ${label}: ignoring a line that is not a measurement: ${line}`);
      return [];
    });
}

/**
 * Runs gpt-bench.py's `caseName` once per thread setting and returns every row of every run (suite `train` or
 * `generate`, impl `pytorch`, plus an `rss_mb` row per run).
 *
 * @returns [] (with a note on stderr) when no Python with torch is found; a failed run adds a note and no rows.
 */
export function runPytorch(caseName: PytorchCase, settings: PytorchSettings = {}): PytorchMeasurement[] {
  const python = findTorchPython();
  if (python === null) {
    progress('bench: skipping pytorch: no python3 with torch (apt-get install python3-torch, or set PYTORCH_PYTHON)');
    return [];
  }
  const { threads = PYTORCH_THREAD_SETTINGS } = settings;
  return threads.flatMap((setting) => runOnce(python, caseName, setting, settings));
}

/**
 * For each (suite, name, impl, threads), the rows of the best run among the settings with that thread count — best by
 * the run's first metric other than `rss_mb` (lower for ms_per_step and train_seconds, higher otherwise) — as
 * plain measurements, ready to emit.
 */
export function bestPytorchRows(rows: readonly PytorchMeasurement[]): Measurement[] {
  const runs = new Map<string, PytorchMeasurement[]>();
  for (const row of rows) {
    const key = JSON.stringify([row.suite, row.name, row.impl, row.threads, row.torchThreads, row.blasThreads]);
    runs.set(key, [...(runs.get(key) ?? []), row]);
  }
  const best = new Map<string, { score: number; rows: PytorchMeasurement[] }>();
  for (const run of runs.values()) {
    const headline = run.find((row) => row.metric !== 'rss_mb');
    const first = run[0];
    if (headline === undefined || first === undefined) continue;
    const score = LOWER_IS_BETTER.has(headline.metric) ? -headline.value : headline.value;
    const key = JSON.stringify([first.suite, first.name, first.impl, first.threads]);
    const current = best.get(key);
    if (current === undefined || score > current.score) best.set(key, { score, rows: run });
  }
  const plain = ({ suite, name, impl, threads, metric, value, unit }: PytorchMeasurement): Measurement => ({
    suite,
    name,
    impl,
    threads,
    metric,
    value,
    unit,
  });
  return [...best.values()].flatMap(({ rows: run }) => run.map(plain));
}
