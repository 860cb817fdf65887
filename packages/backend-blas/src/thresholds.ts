// Which products go to BLAS and which stay on the wasm kernel, and which BLAS products are split over threads, by
// the number of multiply-adds M·N·K of one batch item. Measured with `pnpm --filter @microgpt/backend-blas measure`
// (scripts/measure-thresholds.ts: each kernel call timed alone after a 0.3 ms pause, float32) on a 2-core AMD EPYC
// with AVX-512 (OpenBLAS 0.3.21, Cooperlake kernels), Node 20.20; the figures are in the README:
// - BLAS against the wasm kernel on one thread: below about 16k multiply-adds the wasm kernel is faster (16³: wasm
//   2.0–3.1 µs, BLAS 5.1–9.3 µs; 1×128×128: 2.6 against 3.1 µs), from about 32k BLAS is as fast or faster
//   (32³: 0.77–0.93× the wasm time; 57×64×16, names' layers: 0.70–0.97×; 1×384×128, a generated token through
//   the qkv layer: 0.81×) and from 100k it takes a third to a half of the wasm time. The form (plain, transposed a or
//   b) and a small M (generation's one row) do not move the crossover beyond the noise, so one size decides.
// - Splitting over 2 threads: waking the sleeping worker costs about 50 µs here, so a split pays only when half
//   the product takes longer than that: 768×128×128 (12.6M, 260 µs on one thread) takes 195–224 µs split, 192³
//   (7.1M, 150 µs) 128–151 µs, 128³ (2.1M, 55 µs) 90–98 µs.
import type { MatmulArgs } from '@microgpt/tensor';

/** Where products run, by their multiply-adds per batch item (M·N·K). */
export interface MatmulRouting {
  /** Products of at least this many multiply-adds go to BLAS; smaller ones run on the wasm kernel. */
  readonly minWork: number;
  /** BLAS products of at least this many multiply-adds are split over the threads; smaller ones run on one. */
  readonly minSplitWork: number;
}

/** The thresholds measured above: BLAS from 32,768 multiply-adds (32³), split from 8,388,608 (2²³). */
export const MEASURED_ROUTING: MatmulRouting = { minWork: 32_768, minSplitWork: 8_388_608 };

/** Whether `args` goes to BLAS under `routing`. */
export function routeToBlas(routing: MatmulRouting, { out, a, transA }: MatmulArgs): boolean {
  const [, M, N] = out.shape as [number, number, number];
  const K = transA ? a.shape[1]! : a.shape[2]!;
  return M * N * K >= routing.minWork;
}
