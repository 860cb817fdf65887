// Thread control for the wasm backend, from the package's top level.
import type { WasmBackend } from './backends/wasm/index';
import { startBackend } from './registry';

/**
 * Uses `n` threads per kernel on the wasm backend (starting it, and its workers, if needed). Threads change
 * results only by the rounding of summation order.
 * @throws {RangeError} for n < 1 or above the worker limit.
 * @throws {BackendError} for n > 1 when SharedArrayBuffer is unavailable.
 */
export async function setThreads(n: number): Promise<void> {
  const wasm = (await startBackend('wasm')) as WasmBackend;
  await wasm.setThreads(n);
}
