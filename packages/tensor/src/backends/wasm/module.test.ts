import { describe, expect, it, vi } from 'vitest';
import { BackendError } from '../../index';
import { KERNEL_PARAMETER_COUNTS } from '../../generated/kernel-exports';
import { type Address, type KernelExports, checkExports, compileKernels, instantiateKernels } from './module';
import { SIMD_FLAVORS, relaxedSimdAvailable } from './simd-flavor';

describe('wasm kernel bindings', () => {
  it('match the embedded modules: every export the bindings declare, with its number of parameters', async () => {
    expect(await relaxedSimdAvailable()).toBe(true); // Node 20 after detection sets V8's flag, Node 22 as is
    for (const flavor of SIMD_FLAVORS) {
      for (const shared of [false, true]) {
        const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared });
        const exports = await instantiateKernels(await compileKernels(shared, flavor), memory);
        for (const [name, count] of Object.entries(KERNEL_PARAMETER_COUNTS)) {
          expect((exports as unknown as Record<string, (...args: number[]) => unknown>)[name]!.length, `${flavor} ${name}`).toBe(count);
        }
      }
    }
  });

  it('cover every function the module exports, so no kernel is called untyped', async () => {
    await relaxedSimdAvailable();
    for (const flavor of SIMD_FLAVORS) {
      const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536 });
      const module = await compileKernels(false, flavor);
      const functions = WebAssembly.Module.exports(module)
        .filter((e) => e.kind === 'function')
        .map((e) => e.name)
        .sort();
      expect(functions).toEqual(Object.keys(KERNEL_PARAMETER_COUNTS).sort());
      await instantiateKernels(module, memory);
    }
  });

  it('refuse a module whose export is missing or takes other parameters, by name', () => {
    // Functions with the given `length`, the parameter count a WebAssembly export reports.
    const asFunctions = (counts: Record<string, number>): WebAssembly.Exports =>
      Object.fromEntries(Object.entries(counts).map(([name, length]) => [name, Object.defineProperty(() => undefined, 'length', { value: length })]));
    const real: Record<string, number> = { ...KERNEL_PARAMETER_COUNTS };
    expect(() => {
      checkExports(asFunctions(real));
    }).not.toThrow();
    expect(() => {
      checkExports(asFunctions(Object.fromEntries(Object.entries(real).filter(([name]) => name !== 'softmaxF32'))));
    }).toThrow(new BackendError("wasm: the kernels module has no export 'softmaxF32' (rebuild with pnpm codegen)"));
    expect(() => {
      checkExports(asFunctions({ ...real, rmsnormBackwardF64: 7 }));
    }).toThrow(new BackendError("wasm: export 'rmsnormBackwardF64' takes 7 parameters, the bindings expected 8 (rebuild with pnpm codegen)"));
  });

  it('type each export by its AssemblyScript signature (tsc checks the lines marked below)', () => {
    const a = 0 as Address;
    // Typed only: never called, as the addresses are not real.
    const calls = (exports: KernelExports): void => {
      exports.rmsnormBackwardF32(a, a, a, a, a, a, 2, 3);
      // @ts-expect-error one argument short
      exports.rmsnormBackwardF32(a, a, a, a, a, a, 2);
      // @ts-expect-error a size where an address belongs
      exports.rmsnormBackwardF32(a, a, a, a, a, 2, 2, 3);
      // @ts-expect-error no such export
      // eslint-disable-next-line @typescript-eslint/no-unsafe-call -- the call tsc must refuse
      exports.rmsnormBackwardI32(a, a, a, a, a, a, 2, 3);
    };
    expect(typeof calls).toBe('function');
  });

  it('name the build whose generated chunk does not load, apart from a module that does not compile', async () => {
    vi.resetModules();
    vi.doMock('../../generated/wasm-single-simd128', () => {
      throw new Error('chunk not served');
    });
    vi.doMock('../../generated/wasm-shared-simd128', () => ({ KERNELS_WASM: btoa('\0asm not a module') }));
    try {
      const fresh = await import('./module');
      await expect(fresh.compileKernels(false, 'simd128')).rejects.toThrow(/^wasm: the plain-memory simd128 kernels module did not load \(in a bundled page: is every chunk of the bundle served\?\): /);
      await expect(fresh.compileKernels(true, 'simd128')).rejects.toThrow(/^wasm: the shared-memory simd128 kernels module did not compile \(WebAssembly SIMD unavailable\?\): CompileError/);
      expect((await fresh.compileKernels(false, 'relaxed-simd')) instanceof WebAssembly.Module).toBe(true);
    } finally {
      vi.doUnmock('../../generated/wasm-single-simd128');
      vi.doUnmock('../../generated/wasm-shared-simd128');
      vi.resetModules();
    }
  });
});
