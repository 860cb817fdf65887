// Where a shakespeare-cpu training step spends its time on the blas backend (or on wasm, for comparison): every
// kernel call timed, summed per kernel over the timed steps, and matmuls split into those BLAS ran and those left on
// the wasm kernel by the thresholds. One JSON line per kernel (ms per step, calls per step), then one for the step
// (wall and process CPU ms per step measured untimed, the kernels' sum, and the rest: the model's and the trainer's
// own JavaScript).
// Kernels are synchronous (the wasm workers and the BLAS split finish before a call returns), so a call's wall time
// is its cost. Usage: pnpm --filter @microgpt/backend-blas profile [blas|wasm] [THREADS]
import { type Batch, type BatchLoader, type GPT, createGPT, createTrainer, disposeGPT, getPreset } from '@microgpt/model';
import { type Backend, type KernelName, type Kernels, PythonRandom, composeBackend, kernel, kernelNames, startBackend } from '@microgpt/tensor';
import type { WasmBackend } from '@microgpt/tensor';
import { createBlasBackend } from '../src/index';
import { routeToBlas } from '../src/thresholds';

const [which = 'blas', threadArg = '1'] = process.argv.slice(2);
if (which !== 'blas' && which !== 'wasm') throw new Error(`profile-step: expected backend blas or wasm, found ${which}`);
const threads = Number(threadArg);
const WARMUP = 3;
const STEPS = 10;

const wasm = (await startBackend('wasm')) as WasmBackend;
const blas = which === 'blas' ? await createBlasBackend({ base: wasm }) : null;
const measured: Backend = blas ?? wasm;
await (blas ?? wasm).setThreads(threads);

const totals = new Map<string, { ms: number; calls: number }>();
const add = (key: string, ms: number): void => {
  const entry = totals.get(key) ?? { ms: 0, calls: 0 };
  entry.ms += ms;
  entry.calls += 1;
  totals.set(key, entry);
};
let timing = false;
const timed = (name: KernelName): ((args: never) => void) => {
  const run = kernel(measured, name, 'float32') as (args: unknown) => void;
  return (args: never) => {
    if (!timing) {
      run(args);
      return;
    }
    const key = name === 'matmul' && blas ? `matmul (${routeToBlas(blas.routing, args) ? 'BLAS' : 'wasm kernel'})` : name;
    const t0 = performance.now();
    run(args);
    add(key, performance.now() - t0);
  };
};
const kernels = Object.fromEntries(kernelNames().map((name) => [name, timed(name)])) as Partial<Kernels>;
const profiled = composeBackend({ name: `${measured.name}-profiled`, base: measured, kernels });

const preset = getPreset('shakespeare-cpu');
const { batchSize: B } = preset.train;
const { blockSize: T } = preset.model;
const rng = new PythonRandom(1);
const batch: Batch = { x: Int32Array.from({ length: B * T }, () => rng.randbelow(65)), y: Int32Array.from({ length: B * T }, () => rng.randbelow(65)), B, T };
const loader: BatchLoader = { next: () => batch, state: () => null, restore: () => undefined };

const median = (xs: number[]): number => xs.sort((x, y) => x - y)[xs.length >> 1]!;

/**
 * Median wall ms and process CPU ms of `STEPS` steps of `model`, after warm-up; `profile` times each kernel call
 * too. On a shared machine the CPU time of a one-thread run moves less than its wall time (no waiting for a core).
 */
async function steps(model: GPT, profile: boolean): Promise<{ wall: number; cpu: number }> {
  const trainer = createTrainer({ model, settings: { ...preset.train, steps: 1_000_000 }, train: loader });
  for (let i = 0; i < WARMUP; i++) await trainer.trainStep();
  timing = profile;
  const wall: number[] = [];
  const cpu: number[] = [];
  for (let i = 0; i < STEPS; i++) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    await trainer.trainStep();
    const used = process.cpuUsage(c0);
    wall.push(performance.now() - t0);
    cpu.push((used.user + used.system) / 1000);
  }
  timing = false;
  trainer.dispose();
  return { wall: median(wall), cpu: median(cpu) };
}

const plain = createGPT({ ...preset.model, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend: measured });
const { wall: stepMs, cpu: stepCpuMs } = await steps(plain, false);
disposeGPT(plain);
const model = createGPT({ ...preset.model, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend: profiled });
await steps(model, true);
disposeGPT(model);

const round = (x: number): number => Number(x.toFixed(3));
const rows = [...totals].sort((x, y) => y[1].ms - x[1].ms);
for (const [name, { ms, calls }] of rows) {
  process.stdout.write(`${JSON.stringify({ backend: measured.name, threads, kernel: name, ms_per_step: round(ms / STEPS), calls_per_step: calls / STEPS })}\n`);
}
const kernelMs = rows.reduce((sum, [, { ms }]) => sum + ms, 0) / STEPS;
process.stdout.write(`${JSON.stringify({ backend: measured.name, threads, step_ms: round(stepMs), step_cpu_ms: round(stepCpuMs), kernels_ms: round(kernelMs), rest_ms: round(stepMs - kernelMs) })}\n`);
blas?.dispose?.();
wasm.dispose();
