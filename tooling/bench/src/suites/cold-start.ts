// What a user waits for in a fresh process: the built CLI (apps/cli/dist/cli.js) run as a child, beside Node's own
// start-up. Rows (medians of 5 runs after one to warm the file cache):
// - node-startup: `node -e 0`, wall and CPU ms;
// - cli-version: `microgpt --version`, wall ms (imports and start-up, no work);
// - microgpt-py: `microgpt train --compat microgpt.py` on names.txt: the training time the CLI reports
//   (`train_seconds`, impl `cli-cold`), the command's wall seconds and its CPU seconds (user + system, read inside
//   the child at exit: unlike wall time, the CPU time hardly moves when other work shares the machine), beside the
//   same run warmed up in this process (impl `warm`: the median of 5 runs after a first, as the train suite measures
//   it; its `cpu_seconds` cover the whole runMicrogpt call, set-up included, so cold CPU − node's CPU − warm CPU is
//   what a fresh process adds: imports, backend start, JIT warm-up).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { runMicrogpt } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { type Emit, median, progress } from '../harness';
import { datasetPath } from './data';
import type { Suite } from './suite';

const CLI = fileURLToPath(new URL('../../../../apps/cli/dist/cli.js', import.meta.url));
const RUNS = 5;
// Loaded before the CLI with --import: writes the process's CPU seconds to fd 3 as it exits.
const CPU_PROBE = `data:text/javascript,import{writeSync}from'node:fs';process.on('exit',()=>{const u=process.cpuUsage();writeSync(3,String((u.user+u.system)/1e6))})`;

interface ChildRun {
  readonly wallSeconds: number;
  readonly cpuSeconds: number;
  readonly stdout: string;
}

/** Runs `node args` once; throws with its stderr when it fails. */
function runChild(args: readonly string[]): ChildRun {
  const start = performance.now();
  const child = spawnSync(process.execPath, ['--import', CPU_PROBE, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  const wallSeconds = (performance.now() - start) / 1000;
  if (child.status !== 0) throw new Error(`cold-start: node ${args.join(' ')} failed (${String(child.status)}): ${child.stderr.trim().split('\n').at(-1) ?? ''}`);
  return { wallSeconds, cpuSeconds: Number(child.output[3]), stdout: child.stdout };
}

/** The runs after a first (discarded: it fills the file cache). */
function timedRuns(args: readonly string[]): ChildRun[] {
  runChild(args);
  return Array.from({ length: RUNS }, () => runChild(args));
}

function emitMedian(emit: Emit, name: string, impl: string, metric: string, values: readonly number[], unit: string, digits: number): void {
  emit({ suite: 'cold-start', name, impl, threads: 1, metric, value: Number(median(values).toFixed(digits)), unit });
}

/** The `train_seconds` of the `{"done":true,…}` line of a `--json` run. */
function trainSeconds(stdout: string): number {
  const done = stdout.split('\n').find((line) => line.startsWith('{"done":true'));
  if (done === undefined) throw new Error('cold-start: the CLI printed no {"done":true,…} line');
  return (JSON.parse(done) as { train_seconds: number }).train_seconds;
}

export const coldStartSuite: Suite = {
  name: 'cold-start',
  description: 'the built CLI in a fresh process (node start-up, --version, train --compat microgpt.py: wall, CPU and reported training time) beside the warmed-up run',
  async run(emit) {
    if (!existsSync(CLI)) {
      progress(`bench: cold-start: ${CLI} not found; build it first (pnpm --filter @microgpt/cli build). Skipping the suite`);
      return;
    }
    const node = timedRuns(['-e', '0']);
    emitMedian(emit, 'node-startup', 'node', 'wall_ms', node.map((r) => r.wallSeconds * 1000), 'ms', 1);
    emitMedian(emit, 'node-startup', 'node', 'cpu_ms', node.map((r) => r.cpuSeconds * 1000), 'ms', 1);
    const version = timedRuns([CLI, '--version']);
    emitMedian(emit, 'cli-version', 'cli-cold', 'wall_ms', version.map((r) => r.wallSeconds * 1000), 'ms', 1);
    emitMedian(emit, 'cli-version', 'cli-cold', 'cpu_ms', version.map((r) => r.cpuSeconds * 1000), 'ms', 1);
    const names = datasetPath('names.txt');
    if (names === null) return;
    const compat = timedRuns([CLI, 'train', '--compat', 'microgpt.py', '--data', names, '--json']);
    emitMedian(emit, 'microgpt-py', 'cli-cold', 'train_seconds', compat.map((r) => trainSeconds(r.stdout)), 's', 4);
    emitMedian(emit, 'microgpt-py', 'cli-cold', 'wall_seconds', compat.map((r) => r.wallSeconds), 's', 4);
    emitMedian(emit, 'microgpt-py', 'cli-cold', 'cpu_seconds', compat.map((r) => r.cpuSeconds), 's', 4);
    const wasm = await T.startBackend('wasm');
    const text = readFileSync(names, 'utf8');
    const warm: number[] = [];
    const warmCpu: number[] = [];
    for (let i = 0; i <= RUNS; i++) {
      const cpu = process.cpuUsage();
      warm.push((await runMicrogpt(text, { samples: 0 }, {}, wasm)).trainSeconds);
      const used = process.cpuUsage(cpu);
      warmCpu.push((used.user + used.system) / 1e6);
    }
    emitMedian(emit, 'microgpt-py', 'warm', 'train_seconds', warm.slice(1), 's', 4);
    emitMedian(emit, 'microgpt-py', 'warm', 'cpu_seconds', warmCpu.slice(1), 's', 4);
  },
};
