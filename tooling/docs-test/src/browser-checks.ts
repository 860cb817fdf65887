// What each public package's page (pages/<name>.ts) must report in Chromium, and with which flags it is opened.
// The pages are not cross-origin isolated, so the wasm backend runs on one thread and should fetch exactly one of
// the tensor package's four kernels chunks: the plain-memory relaxed-SIMD build (Chromium has relaxed SIMD).
import { expect } from 'vitest';
import type { PageOutcome } from './chromium';

/** One opening of a package's page: Chromium's extra flags and what the outcome must be. */
export interface BrowserRun {
  readonly args: readonly string[];
  readonly expect: (outcome: PageOutcome) => void;
}

/** float32 products stay within k·2⁻²⁴ of the exact one, relative to Σ|aᵢₚ·bₚⱼ| (pages/report.ts). */
const gamma = (k: number): number => k * 2 ** -24;

/** The kernels builds (`wasm-single-relaxed-simd`, …) whose chunks the page requested. */
export function kernelBuildsFetched(urls: readonly string[]): string[] {
  return urls.flatMap((url) => /\/(wasm-(?:shared|single)-(?:relaxed-simd|simd128))-[\w-]+\.js$/.exec(url)?.[1] ?? []);
}

/** The page's result, after checking that it reported one with no uncaught or console error. */
function resultOf(outcome: PageOutcome): unknown {
  expect(outcome.problems).toEqual([]);
  expect(outcome.error).toBeUndefined();
  return outcome.result;
}

const wasmPage = (check: (outcome: PageOutcome) => void): BrowserRun => ({
  args: [],
  expect: (outcome) => {
    check(outcome);
    expect(kernelBuildsFetched(outcome.requested)).toEqual(['wasm-single-relaxed-simd']);
  },
});

/** Every public package but the CLI, by name. */
export const BROWSER_CHECKS: Readonly<Record<string, readonly BrowserRun[]>> = {
  '@microgpt/tensor': [
    wasmPage((outcome) => {
      const r = resultOf(outcome) as { backend: string; simd: string; shape: number[]; k: number; errorRatio: number };
      expect(r).toMatchObject({ backend: 'wasm', simd: 'relaxed-simd', shape: [33, 45] });
      expect(r.errorRatio).toBeLessThan(gamma(r.k));
    }),
  ],
  '@microgpt/autograd': [
    wasmPage((outcome) => {
      const r = resultOf(outcome) as { backend: string; gradCheck: string; gradCheckOk: boolean; firstLoss: number; lastLoss: number };
      expect(r.backend).toBe('wasm');
      expect(r.gradCheckOk, r.gradCheck).toBe(true);
      expect(r.lastLoss).toBeLessThan(r.firstLoss / 10);
    }),
  ],
  '@microgpt/tokenizer': [
    {
      args: [],
      expect: (outcome) => {
        const r = resultOf(outcome) as { vocabSize: number; bpeRoundTrip: boolean; tokens: number; bytes: number; charRoundTrip: boolean; charVocab: number };
        expect(r).toMatchObject({ vocabSize: 280, bpeRoundTrip: true, charRoundTrip: true });
        expect(r.tokens).toBeLessThan(r.bytes);
        expect(kernelBuildsFetched(outcome.requested)).toEqual([]);
      },
    },
  ],
  '@microgpt/model': [
    wasmPage((outcome) => {
      const r = resultOf(outcome) as { backend: string; steps: number; firstLosses: number; lastLosses: number; samples: string[] };
      expect(r).toMatchObject({ backend: 'wasm', steps: 60 });
      expect(r.firstLosses).toBeGreaterThan(3);
      expect(r.lastLosses).toBeLessThan(r.firstLosses - 1);
      expect(r.samples).toHaveLength(3);
      for (const sample of r.samples) expect(sample).toMatch(/^[a-z]*$/);
      expect(r.samples.join('')).not.toBe('');
    }),
  ],
  '@microgpt/quant': [
    wasmPage((outcome) => {
      const r = resultOf(outcome) as { backend: string; scheme: string; maxDiff: number; maxLogit: number; sample: string; sampleTokens: number };
      expect(r).toMatchObject({ backend: 'wasm', scheme: 'int8' });
      expect(r.maxDiff).toBeLessThan(0.02 * r.maxLogit);
      expect(r.sample).toMatch(/^[a-z]*$/);
      expect(r.sampleTokens).toBeLessThanOrEqual(16);
    }),
  ],
  '@microgpt/backend-webgpu': [
    {
      args: ['--enable-unsafe-webgpu'],
      expect: (outcome) => {
        const r = resultOf(outcome) as { backend: string; adapter: { architecture: string }; shape: number[]; k: number; errorRatio: number };
        expect(r.backend).toBe('webgpu');
        expect(r.shape).toEqual([33, 45]);
        expect(r.errorRatio).toBeLessThan(gamma(r.k));
      },
    },
    {
      args: [],
      expect: (outcome) => {
        expect(outcome.problems).toEqual([]);
        expect(outcome.error).toBe('BackendError: webgpu: requestAdapter() found no GPU adapter (no driver; in Node on Linux, see the README for SwiftShader)');
      },
    },
  ],
  '@microgpt/backend-blas': [
    {
      args: [],
      expect: (outcome) => {
        expect(outcome.problems).toEqual([]);
        expect(outcome.error).toBe(
          "BackendError: backend-blas: runs only in Node.js (it calls the system's BLAS through koffi, native code, from worker threads); in a browser use the wasm backend of @microgpt/tensor (startBackend('wasm')) or @microgpt/backend-webgpu",
        );
      },
    },
  ],
};
