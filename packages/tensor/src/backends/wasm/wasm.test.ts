import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { attention, fallbacks, findBackend, matmul, randn, softmax, tensor, unary, unaryBackward } from '../../index';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, assertClose, runConformance } from '../../testing/index';
import { type WasmBackend, createWasmBackend } from './index';
import { SIMD_FLAVORS, type SimdFlavor } from './simd-flavor';

// The default backend (relaxed-simd here: Node ≥ 20 has relaxed SIMD) and one per module, both against the
// reference: relaxed madd may or may not fuse, and the float32 tolerances hold either way.
let wasm: WasmBackend;
const flavored = new Map<SimdFlavor, WasmBackend>();

beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 2 });
  for (const simd of SIMD_FLAVORS) flavored.set(simd, await createWasmBackend({ threads: 2, simd }));
});

afterAll(() => {
  wasm.dispose();
  for (const backend of flavored.values()) backend.dispose();
});

for (const simd of SIMD_FLAVORS) {
  const backend = (): WasmBackend => flavored.get(simd)!;

  describe(`conformance: wasm ${simd}, 1 thread`, () => {
    runConformance(backend, { describe, it }, {
      beforeEach: async () => {
        await backend().setThreads(1);
      },
    });
  });

  // minParallelWork 1 splits even the smallest kernel across both threads, so every split path is checked.
  describe(`conformance: wasm ${simd}, 2 threads`, () => {
    runConformance(backend, { describe, it }, {
      beforeEach: async () => {
        await backend().setThreads(2);
        backend().minParallelWork = 1;
      },
    });
  });
}

describe('wasm backend', () => {
  it('runs every float kernel itself (no fallback to the js reference)', () => {
    expect(fallbacks().filter((key) => key.startsWith('wasm:'))).toEqual([]);
  });

  // Workers run the module the main thread compiled, so a split product is bit for bit the unsplit one in either
  // module (where relaxed madd fuses, a worker running the other module would differ in the last bits).
  it.each(SIMD_FLAVORS)('gives the same matmul, softmax and attention on 1 and 2 threads (%s)', async (simd) => {
    const backend = flavored.get(simd)!;
    expect(backend.simd).toBe(simd);
    const run = async (threads: number): Promise<Float32Array[]> => {
      await backend.setThreads(threads);
      backend.minParallelWork = 1;
      const a = randn([3, 70, 45], { seed: 1, backend });
      const b = randn([45, 33], { seed: 2, backend });
      const q = randn([2, 3, 9, 8], { seed: 3, backend });
      return [matmul(a, b), softmax(a), attention(q, q, q).out].map((t) => t.toArray() as Float32Array);
    };
    const one = await run(1);
    const two = await run(2);
    two.forEach((values, i) => {
      expect(values).toEqual(one[i]);
    });
  });

  it('takes the dot-product path for a few rows times a transposed matrix, matching the js reference', () => {
    const js = findBackend('js');
    for (const dtype of ['float32', 'float64'] as const) {
      for (const [batch, M, N, K] of [[1, 1, 7, 1], [1, 1, 65, 128], [1, 2, 5, 3], [2, 3, 9, 17], [1, 4, 33, 70], [3, 4, 1, 19]] as const) {
        for (const accumulate of [false, true]) {
          const a = randn([batch, M, K], { seed: M * 100 + K, dtype, backend: wasm });
          const b = randn([1, N, K], { seed: N * 7 + K, dtype, backend: wasm });
          const out = randn([batch, M, N], { seed: 5, dtype, backend: wasm });
          const expected = out.to(js);
          matmul(a.to(js), b.to(js), { transB: true, out: expected, accumulate });
          matmul(a, b, { transB: true, out, accumulate });
          assertClose(out.toArray(), expected.toArray(), dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE);
        }
      }
    }
  });

  it('float32 GELU (erf) runs four lanes at a time within 3e-7 of the float64 reference, tails and specials included', () => {
    const js = findBackend('js');
    const xs: number[] = [0, -0, 1e-30, -1e-30, 1e-8, Infinity, -Infinity, NaN, 87, -87, 200, -200];
    for (let x = -12; x <= 12; x += 1 / 256) xs.push(x);
    const x32 = Float32Array.from(xs);
    const dout = Float32Array.from(xs, (_, i) => ((i % 7) - 3) / 3);
    const x64 = tensor(Float64Array.from(x32), { backend: js });
    const reference = unary('gelu_erf', x64).toArray();
    const referenceGrad = unaryBackward('gelu_erf', x64, tensor(Float64Array.from(dout), { backend: js })).toArray();
    const xw = tensor(x32, { backend: wasm });
    const actual = unary('gelu_erf', xw).toArray();
    const grad = unaryBackward('gelu_erf', xw, tensor(dout, { backend: wasm })).toArray();
    for (let i = 0; i < xs.length; i++) {
      for (const [got, want, what] of [[actual[i]!, reference[i]!, 'gelu'], [grad[i]!, referenceGrad[i]!, 'gelu backward']] as const) {
        if (Number.isNaN(want) || !Number.isFinite(want)) {
          expect(got, `${what}(${x32[i]})`).toBe(want);
          continue;
        }
        // float32 rounding of the result (2^-24 relative) plus the approximation's 1.5e-7 · |x|.
        const bound = Math.abs(want) * 2 ** -23 + 3e-7 * Math.max(1, Math.abs(x32[i]!));
        expect(Math.abs(got - want), `${what}(${x32[i]}) = ${got}, reference ${want}`).toBeLessThanOrEqual(bound);
      }
    }
  });

  it('keeps tensors valid when memory grows', () => {
    const small = tensor([1, 2, 3], { backend: wasm });
    const big = randn([5_000_000], { seed: 4, backend: wasm });
    expect(Array.from(small.toArray())).toEqual([1, 2, 3]);
    expect(big.slice(0, 4_999_999, 5_000_000).item()).toBe(big.toArray()[4_999_999]);
    big.dispose();
  });

  it('says how much storage its memory holds: 4 GiB less what the runtime took at start', () => {
    expect(wasm.maxBytes).toBeLessThan(4 * 2 ** 30);
    expect(wasm.maxBytes).toBeGreaterThan(4 * 2 ** 30 - 2 * 2 ** 20);
  });

  it('allocates nothing new when the same step repeats', () => {
    const step = (): void => {
      const x = randn([16, 64], { seed: 5, backend: wasm });
      const h = matmul(x, x, { transB: true });
      const y = softmax(h);
      [x, h, y].forEach((t) => {
        t.dispose();
      });
    };
    step();
    const before = wasm.memory();
    for (let i = 0; i < 50; i++) step();
    expect(wasm.memory().liveStorages).toBe(before.liveStorages);
    expect(wasm.memory().liveBytes).toBe(before.liveBytes);
  });
});

describe('wasm workers', () => {
  // A worker that read its job count after saying it was ready could count a job posted at once as seen and never
  // run it (the main thread then waited for it until its time limit): on a loaded two-core machine most fresh
  // backends did.
  it('run a split kernel posted the moment the backend is created', async () => {
    for (let i = 0; i < 6; i++) {
      const fresh = await createWasmBackend({ threads: 2 });
      expect(fresh.multiplyAddCeiling(1000)).toBe(1000 * 96);
      fresh.dispose();
    }
  });
});

describe('wasm without shared memory', () => {
  it('runs on one thread and says so once', async () => {
    const warnings: string[] = [];
    const single = await createWasmBackend({ threads: 2, sharedMemory: false, warn: (m) => warnings.push(m) });
    expect(single.threads).toBe(1);
    expect(warnings).toEqual([
      'microgpt wasm: 2 threads asked for, but there is no shared memory (SharedArrayBuffer needs a cross-origin isolated page); running on one thread',
    ]);
    await expect(single.setThreads(2)).rejects.toThrow('setThreads: this wasm backend has no shared memory');
    const a = randn([7, 5], { seed: 9, backend: single });
    const onJs = a.to('js');
    assertClose(matmul(a, a, { transB: true }), matmul(onJs, onJs, { transB: true }), FLOAT32_TOLERANCE, 'one-thread matmul');
    single.dispose();
  });
});

describe('wasm process lifetime', () => {
  it('a script using 2 threads exits by itself, on the relaxed-SIMD module', () => {
    const entry = fileURLToPath(new URL('./index.ts', import.meta.url));
    const script = `
      const { createWasmBackend } = await import(${JSON.stringify(entry)});
      const wasm = await createWasmBackend({ threads: 2 });
      console.log('threads', wasm.threads, wasm.simd);
    `;
    const output = execFileSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      timeout: 30_000,
      encoding: 'utf8',
      env: { ...process.env, MICROGPT_WASM_SIMD: '' },
    });
    expect(output.trim()).toBe('threads 2 relaxed-simd'); // a fresh Node 20 process turns relaxed SIMD on itself
  });
});
