// Which of the two kernels modules a wasm backend loads: `relaxed-simd` (matmul, attention and quantized-matmul
// multiply-adds as `f32x4.relaxed_madd`, a fused multiply-add where the CPU has one) where the engine validates
// relaxed SIMD, else `simd128`. Node 20 has relaxed SIMD behind a V8 flag, which detection turns on (V8 flags are
// per process, so workers started later validate and run the same module); Node 22 and Chromium have it on.
import { BackendError } from '../../index';
import type * as NodeV8 from 'node:v8';
import { isNode, nodeModule } from './threads';

/** The two builds of the kernels module: relaxed SIMD (fused multiply-add) and plain SIMD128. */
export type SimdFlavor = 'relaxed-simd' | 'simd128';

/** Every flavor, in order of preference. */
export const SIMD_FLAVORS: readonly SimdFlavor[] = ['relaxed-simd', 'simd128'];

/** The environment variable that forces a flavor for every backend made without the `simd` option. */
export const SIMD_ENV = 'MICROGPT_WASM_SIMD';

/** (func (param v128 v128 v128) (result v128) local.get 0 local.get 1 local.get 2 f32x4.relaxed_madd) */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // magic, version
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b, // type section: (v128 v128 v128) -> v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x85, 0x02, 0x0b, // code: f32x4.relaxed_madd
]);

let detected: Promise<boolean> | null = null;

/**
 * Whether this engine runs relaxed SIMD; in Node, turns on V8's `--experimental-wasm-relaxed-simd` first where
 * the engine has it behind that flag (Node 20). Asked once per process.
 */
export function relaxedSimdAvailable(): Promise<boolean> {
  detected ??= (async () => {
    if (typeof WebAssembly !== 'object') return false;
    if (WebAssembly.validate(RELAXED_PROBE)) return true;
    if (!isNode()) return false;
    try {
      (await nodeModule<typeof NodeV8>('v8')).setFlagsFromString('--experimental-wasm-relaxed-simd');
    } catch {
      return false; // a runtime that calls itself Node but has no V8 flags
    }
    return WebAssembly.validate(RELAXED_PROBE);
  })();
  return detected;
}

/** The flavor `MICROGPT_WASM_SIMD` asks for, or null when it is unset or empty. */
function flavorFromEnv(): SimdFlavor | null {
  // A browser has no process, and some bundlers define one without env.
  const value = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env?.[SIMD_ENV];
  if (value === undefined || value === '') return null;
  if (!(SIMD_FLAVORS as readonly string[]).includes(value)) {
    throw new BackendError(`wasm: ${SIMD_ENV} must be one of ${SIMD_FLAVORS.join(', ')}, found '${value}'`);
  }
  return value as SimdFlavor;
}

/**
 * The flavor to load: `asked` (the backend's `simd` option), else `MICROGPT_WASM_SIMD`, else `auto`, which is
 * relaxed-simd where available and simd128 otherwise.
 * @throws {BackendError} for an unknown flavor, or relaxed-simd asked for on an engine without it.
 */
export async function chooseSimdFlavor(asked: SimdFlavor | 'auto' | undefined): Promise<SimdFlavor> {
  const wanted = asked === undefined || asked === 'auto' ? (flavorFromEnv() ?? 'auto') : asked;
  if (wanted !== 'auto' && !(SIMD_FLAVORS as readonly string[]).includes(wanted)) {
    throw new BackendError(`wasm: simd must be 'auto' or one of ${SIMD_FLAVORS.join(', ')}, found '${wanted}'`);
  }
  const relaxed = wanted !== 'simd128' && (await relaxedSimdAvailable());
  if (wanted === 'relaxed-simd' && !relaxed) {
    throw new BackendError('wasm: relaxed-simd asked for, but this engine does not validate relaxed SIMD (Node ≥ 20 or Chromium ≥ 114 has it); use simd128');
  }
  return relaxed ? 'relaxed-simd' : 'simd128';
}
