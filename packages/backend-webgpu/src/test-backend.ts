// The backend the tests share: one device per test file, or null with one printed line when this machine has no
// WebGPU adapter (the suites then register nothing but that line's skipped test).
// Also the comparison of a backend's results with the JS reference's that the split tests share.
import { type Backend, type Tensor, createJsBackend, randn } from '@microgpt/tensor';
import { expect } from 'vitest';
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
