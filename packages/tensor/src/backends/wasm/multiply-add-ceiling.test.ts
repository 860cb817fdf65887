// The multiply-add ceiling loop (assembly/multiply-add-ceiling.ts) computes what it says in both modules, and the
// backend runs it split across its threads.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmBackend, createWasmBackend } from './index';
import { compileKernels, instantiateKernels } from './module';
import { SIMD_FLAVORS, relaxedSimdAvailable } from './simd-flavor';

describe('multiply-add ceiling', () => {
  it.each(SIMD_FLAVORS)('runs twelve f32x4 chains c ← c·x + y from 0, as a plain loop computes them (%s)', async (flavor) => {
    await relaxedSimdAvailable();
    const exports = await instantiateKernels(await compileKernels(false, flavor), new WebAssembly.Memory({ initial: 256, maximum: 65536 }));
    const lanes = 12 * 4;
    expect(exports.multiplyAddCeilingFlopsPerStep()).toBe(lanes * 2);
    // Reference: one chain in float32 (x·c exact for x = 0.5, so fused and unfused round alike), times 48 lanes.
    const chain = (steps: number): number => {
      let c = 0;
      for (let i = 0; i < steps; i++) c = Math.fround(Math.fround(0.5 * c) + 1);
      return c;
    };
    for (const [start, end] of [[0, 0], [0, 1], [0, 3], [7, 10], [0, 100], [-5, 95], [10, 5]] as const) {
      expect(exports.multiplyAddCeilingF32(start, end, 0.5, 1), `steps [${start}, ${end})`).toBe(lanes * chain(Math.max(0, end - start)));
    }
  });

  describe.each(SIMD_FLAVORS)('on the backend (%s)', (simd) => {
    let backend: WasmBackend;
    beforeAll(async () => {
      backend = await createWasmBackend({ threads: 2, simd });
    });
    afterAll(() => {
      backend.dispose();
    });

    it('returns the flops of the steps it ran, on one thread and split over two', async () => {
      for (const threads of [1, 2]) {
        await backend.setThreads(threads);
        expect(backend.multiplyAddCeiling(0)).toBe(0);
        expect(backend.multiplyAddCeiling(100_001)).toBe(100_001 * 96);
      }
    });

    it('refuses a step count that is not a whole number from 0 to 2³¹ − 1', () => {
      for (const steps of [-1, 1.5, Number.NaN, 2 ** 31]) {
        expect(() => backend.multiplyAddCeiling(steps)).toThrow(new RangeError(`multiplyAddCeiling: expected a whole number of steps from 0 to 2^31 - 1, found ${steps}`));
      }
    });
  });
});
