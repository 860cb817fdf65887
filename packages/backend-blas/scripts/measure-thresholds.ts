// Measures where BLAS overtakes the wasm matmul kernel, and where splitting a BLAS product over two threads pays:
// one JSON line per (form, M, N, K) with the median µs of one kernel call (float32) on
//   wasm1, blas1: one thread;  wasm2: the wasm kernel on 2 threads;  blas2: BLAS split over 2 threads;
//   blas2whole: BLAS on one thread while the backend is at 2 (what a product below the split threshold costs).
// Kernel calls, not ops: the model calls kernels directly, so the op's own overhead does not count here. Each call
// is timed alone after a pause (GAP_MS), as in a training step, where a worker has gone to sleep by the next product.
// Run on a quiet machine: pnpm --filter @microgpt/backend-blas measure > thresholds.jsonl
import { type MatmulArgs, type Tensor, randn, zeros } from '@microgpt/tensor';
import { createBlasBackend } from '../src/index';
import { loadBlas } from '../src/library';

const blas = await createBlasBackend();
const BLAS = { minWork: 0, minSplitWork: 0 };
const BLAS_WHOLE = { minWork: 0, minSplitWork: Infinity };
const WASM = { minWork: Infinity, minSplitWork: Infinity };
const matmul = blas.kernels.matmul!;

/** Idle time between timed calls: in a training step other kernels run between products, so idle workers sleep. */
const GAP_MS = 0.3;

/** Median µs of one call of `fn`, each call timed alone after a GAP_MS pause, after warm-up. */
function medianMicros(fn: () => void): number {
  for (let i = 0; i < 5; i++) fn();
  const samples: number[] = [];
  const start = performance.now();
  while (samples.length < 31 || (samples.length < 301 && performance.now() - start < 200)) {
    const until = performance.now() + GAP_MS;
    while (performance.now() < until);
    const t0 = performance.now();
    fn();
    samples.push((performance.now() - t0) * 1000);
  }
  samples.sort((x, y) => x - y);
  return samples[samples.length >> 1]!;
}

type Form = 'plain' | 'tA' | 'tB';
interface Case {
  readonly form: Form;
  readonly M: number;
  readonly N: number;
  readonly K: number;
  readonly why: string;
}

const cases: Case[] = [{ form: 'plain', M: 1, N: 1, K: 1, why: 'overhead' }];
for (const n of [4, 8, 12, 16, 24, 32, 48, 64, 96, 128, 192, 256]) {
  for (const form of ['plain', 'tA', 'tB'] as const) cases.push({ form, M: n, N: n, K: n, why: 'square' });
}
// Each linear layer of a training step: forward x·Wᵀ (tB), dx = dy·W (plain), dW += dyᵀ·x (tA); N rows (B·T).
const LAYERS: readonly (readonly [string, number, number, number])[] = [
  ['shakespeare-cpu', 768, 384, 128],
  ['shakespeare-cpu', 768, 128, 128],
  ['shakespeare-cpu', 768, 512, 128],
  ['shakespeare-cpu', 768, 128, 512],
  ['shakespeare-cpu', 768, 65, 128],
  ['names', 57, 48, 16],
  ['names', 57, 16, 16],
  ['names', 57, 64, 16],
  ['names', 57, 16, 64],
  ['names', 57, 27, 16],
];
for (const [model, rows, outW, inW] of LAYERS) {
  cases.push({ form: 'tB', M: rows, N: outW, K: inW, why: `${model} forward` });
  cases.push({ form: 'plain', M: rows, N: inW, K: outW, why: `${model} dx` });
  cases.push({ form: 'tA', M: outW, N: inW, K: rows, why: `${model} dW` });
}
// Generation and short prompts: a few rows through each shakespeare-cpu layer.
for (const [, , outW, inW] of LAYERS.slice(0, 5)) {
  for (const M of [1, 2, 4, 8, 16, 32]) cases.push({ form: 'tB', M, N: outW, K: inW, why: 'generation' });
}

function operands(c: Case): MatmulArgs {
  const a = randn(c.form === 'tA' ? [1, c.K, c.M] : [1, c.M, c.K], { seed: 1, backend: blas });
  const b = randn(c.form === 'tB' ? [1, c.N, c.K] : [1, c.K, c.N], { seed: 2, backend: blas });
  return { a, b, out: zeros([1, c.M, c.N], { backend: blas }), transA: c.form === 'tA', transB: c.form === 'tB', accumulate: c.form === 'tA' };
}

const round = (us: number): number => Number(us.toFixed(2));

// What every BLAS call pays at least, back to back: a koffi call of a C function that does nothing much
// (openblas_get_num_threads), and cblas_sgemm of 1×1×1 on the wasm memory.
{
  const library = loadBlas();
  const scratch = blas.base.byteAddress(zeros([4], { backend: blas })) + library.address(blas.base.wasmMemory.buffer);
  const backToBack = (why: string, call: () => unknown): void => {
    for (let i = 0; i < 100_000; i++) call();
    const t0 = performance.now();
    for (let i = 0; i < 1_000_000; i++) call();
    process.stdout.write(`${JSON.stringify({ why, us: round(performance.now() - t0) / 1000 })}\n`);
  };
  backToBack('koffi call of openblas_get_num_threads()', () => library.threads());
  backToBack('koffi call of cblas_sgemm 1x1x1', () => {
    library.sgemm(101, 111, 111, 1, 1, 1, 1, scratch, 1, scratch + 4, 1, 0, scratch + 8, 1);
  });
}
for (const c of cases) {
  const args = operands(c);
  const timed = (routing: typeof BLAS): number => {
    blas.routing = routing;
    return medianMicros(() => {
      matmul(args);
    });
  };
  await blas.setThreads(1);
  const wasm1 = timed(WASM);
  const blas1 = timed(BLAS);
  await blas.setThreads(2);
  const wasm2 = timed(WASM);
  const blas2 = timed(BLAS);
  const blas2whole = timed(BLAS_WHOLE);
  const row = { ...c, work: c.M * c.N * c.K, wasm1: round(wasm1), blas1: round(blas1), wasm2: round(wasm2), blas2: round(blas2), blas2whole: round(blas2whole) };
  process.stdout.write(`${JSON.stringify(row)}\n`);
  for (const t of [args.a, args.b, args.out] as Tensor[]) t.dispose();
}
blas.dispose?.();
blas.base.dispose();
