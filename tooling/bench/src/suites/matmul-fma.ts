// The relaxed-SIMD targets, head to head: 512³ float32 matmul on our wasm backend's two modules (`wasm`, the
// relaxed-SIMD build with fused multiply-add, and `wasm-simd128`) and TensorFlow.js's wasm kernel, measured in
// rounds that take each row in turn, so that a load on the machine falls on every row alike; each figure is the
// median over the rounds. One-thread rows also report GFLOP per CPU-second (`gflops_cpu`): on a machine shared
// with other work a 512³ call outlasts the scheduler's time slice and its wall time measures the share of a core
// the process got, while its CPU time still measures the kernel.
import { type WasmBackend, createWasmBackend, matmul, randn } from '@microgpt/tensor';
import { type Emit, median, progress } from '../harness';
import { caseInputs, caseShape } from '../peers/cases';
import { TFJS_IMPL, loadTfjsWasm } from '../peers/tfjs';
import type { Suite } from './suite';

const N = 512;
const ROUNDS = 25;
const CALLS_PER_ROUND = 3;
const WARMUP_CALLS = 10;
const CASE = { n: N, form: { suffix: '', batch: 1, transA: false, transB: false } } as const;

interface Row {
  readonly impl: string;
  readonly threads: number;
  readonly call: () => void;
  readonly prepare: () => Promise<void>;
  readonly wall: number[];
  readonly cpu: number[];
}

async function wasmProduct(simd: 'relaxed-simd' | 'simd128'): Promise<{ backend: WasmBackend; call: () => void }> {
  const backend = await createWasmBackend({ simd, threads: 2 });
  const a = randn([N, N], { seed: 1, backend });
  const b = randn([N, N], { seed: 2, backend });
  const out = matmul(a, b);
  return { backend, call: () => void matmul(a, b, { out }) };
}

/** Wall and CPU seconds of CALLS_PER_ROUND calls. */
function timeRound(call: () => void): { wall: number; cpu: number } {
  const cpuStart = process.cpuUsage();
  const start = performance.now();
  for (let i = 0; i < CALLS_PER_ROUND; i++) call();
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  return { wall, cpu: (cpu.user + cpu.system) / 1e6 };
}

function emitRow(emit: Emit, row: Row, metric: 'gflops' | 'gflops_cpu', seconds: number): void {
  const gflops = (CALLS_PER_ROUND * 2 * N ** 3) / seconds / 1e9;
  emit({ suite: 'matmul-fma', name: `matmul-${N}`, impl: row.impl, threads: row.threads, metric, value: Number(gflops.toFixed(3)), unit: metric === 'gflops' ? 'GFLOP/s' : 'GFLOP/CPU-s' });
}

export const matmulFmaSuite: Suite = {
  name: 'matmul-fma',
  description: `${N}³ float32 matmul: wasm (relaxed SIMD) and wasm-simd128 at 1 and 2 threads and tfjs-wasm, ${ROUNDS} interleaved rounds, medians; one-thread rows also per CPU-second`,
  async run(emit) {
    const relaxed = await wasmProduct('relaxed-simd');
    const plain = await wasmProduct('simd128');
    const { tf } = await loadTfjsWasm();
    const { a: aData, b: bData } = caseInputs(CASE);
    const ta = tf.tensor(aData, caseShape(CASE), 'float32');
    const tb = tf.tensor(bData, caseShape(CASE), 'float32');
    const row = (impl: string, threads: number, call: () => void, backend?: WasmBackend): Row => ({
      impl, threads, call, wall: [], cpu: [], prepare: async () => backend?.setThreads(threads),
    });
    const rows = [
      row('wasm', 1, relaxed.call, relaxed.backend),
      row('wasm-simd128', 1, plain.call, plain.backend),
      row(TFJS_IMPL, 1, () => {
        tf.matMul(ta, tb).dispose();
      }),
      row('wasm', 2, relaxed.call, relaxed.backend),
      row('wasm-simd128', 2, plain.call, plain.backend),
    ];
    for (const r of rows) {
      await r.prepare();
      for (let i = 0; i < WARMUP_CALLS; i++) r.call();
    }
    for (let round = 0; round < ROUNDS; round++) {
      for (const r of rows) {
        await r.prepare();
        const { wall, cpu } = timeRound(r.call);
        r.wall.push(wall);
        r.cpu.push(cpu);
      }
    }
    progress(`bench: matmul-fma: ${ROUNDS} rounds of ${rows.length} rows done`);
    for (const r of rows) {
      emitRow(emit, r, 'gflops', median(r.wall));
      if (r.threads === 1) emitRow(emit, r, 'gflops_cpu', median(r.cpu));
    }
    tf.dispose([ta, tb]);
    relaxed.backend.dispose();
    plain.backend.dispose();
  },
};
