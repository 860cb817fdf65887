// The compute choice: WebAssembly always, WebGPU when the worker got an adapter (named in the note). Without one,
// or once the GPU device is lost, the option is disabled, wasm is chosen, and the note says why.
import type { BackendChoice, WebGPUStatus } from '../protocol';

/** The note under the title about WebGPU: which adapter, or why the page trains on WebAssembly. */
export function webgpuNote(status: WebGPUStatus | null): string {
  if (status === null) return 'Looking for a WebGPU adapter…';
  if (!status.available) return `WebGPU is not available here: ${status.reason}. Training runs on WebAssembly.`;
  const software = status.software ? ' It is a CPU implementation of WebGPU: correct, but slower than WebAssembly here.' : '';
  return `WebGPU adapter: ${status.adapter}.${software}`;
}

/**
 * Which backend a WebGPU status makes the default: WebGPU on a hardware adapter, else wasm (a software adapter
 * such as SwiftShader is slower than wasm, so it is offered but not chosen).
 */
export function defaultBackend(status: WebGPUStatus): BackendChoice {
  return status.available && !status.software ? 'webgpu' : 'wasm';
}

/**
 * Shows `status` in the backend select and the note: the WebGPU option is enabled and named after the adapter,
 * or disabled (and wasm chosen when it was chosen). `changed` is whether the status is new, so the default is
 * applied once rather than over the visitor's own choice.
 */
export function renderBackendChoice(select: HTMLSelectElement, note: HTMLElement, status: WebGPUStatus | null, changed: boolean): void {
  note.textContent = webgpuNote(status);
  const option = select.querySelector<HTMLOptionElement>('option[value="webgpu"]');
  if (!option) throw new Error('playground: #backend has no webgpu option');
  option.disabled = !status?.available;
  option.textContent = status?.available ? `WebGPU (${status.adapter}), float32` : 'WebGPU (not available)';
  if (status && changed) select.value = defaultBackend(status);
  if (option.disabled && select.value === 'webgpu') select.value = 'wasm';
}
