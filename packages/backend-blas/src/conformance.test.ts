// The tensor conformance suite on the blas backend, in float32 and float64: every product on BLAS (the suite's
// shapes are small, so the measured thresholds would leave most on wasm) at 1 and 2 threads, and with the
// measured routing. Without a loadable BLAS every test fails with the message naming what to install.
import { describe, expect, it } from 'vitest';
import { fallbacks } from '@microgpt/tensor';
import { runConformance } from '@microgpt/tensor/testing';
import { type BlasBackend, MEASURED_ROUTING, createBlasBackend } from './index';

const EVERY_PRODUCT = { minWork: 0, minSplitWork: 0 };
let started: Promise<BlasBackend> | undefined;
const blas = (): Promise<BlasBackend> => (started ??= createBlasBackend());

for (const threads of [1, 2]) {
  describe(`conformance: blas, every product on BLAS, ${threads} thread${threads > 1 ? 's' : ''}`, () => {
    runConformance(blas, { describe, it }, {
      dtypes: ['float32', 'float64'],
      beforeEach: async () => {
        const backend = await blas();
        await backend.setThreads(threads);
        backend.routing = EVERY_PRODUCT;
      },
    });
  });
}

describe('conformance: blas, measured routing, 2 threads', () => {
  runConformance(blas, { describe, it }, {
    dtypes: ['float32', 'float64'],
    beforeEach: async () => {
      const backend = await blas();
      await backend.setThreads(2);
      backend.routing = MEASURED_ROUTING;
    },
  });
});

// Runs after the suites above (a file's tests run in order): every kernel ran on BLAS or on wasm, none on the JS
// reference.
describe('blas backend', () => {
  it('runs every kernel itself or on wasm (no fallback to the js reference)', () => {
    expect(fallbacks().filter((key) => key.startsWith('blas:'))).toEqual([]);
  });
});
