// Peer: TensorFlow.js 4.22 on its WebAssembly backend (XNNPACK), `impl: tfjs-wasm`.
//
// Node gets the non-threaded binary: tfjs-backend-wasm reports WASM_HAS_MULTITHREAD_SUPPORT = false whenever
// IS_NODE (tensorflow/tfjs#3830), so it loads `tfjs-backend-wasm-simd.wasm` (SIMD, one thread). Forcing the flag
// makes it load the threaded-SIMD build, whose Emscripten loader starts its pthreads from a `blob:` URL, which
// Node's worker_threads refuses (ERR_WORKER_PATH) — and it does so from an uncaught exception that ends the
// process — so there is no threads-2 row.
//
// The .wasm files ship in the package's dist folder; setWasmPaths points the loader there (read from disk, no
// network). Tensors live in wasm memory and kernels run synchronously, so disposing the output of each call is
// all a timed call needs; the inputs are uploaded once, before timing.
//
// Reading its rows: tfjs-wasm's BatchMatMul uses XNNPACK only for batch 1 without transposes, and caches that
// operator (with B packed) per B tensor, so the plain rows do not pay for packing B after the warm-up; the -tA,
// -tB and -b8 forms run its scalar blocked fallback (`slow_batch_matmul` in batch_mat_mul_impl.cc), ≈ 1–3 GFLOP/s.
import { createRequire } from 'node:module';
import path from 'node:path';
import type * as TfCore from '@tensorflow/tfjs-core';
import { type Emit, timeMedian } from '../harness';
import { type MatmulCase, caseInputs, caseShape, measurePeer } from './cases';

export const TFJS_IMPL = 'tfjs-wasm';

type Tf = typeof TfCore;

/** Loads tfjs-core with the wasm backend as the active backend; returns it and the thread count XNNPACK uses. */
export async function loadTfjsWasm(): Promise<{ tf: Tf; threads: number }> {
  const tf = await import('@tensorflow/tfjs-core');
  const wasm = await import('@tensorflow/tfjs-backend-wasm');
  const require = createRequire(import.meta.url);
  const dist = path.dirname(require.resolve('@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm'));
  wasm.setWasmPaths(`${dist}${path.sep}`);
  if (!(await tf.setBackend('wasm'))) throw new Error('tf.setBackend("wasm") failed');
  await tf.ready();
  return { tf, threads: wasm.getThreadsCount() };
}

/** Measures every case on tfjs-wasm and emits its rows; on a load failure prints a note and emits nothing. */
export async function measureTfjs(cases: readonly MatmulCase[], emit: Emit): Promise<void> {
  await measurePeer(TFJS_IMPL, async () => {
    const { tf, threads } = await loadTfjsWasm();
    return {
      threads,
      label: `${TFJS_IMPL} ${tf.version_core} (${threads} thread${threads === 1 ? '' : 's'})`,
      upload(c) {
        const { a: aData, b: bData } = caseInputs(c);
        const a = tf.tensor(aData, caseShape(c), 'float32');
        const b = tf.tensor(bData, caseShape(c), 'float32');
        const { transA, transB } = c.form;
        // tf.matMul's own transpose flags, not a pre-transposed copy. Kernels run synchronously: timeMedian.
        const call = (): void => {
          tf.matMul(a, b, transA, transB).dispose();
        };
        return Promise.resolve({
          time: (options) => Promise.resolve(timeMedian(call, options)),
          dispose: () => {
            tf.dispose([a, b]);
          },
        });
      },
    };
  }, cases, emit);
}
