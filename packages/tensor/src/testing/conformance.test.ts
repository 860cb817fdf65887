import { describe, expect, it } from 'vitest';
import type { Backend, KernelName } from '../backend';
import { composeBackend, withAsyncFallback } from '../compose';
import { kernelNames } from '../kernel-registry';
import { findBackend } from '../registry';
import { checkCase, runConformance } from './conformance';
import { conformanceCases } from './conformance-cases';
import { createStorageOnlyBackend } from './storage-only-backend';

// The JS backend against itself in float64 (float32 kernels against the float64 reference, float64 exact).
describe('conformance: js', () => {
  runConformance(() => findBackend('js'), { describe, it });
});

// A backend with storage only: every kernel goes through the fallback path, which must be exact too.
describe('conformance: storage-only backend (all kernels fall back)', () => {
  runConformance(createStorageOnlyBackend('bare'), { describe, it }, { dtypes: ['float64'] });
});

// The same without readSync, as a GPU: every kernel falls back asynchronously, in call order, through the queue.
describe('conformance: storage-only backend without readSync (all kernels fall back asynchronously)', () => {
  runConformance(withAsyncFallback(createStorageOnlyBackend('async-bare', {}, { readSync: false })), { describe, it }, { dtypes: ['float64'] });
});

/** A backend over js that records which kernels run: its own kernels are js's, each noting its name. */
function recordingBackend(called: Set<string>): Backend {
  const js = findBackend('js');
  const kernels = Object.fromEntries(
    kernelNames().map((name) => [
      name,
      (args: object) => {
        called.add(name);
        (js.kernels[name] as (a: object) => void)(args);
      },
    ]),
  );
  return composeBackend({ name: 'recording', base: js, kernels });
}

describe('conformance coverage', () => {
  it('has a case for every defined kernel in every dtype it takes', async () => {
    for (const dtype of ['float32', 'float64'] as const) {
      const called = new Set<string>();
      const recording = recordingBackend(called);
      for (const c of conformanceCases()) if (!c.dtypes || c.dtypes.includes(dtype)) await checkCase(c, recording, dtype);
      const float32Only: readonly KernelName[] = ['quantMatmul'];
      const expected = kernelNames().filter((name) => dtype === 'float32' || !float32Only.includes(name));
      expect(expected.filter((name) => !called.has(name)), `kernels without a ${dtype} case`).toEqual([]);
    }
  });
});
