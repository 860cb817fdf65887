// Loading the embedded kernels module: base64 → bytes → WebAssembly.Module, for a shared or a plain memory and in
// either SIMD flavor (simd-flavor.ts), with exports typed by the bindings generated from the same AssemblyScript sources (generated/kernel-exports.ts).
import { BackendError } from '../../index';
import { KERNEL_PARAMETER_COUNTS, type KernelExports } from '../../generated/kernel-exports';
import { KERNELS_SHARED_RELAXED_WASM, KERNELS_SHARED_WASM, KERNELS_SINGLE_RELAXED_WASM, KERNELS_SINGLE_WASM } from '../../generated/wasm';
import type { SimdFlavor } from './simd-flavor';

export type { Address, KernelExports } from '../../generated/kernel-exports';

/** The name of an export of the kernels module (`matmulF32`, `softmaxF64`, …). */
export type KernelName = keyof KernelExports;

/** Bytes of a base64 string, decoded without Node's Buffer so the same code runs in browsers. */
export function decodeBase64(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes;
}

const MODULES: Record<SimdFlavor, { shared: string; single: string }> = {
  'relaxed-simd': { shared: KERNELS_SHARED_RELAXED_WASM, single: KERNELS_SINGLE_RELAXED_WASM },
  simd128: { shared: KERNELS_SHARED_WASM, single: KERNELS_SINGLE_WASM },
};

/**
 * Compiles the kernels module built for a shared (threads) or a plain memory, in `flavor` (relaxed-simd needs an
 * engine that validates it: see `relaxedSimdAvailable`).
 */
export function compileKernels(shared: boolean, flavor: SimdFlavor): Promise<WebAssembly.Module> {
  const modules = MODULES[flavor];
  return WebAssembly.compile(decodeBase64(shared ? modules.shared : modules.single));
}

/**
 * Instantiates the kernels module on `memory` (imported as env.memory).
 * @throws {BackendError} when an export the bindings declare is missing or takes another number of parameters (a
 * module and bindings from different builds).
 */
export async function instantiateKernels(module: WebAssembly.Module, memory: WebAssembly.Memory): Promise<KernelExports> {
  const instance = await WebAssembly.instantiate(module, { env: { memory } });
  checkExports(instance.exports);
  return instance.exports as unknown as KernelExports;
}

/**
 * Checks that `exports` has every function of the bindings with its number of parameters.
 * @throws {BackendError} naming the first export that is missing or differs.
 */
export function checkExports(exports: WebAssembly.Exports): void {
  for (const [name, count] of Object.entries(KERNEL_PARAMETER_COUNTS)) {
    const found = exports[name];
    if (typeof found !== 'function') throw new BackendError(`wasm: the kernels module has no export '${name}' (rebuild with pnpm codegen)`);
    if (found.length !== count) {
      throw new BackendError(`wasm: export '${name}' takes ${found.length} parameters, the bindings expected ${count} (rebuild with pnpm codegen)`);
    }
  }
}
