// The relaxed-SIMD targets, head to head: 512³ float32 matmul on our wasm backend's two modules (`wasm`, the
// relaxed-SIMD build with fused multiply-add, and `wasm-simd128`) and TensorFlow.js's wasm kernel, measured in
// rounds that take each row in turn, so that a load on the machine falls on every row alike; each figure is the
// median over the rounds. One-thread rows also report GFLOP per CPU-second (`gflops_cpu`): on a machine shared
// with other work a 512³ call outlasts the scheduler's time slice and its wall time measures the share of a core
// the process got, while its CPU time still measures the kernel.
import { type Emit, median, progress } from '../harness';
import { RACE_N, RACE_ROUNDS, type RaceRow, raceGflops, raceRow, runRace, wasmRaceProduct } from '../matmul-rounds';
import { caseInputs, caseShape } from '../peers/cases';
import { TFJS_IMPL, loadTfjsWasm } from '../peers/tfjs';
import type { Suite } from './suite';

const CASE = { n: RACE_N, form: { suffix: '', batch: 1, transA: false, transB: false } } as const;

/** CPU seconds this process has used. */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1e6;
}

function emitRow(emit: Emit, row: RaceRow, metric: 'gflops' | 'gflops_cpu', seconds: number): void {
  emit({ suite: 'matmul-fma', name: `matmul-${RACE_N}`, impl: row.impl, threads: row.threads, metric, value: raceGflops(seconds), unit: metric === 'gflops' ? 'GFLOP/s' : 'GFLOP/CPU-s' });
}

export const matmulFmaSuite: Suite = {
  name: 'matmul-fma',
  description: `${RACE_N}³ float32 matmul: wasm (relaxed SIMD) and wasm-simd128 at 1 and 2 threads and tfjs-wasm, ${RACE_ROUNDS} interleaved rounds, medians; one-thread rows also per CPU-second`,
  async run(emit) {
    const relaxed = await wasmRaceProduct('relaxed-simd');
    const plain = await wasmRaceProduct('simd128');
    const { tf } = await loadTfjsWasm();
    const { a: aData, b: bData } = caseInputs(CASE);
    const ta = tf.tensor(aData, caseShape(CASE), 'float32');
    const tb = tf.tensor(bData, caseShape(CASE), 'float32');
    const rows = [
      raceRow('wasm', 1, relaxed.call, relaxed.backend),
      raceRow('wasm-simd128', 1, plain.call, plain.backend),
      raceRow(TFJS_IMPL, 1, () => {
        tf.matMul(ta, tb).dispose();
      }),
      raceRow('wasm', 2, relaxed.call, relaxed.backend),
      raceRow('wasm-simd128', 2, plain.call, plain.backend),
    ];
    await runRace(rows, cpuSeconds);
    progress(`bench: matmul-fma: ${RACE_ROUNDS} rounds of ${rows.length} rows done`);
    for (const r of rows) {
      emitRow(emit, r, 'gflops', median(r.wall));
      if (r.threads === 1) emitRow(emit, r, 'gflops_cpu', median(r.cpu));
    }
    tf.dispose([ta, tb]);
    relaxed.backend.dispose();
    plain.backend.dispose();
  },
};
