// Choosing the kernels module: detection, the `simd` option and MICROGPT_WASM_SIMD, and the errors for a flavor
// that does not exist. (wasm.test.ts runs the conformance suite on both modules.)
import { afterEach, describe, expect, it } from 'vitest';
import { BackendError } from '../../index';
import { createWasmBackend } from './index';
import { SIMD_ENV, chooseSimdFlavor, relaxedSimdAvailable } from './simd-flavor';

const saved = process.env[SIMD_ENV];

afterEach(() => {
  setEnv(saved);
});

function setEnv(value: string | undefined): void {
  if (value === undefined) delete process.env.MICROGPT_WASM_SIMD;
  else process.env.MICROGPT_WASM_SIMD = value;
}

describe('wasm SIMD flavor', () => {
  it('detects relaxed SIMD in Node ≥ 20 (Node 20 behind a V8 flag that detection turns on)', async () => {
    expect(await relaxedSimdAvailable()).toBe(true);
    setEnv(undefined);
    expect(await chooseSimdFlavor(undefined)).toBe('relaxed-simd');
    expect(await chooseSimdFlavor('auto')).toBe('relaxed-simd');
  });

  it('takes the simd option first, then MICROGPT_WASM_SIMD', async () => {
    setEnv('simd128');
    expect(await chooseSimdFlavor(undefined)).toBe('simd128');
    expect(await chooseSimdFlavor('auto')).toBe('simd128');
    expect(await chooseSimdFlavor('relaxed-simd')).toBe('relaxed-simd');
    setEnv('');
    expect(await chooseSimdFlavor(undefined)).toBe('relaxed-simd');
    setEnv('relaxed-simd');
    expect(await chooseSimdFlavor('simd128')).toBe('simd128');
  });

  it('loads the module it chose, and says which', async () => {
    setEnv('simd128');
    const forced = await createWasmBackend({ threads: 1 });
    expect(forced.simd).toBe('simd128');
    forced.dispose();
    const relaxed = await createWasmBackend({ threads: 1, simd: 'relaxed-simd' });
    expect(relaxed.simd).toBe('relaxed-simd');
    relaxed.dispose();
  });

  it('refuses an unknown flavor by name, from the option or the environment', async () => {
    setEnv('avx512');
    await expect(chooseSimdFlavor(undefined)).rejects.toThrow(new BackendError("wasm: MICROGPT_WASM_SIMD must be one of relaxed-simd, simd128, found 'avx512'"));
    await expect(createWasmBackend({ threads: 1 })).rejects.toThrow(BackendError);
    setEnv(undefined);
    // @ts-expect-error a flavor that does not exist, as JavaScript callers may pass
    await expect(chooseSimdFlavor('simd256')).rejects.toThrow(new BackendError("wasm: simd must be 'auto' or one of relaxed-simd, simd128, found 'simd256'"));
  });
});
