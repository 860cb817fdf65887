// Matmul throughput (GFLOP/s = 2·B·M·N·K / seconds) for square sizes in the plain, transposed-A, transposed-B
// and batched (B = 8) forms: our js, wasm and blas backends (wasm and blas at 1 and 2 threads) and the peers, in one
// run. `wasm` is the module the backend picks (relaxed SIMD, with fused multiply-add, where the engine has it) and
// `wasm-simd128` the plain SIMD128 module beside it, the two measured case by case in turn so that a load on the
// machine falls on both alike. blas rows are left out (with a note) where no BLAS library loads.
import { type Backend, type WasmBackend, createWasmBackend, findBackend, matmul, randn, startBackend } from '@microgpt/tensor';
import { startBlas } from '../blas';
import { type Emit, progress, timeMedian } from '../harness';
import { type MatmulCase, PEER_TIMING, caseShape, matmulCases, peerRow, peerWarmup } from '../peers/cases';
import { measureJax } from '../peers/jax';
import { measureTfjs } from '../peers/tfjs';
import type { Suite } from './suite';

const BATCH = 8;
/** Our js reference runs ≈ 1.3 GFLOP/s, so it stops at 512; wasm and the peers also run 1024 (unbatched). */
const JS_SIZES = [16, 64, 128, 256, 512];
const SIZES = [...JS_SIZES, 1024];
const MAX_BATCHED = 512;

const FORMS = [
  { suffix: '', batch: 1, transA: false, transB: false },
  { suffix: '-tA', batch: 1, transA: true, transB: false },
  { suffix: '-tB', batch: 1, transA: false, transB: true },
  { suffix: `-b${BATCH}`, batch: BATCH, transA: false, transB: false },
] as const;

function measureCase(backend: Backend, threads: number, c: MatmulCase, first: boolean, emit: Emit, impl = backend.name): void {
  const a = randn(caseShape(c), { seed: 1, backend });
  const b = randn(caseShape(c), { seed: 2, backend });
  const out = matmul(a, b, c.form);
  const call = (): void => {
    matmul(a, b, { ...c.form, out });
  };
  timeMedian(call, peerWarmup(first));
  emit(peerRow(impl, threads, c, timeMedian(call, PEER_TIMING)));
  for (const t of [a, b, out]) t.dispose();
}

export const matmulSuite: Suite = {
  name: 'matmul',
  description: `float32 matmul GFLOP/s at ${SIZES.join(', ')} cubed: plain, transposed A, transposed B, batched (B=${BATCH}, up to ${MAX_BATCHED}); js (up to 512), wasm (relaxed SIMD where available), wasm-simd128 and blas at 1 and 2 threads, tfjs-wasm, jax-js-wasm`,
  async run(emit) {
    const cases = matmulCases(SIZES, FORMS, MAX_BATCHED);
    const js = findBackend('js');
    matmulCases(JS_SIZES, FORMS).forEach((c, i) => {
      measureCase(js, 1, c, i === 0, emit);
    });
    const wasm = (await startBackend('wasm')) as WasmBackend;
    progress(`bench: matmul: wasm runs the ${wasm.simd} module`);
    const simd128 = wasm.simd === 'simd128' ? null : await createWasmBackend({ simd: 'simd128', threads: 2 });
    for (const threads of [1, 2]) {
      await wasm.setThreads(threads);
      await simd128?.setThreads(threads);
      cases.forEach((c, i) => {
        measureCase(wasm, threads, c, i === 0, emit);
        if (simd128) measureCase(simd128, threads, c, i === 0, emit, 'wasm-simd128');
      });
    }
    simd128?.dispose();
    const blas = await startBlas();
    for (const threads of [1, 2]) {
      if (!blas) break;
      await blas.setThreads(threads);
      cases.forEach((c, i) => {
        measureCase(blas, threads, c, i === 0, emit);
      });
    }
    await measureTfjs(cases, emit);
    await measureJax(cases, emit);
  },
};
