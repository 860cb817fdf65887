// The backend the tests share: one device per test file, or null with one printed line when this machine has no
// WebGPU adapter (the suites then register nothing but that line's skipped test).
// Also the comparison of a backend's results with the JS reference's that the split tests share.
import { type Backend, type Tensor, createJsBackend, randn } from '@microgpt/tensor';
import { afterAll, expect } from 'vitest';
import { createNodeWebGPUBackend, nodeGPU } from './node';

/** Whether `nodeGPU()` gives an adapter here; prints why not when it does not. */
export async function hasAdapter(): Promise<boolean> {
  const adapter = await (await nodeGPU()).requestAdapter();
  if (!adapter) console.warn('backend-webgpu: no WebGPU adapter on this machine (no Vulkan driver, no SwiftShader); skipping the WebGPU tests');
  return adapter !== null;
}

let shared: Promise<Backend> | null = null;

/** The test file's backend, opened on first use. */
export function testBackend(): Promise<Backend> {
  shared ??= createNodeWebGPUBackend();
  return shared;
}

/**
 * Two backends opened with limits far below the device's, closed after the file: `narrow`, 4 KiB bindings (a window
 * holds (4096 - the 256-byte offset alignment) / 4 = 960 floats at most), and `flat`, 4 workgroups along a grid
 * dimension (16 rows of a row kernel in lanes), so every split path runs on any adapter.
 */
export async function limitedBackends(): Promise<{ narrow: Backend; flat: Backend }> {
  const narrow = await createNodeWebGPUBackend({ name: 'webgpu-narrow', limits: { maxStorageBufferBindingSize: 4096 } });
  const flat = await createNodeWebGPUBackend({ name: 'webgpu-flat', limits: { maxComputeWorkgroupsPerDimension: 4 } });
  afterAll(() => {
    narrow.dispose?.();
    flat.dispose?.();
  });
  return { narrow, flat };
}

const js = createJsBackend();

/** Runs `compute` on both backends (made on each from the same seeds) and checks webgpu's results against js's. */
export async function expectSame(backend: Backend, compute: (b: Backend) => Tensor[], tolerance: number): Promise<void> {
  const results = await Promise.all([backend, js].map(async (b) => (await Promise.all(compute(b).map((t) => t.toArrayAsync()))).flatMap((values) => Array.from(values))));
  expect(results[0]!.length).toBe(results[1]!.length);
  results[0]!.forEach((value, i) => {
    expect(Math.abs(value - results[1]![i]!), `element ${i}: webgpu ${value}, js ${results[1]![i]}`).toBeLessThanOrEqual(tolerance * (1 + Math.abs(results[1]![i]!)));
  });
}

/** `expectSame` for `compute` over standard normal inputs of `shapes` (seeds 100, 101, …). */
export async function expectLikeJs(backend: Backend, shapes: readonly number[][], compute: (inputs: Tensor[]) => Tensor, tolerance: number): Promise<void> {
  await expectSame(backend, (b) => [compute(shapes.map((shape, k) => randn(shape, { seed: 100 + k, backend: b })))], tolerance);
}
