// WebGPU in the worker: the backend from @microgpt/backend-webgpu on the worker's own `navigator.gpu` (dedicated
// workers have it in Chromium), and the adapter's name for the page; or, when there is none, why not.
import { adapterName, createWebGPUBackend, webgpuAdapterOf } from '@microgpt/backend-webgpu';
import type { Backend } from '@microgpt/tensor';
import type { WebGPUStatus } from '../protocol';

/** How long the adapter and device requests may take before the page gives up on WebGPU (they never answer on some broken drivers). */
export const WEBGPU_START_MS = 15_000;

/**
 * Opens a WebGPU backend on `gpu` (default: this global scope's `navigator.gpu`). Never throws and never waits
 * longer than `timeoutMs`: without WebGPU, without an adapter, or when the device request fails or does not
 * answer, the backend is null and the status says why.
 */
export async function openWebGPU(gpu: GPU | undefined = (globalThis.navigator as { gpu?: GPU } | undefined)?.gpu, timeoutMs = WEBGPU_START_MS): Promise<{ backend: Backend | null; status: WebGPUStatus }> {
  const unavailable = (reason: string): { backend: null; status: WebGPUStatus } => ({ backend: null, status: { available: false, reason } });
  if (!gpu) return unavailable('this browser has no WebGPU (navigator.gpu is missing)');
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<'late'>((resolve) => {
    timer = setTimeout(() => {
      resolve('late');
    }, timeoutMs);
  });
  try {
    // Asked first on its own so that "no adapter" gets the browser's wording rather than the backend's Node hint.
    const adapter = await Promise.race([gpu.requestAdapter(), late]);
    if (adapter === 'late') return unavailable(`the browser did not answer the adapter request within ${timeoutMs / 1000} s`);
    if (adapter === null) return unavailable('the browser found no WebGPU adapter (no supported GPU, or WebGPU is turned off)');
    const starting = createWebGPUBackend({ gpu });
    const backend = await Promise.race([starting, late]);
    if (backend === 'late') {
      void starting.then((b) => b.dispose?.(), () => undefined);
      return unavailable(`the browser did not open a WebGPU device within ${timeoutMs / 1000} s`);
    }
    const description = webgpuAdapterOf(backend)!;
    return { backend, status: { available: true, adapter: adapterName(description), software: description.software } };
  } catch (error) {
    return unavailable((error instanceof Error ? error.message : String(error)).replace(/^webgpu: /, ''));
  } finally {
    clearTimeout(timer);
  }
}
