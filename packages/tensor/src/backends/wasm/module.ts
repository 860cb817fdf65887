// Loading the kernels module: base64 → bytes → WebAssembly.Module, for a shared or a plain memory and in either SIMD
// flavor (simd-flavor.ts), with exports typed by the bindings generated from the same AssemblyScript sources
// (generated/kernel-exports.ts). Each of the four builds is its own generated file, imported only when it is
// loaded: a bundler makes each a chunk of its own, so a page fetches the one build it runs (about 150 kB) and not
// all four.
import { BackendError } from '../../index';
import { KERNEL_PARAMETER_COUNTS, type KernelExports } from '../../generated/kernel-exports';
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

type GeneratedModule = Promise<{ readonly KERNELS_WASM: string }>;

// One literal import() per build: a bundler can split only what it sees spelled out.
const MODULES: Record<SimdFlavor, { shared: () => GeneratedModule; single: () => GeneratedModule }> = {
  'relaxed-simd': { shared: () => import('../../generated/wasm-shared-relaxed-simd'), single: () => import('../../generated/wasm-single-relaxed-simd') },
  simd128: { shared: () => import('../../generated/wasm-shared-simd128'), single: () => import('../../generated/wasm-single-simd128') },
};

/**
 * Loads and compiles the kernels module built for a shared (threads) or a plain memory, in `flavor` (relaxed-simd
 * needs an engine that validates it: see `relaxedSimdAvailable`).
 * @throws {BackendError} when the build's chunk does not load (a bundled page whose chunk is not served), or the
 * module does not compile (no WebAssembly SIMD).
 */
export async function compileKernels(shared: boolean, flavor: SimdFlavor): Promise<WebAssembly.Module> {
  const build = `${shared ? 'shared-memory' : 'plain-memory'} ${flavor}`;
  let base64: string;
  try {
    base64 = (await MODULES[flavor][shared ? 'shared' : 'single']()).KERNELS_WASM;
  } catch (error) {
    throw new BackendError(`wasm: the ${build} kernels module did not load (in a bundled page: is every chunk of the bundle served?): ${String(error)}`, { cause: error });
  }
  try {
    return await WebAssembly.compile(decodeBase64(base64));
  } catch (error) {
    throw new BackendError(`wasm: the ${build} kernels module did not compile (WebAssembly SIMD unavailable?): ${String(error)}`, { cause: error });
  }
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
