// The machine's multiply-add ceiling, for benchmarks: twelve independent f32x4 multiply-add chains and nothing
// else (no loads, no stores), the most arithmetic one core can do through this module's multiply-add (fused in
// the relaxed-SIMD build, a multiply then an add in the plain one). Run on one thread and on several at once
// through the backend's thread pool, it shows what the cores give before any kernel's memory traffic or split:
// the figure that matmul's GFLOP/s, and its scaling with threads, are judged against.
//
// Twelve chains: an FMA has a latency of 4 cycles on current x64 cores and two pipes issue one each a cycle, so
// eight chains in flight keep both busy and twelve leave a margin; 12 accumulators and 2 operands fit in the 15
// v128 registers V8 gives a wasm function, so nothing spills.

import { mulAdd } from './multiply-add';

/** Floating-point operations of one step of multiplyAddCeilingF32: 12 chains × 4 lanes × (multiply + add). */
export function multiplyAddCeilingFlopsPerStep(): i32 { return 12 * 4 * 2; }

/**
 * Runs steps [start, end) of twelve chains c ← c·x + y (f32x4, each chain from 0) and returns the sum of their
 * lanes. With x = 0.5 and y = 1 every chain tends to 2, exactly so after about 25 steps (fused or not): the sum
 * is then 96. The value is returned so that the compiler must keep every step.
 */
export function multiplyAddCeilingF32(start: i32, end: i32, x: f32, y: f32): f32 {
  const xv = f32x4.splat(x), yv = f32x4.splat(y);
  let c0 = f32x4.splat(0), c1 = c0, c2 = c0, c3 = c0, c4 = c0, c5 = c0, c6 = c0, c7 = c0, c8 = c0, c9 = c0, c10 = c0, c11 = c0;
  for (let step = start; step < end; step++) {
    c0 = mulAdd<f32>(yv, c0, xv); c1 = mulAdd<f32>(yv, c1, xv); c2 = mulAdd<f32>(yv, c2, xv);
    c3 = mulAdd<f32>(yv, c3, xv); c4 = mulAdd<f32>(yv, c4, xv); c5 = mulAdd<f32>(yv, c5, xv);
    c6 = mulAdd<f32>(yv, c6, xv); c7 = mulAdd<f32>(yv, c7, xv); c8 = mulAdd<f32>(yv, c8, xv);
    c9 = mulAdd<f32>(yv, c9, xv); c10 = mulAdd<f32>(yv, c10, xv); c11 = mulAdd<f32>(yv, c11, xv);
  }
  const sum = f32x4.add(
    f32x4.add(f32x4.add(f32x4.add(c0, c1), f32x4.add(c2, c3)), f32x4.add(f32x4.add(c4, c5), f32x4.add(c6, c7))),
    f32x4.add(f32x4.add(c8, c9), f32x4.add(c10, c11)),
  );
  return f32x4.extract_lane(sum, 0) + f32x4.extract_lane(sum, 1) + f32x4.extract_lane(sum, 2) + f32x4.extract_lane(sum, 3);
}
