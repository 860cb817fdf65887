// The relaxed-SIMD targets, head to head: 512³ float32 matmul on our wasm backend's two modules (`wasm`, the
// relaxed-SIMD build with fused multiply-add, and `wasm-simd128`) and TensorFlow.js's wasm kernel, measured in
// rounds that take each row in turn, so that a load on the machine falls on every row alike; each figure is the
// median over the rounds. Every row also reports GFLOP per CPU-second (`gflops_cpu`): on a machine shared with
// other work a 512³ call outlasts the scheduler's time slice and its wall time measures the share of a core the
// process got, while its CPU time still measures the kernel. On 2-thread rows that CPU time is both threads',
// including the time one spins waiting for the other, so their gflops_cpu over the 1-thread row's is the share of
// the CPU the split turned into arithmetic, whether or not the machine gave the second thread a core of its own.
//
// The machine's ceiling beside them: `fma-ceiling` rows run the relaxed module's multiply-add loop (twelve
// independent f32x4 chains, no memory traffic; WasmBackend.multiplyAddCeiling) for as many flops as one product,
// on 1 and 2 threads through the same thread pool. `scaling_2v1` rows give, for the relaxed matmul and for the
// ceiling, the median over the rounds of each round's 1-thread wall time over its 2-thread wall time: what two
// threads give the product beside what the machine's two cores give pure arithmetic in the same minute.
import { type Emit, median, progress } from '../harness';
import { RACE_N, RACE_PRODUCT_FLOPS, RACE_ROUNDS, type RaceRow, raceGflops, raceRow, runRace, wasmRaceProduct } from '../matmul-rounds';
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
  emit({ suite: 'matmul-fma', name: row.name, impl: row.impl, threads: row.threads, metric, value: raceGflops(seconds, row.flops), unit: metric === 'gflops' ? 'GFLOP/s' : 'GFLOP/CPU-s' });
}

/** The median over the rounds of `one`'s wall time over `two`'s: what the second thread gives, round by round. */
function emitScaling(emit: Emit, one: RaceRow, two: RaceRow): void {
  const ratios = one.wall.map((seconds, round) => seconds / two.wall[round]!);
  emit({ suite: 'matmul-fma', name: two.name, impl: two.impl, threads: two.threads, metric: 'scaling_2v1', value: Number(median(ratios).toFixed(3)), unit: '×' });
}

export const matmulFmaSuite: Suite = {
  name: 'matmul-fma',
  description: `${RACE_N}³ float32 matmul: wasm (relaxed SIMD) and wasm-simd128 at 1 and 2 threads and tfjs-wasm, beside the multiply-add ceiling at 1 and 2 threads, ${RACE_ROUNDS} interleaved rounds, medians, also per CPU-second; 2-vs-1 scaling of the relaxed matmul and of the ceiling`,
  async run(emit) {
    const relaxed = await wasmRaceProduct('relaxed-simd');
    const plain = await wasmRaceProduct('simd128');
    const { tf } = await loadTfjsWasm();
    const { a: aData, b: bData } = caseInputs(CASE);
    const ta = tf.tensor(aData, caseShape(CASE), 'float32');
    const tb = tf.tensor(bData, caseShape(CASE), 'float32');
    const flopsPerStep = relaxed.backend.multiplyAddCeiling(1); // one step, which returns its flops
    const ceilingSteps = Math.round(RACE_PRODUCT_FLOPS / flopsPerStep);
    const ceiling = { name: 'fma-ceiling', flops: ceilingSteps * flopsPerStep };
    const ceilingCall = (): void => void relaxed.backend.multiplyAddCeiling(ceilingSteps);
    const product = [raceRow('wasm', 1, relaxed.call, relaxed.backend), raceRow('wasm', 2, relaxed.call, relaxed.backend)] as const;
    const arithmetic = [raceRow('wasm', 1, ceilingCall, relaxed.backend, ceiling), raceRow('wasm', 2, ceilingCall, relaxed.backend, ceiling)] as const;
    // Each pair runs 1 then 2 threads back to back, so a round's ratio compares like with like.
    const rows = [
      ...product,
      ...arithmetic,
      raceRow('wasm-simd128', 1, plain.call, plain.backend),
      raceRow('wasm-simd128', 2, plain.call, plain.backend),
      raceRow(TFJS_IMPL, 1, () => {
        tf.matMul(ta, tb).dispose();
      }),
    ];
    await runRace(rows, cpuSeconds);
    progress(`bench: matmul-fma: ${RACE_ROUNDS} rounds of ${rows.length} rows done`);
    for (const r of rows) {
      emitRow(emit, r, 'gflops', median(r.wall));
      emitRow(emit, r, 'gflops_cpu', median(r.cpu));
    }
    emitScaling(emit, ...product);
    emitScaling(emit, ...arithmetic);
    tf.dispose([ta, tb]);
    relaxed.backend.dispose();
    plain.backend.dispose();
  },
};
