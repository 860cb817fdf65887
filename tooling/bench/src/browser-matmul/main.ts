/// <reference types="vite/client" />
// The page the `browser` suite opens in Chromium for the relaxed-SIMD targets there: the matmul-fma race (512³
// float32, our relaxed-SIMD and SIMD128 modules at 1 and 2 threads, TensorFlow.js's wasm kernel on one thread),
// run by `window.runMatmulRace()`, which answers each row's median GFLOP/s (wall time: a page has no CPU clock).
import * as tf from '@tensorflow/tfjs-core';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import plainWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm.wasm?url';
import simdWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-simd.wasm?url';
import threadedWasm from '@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm?url';
import { median } from '../harness';
import { RACE_N, raceGflops, raceRow, runRace, wasmRaceProduct } from '../matmul-rounds';

/** One row's result: the implementation, its threads and its median GFLOP/s. */
export interface BrowserRaceResult {
  impl: string;
  threads: number;
  gflops: number;
}

declare global {
  interface Window {
    runMatmulRace?: () => Promise<BrowserRaceResult[]>;
  }
}

/** Standard-normal-ish float32 data for tfjs (the values do not change the speed). */
function operand(seed: number): Float32Array {
  let state = seed;
  return Float32Array.from({ length: RACE_N * RACE_N }, () => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state / 2 ** 32 - 0.5;
  });
}

window.runMatmulRace = async () => {
  const relaxed = await wasmRaceProduct('relaxed-simd');
  const plain = await wasmRaceProduct('simd128');
  setWasmPaths({ 'tfjs-backend-wasm.wasm': plainWasm, 'tfjs-backend-wasm-simd.wasm': simdWasm, 'tfjs-backend-wasm-threaded-simd.wasm': threadedWasm });
  // One thread, as the Node rows' tfjs-wasm: its SIMD build without threads (the threaded one's pthread workers
  // fail to start from Vite's bundle).
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', false);
  if (!(await tf.setBackend('wasm'))) throw new Error('browser-matmul: tf.setBackend("wasm") failed');
  const ta = tf.tensor(operand(1), [RACE_N, RACE_N], 'float32');
  const tb = tf.tensor(operand(2), [RACE_N, RACE_N], 'float32');
  const rows = [
    raceRow('wasm', 1, relaxed.call, relaxed.backend),
    raceRow('wasm-simd128', 1, plain.call, plain.backend),
    raceRow('tfjs-wasm', 1, () => {
      tf.matMul(ta, tb).dispose();
    }),
    raceRow('wasm', 2, relaxed.call, relaxed.backend),
    raceRow('wasm-simd128', 2, plain.call, plain.backend),
  ];
  await runRace(rows);
  tf.dispose([ta, tb]);
  relaxed.backend.dispose();
  plain.backend.dispose();
  return rows.map((r) => ({ impl: r.impl, threads: r.threads, gflops: raceGflops(median(r.wall)) }));
};
