// The wasm quantMatmul on 2 threads against 1 thread, bit for bit: threads split output columns (M ≤ N) or rows
// of x (M > N), and each output is computed the same way whatever the split. (The conformance suite checks the
// values against the JS reference.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantMatmul, randn, tensor } from '../../index';
import { type WasmBackend, createWasmBackend } from './index';

let wasm: WasmBackend;

beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
  // Split even the smallest product, so every split path runs.
  wasm.minParallelWork = 1;
});

afterAll(() => {
  wasm.dispose();
});

describe('wasm quantMatmul', () => {
  it.each([
    [1, 384, 128, 128, 'int8'],
    [1, 65, 128, 32, 'int4'],
    [64, 65, 128, 32, 'int4'],
    [64, 7, 100, 100, 'int8'],
    [96, 5, 72, 36, 'int4'],
  ] as const)('M = %i, (N, K) = (%i, %i), groups of %i, %s: the same bits on 1 and 2 threads', async (M, N, K, G, format) => {
    const codes = tensor(Uint8Array.from({ length: format === 'int8' ? N * K : (N * K) / 2 }, (_, i) => (i * 101 + 7) & 255), { backend: wasm });
    const scales = randn([N, K / G], { seed: 2, backend: wasm });
    const offsets = randn([N, K / G], { seed: 3, backend: wasm });
    const x = randn([M, K], { seed: 1, backend: wasm });
    const run = async (threads: number): Promise<Float32Array[]> => {
      await wasm.setThreads(threads);
      return (['float', 'int16'] as const).flatMap((activations) =>
        [null, offsets].map((o) => quantMatmul(x, { codes, scales, offsets: o, format, groupSize: G }, { activations }).toArray() as Float32Array),
      );
    };
    const one = await run(1);
    const two = await run(2);
    two.forEach((values, i) => {
      expect(values).toEqual(one[i]);
    });
  });
});
