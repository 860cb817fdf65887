// The backend the tests share: one device per test file, or null with one printed line when this machine has no
// WebGPU adapter (the suites then register nothing but that line's skipped test).
import type { Backend } from '@microgpt/tensor';
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
