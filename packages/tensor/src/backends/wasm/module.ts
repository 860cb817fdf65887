// Loading the embedded kernels module: base64 → bytes → WebAssembly.Module, for a shared or a plain memory.
import { KERNELS_SHARED_WASM, KERNELS_SINGLE_WASM } from '../../generated/wasm';

/** A kernel export: integer and float arguments in, at most one float out. */
export type KernelExport = (...args: number[]) => number;

/** The module's exports by name (`matmulF32`, `softmaxF64`, …). */
export type KernelExports = Readonly<Record<string, KernelExport>>;

/** Bytes of a base64 string, decoded without Node's Buffer so the same code runs in browsers. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

/** Compiles the kernels module built for a shared (threads) or a plain memory. */
export function compileKernels(shared: boolean): Promise<WebAssembly.Module> {
  return WebAssembly.compile(decodeBase64(shared ? KERNELS_SHARED_WASM : KERNELS_SINGLE_WASM));
}

/** Instantiates the kernels module on `memory` (imported as env.memory). */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  return instance.exports as unknown as KernelExports;
}
