// The conformance suite: every kernel, through its public op, on a backend under test against the JS backend
// in float64, on random shapes including size-1, odd and empty dimensions and large softmax inputs.
import type { Backend } from '../backend';
import type { FloatDType } from '../dtype';
import { PythonRandom } from '../random/index';
import { findBackend } from '../registry';
import { Tensor } from '../tensor';
import { tensor } from '../create';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, type Tolerance, assertClose } from './compare';
import { conformanceCases } from './conformance-cases';

/** What a case builds its inputs with; the same seed gives the same values on every backend. */
export interface CaseContext {
  readonly backend: Backend;
  readonly dtype: FloatDType;
  /** Normal values (exactly representable in float32, so both sides see identical inputs) times `scale` plus `shift`. */
  readonly randn: (shape: readonly number[], scale?: number, shift?: number) => Tensor;
  /** Uniform int32 values in [low, high). */
  readonly ints: (shape: readonly number[], low: number, high: number) => Tensor;
}

/** One kernel check: build inputs with the context, run ops, return the tensors and numbers to compare. */
export interface ConformanceCase {
  readonly kernel: string;
  readonly name: string;
  /** Extra tolerance factor for ill-conditioned cases (long sums), default 1. */
  readonly looseness?: number;
  /** Dtypes the kernel is defined for (default both; quantMatmul is float32 only). */
  readonly dtypes?: readonly FloatDType[];
  run(ctx: CaseContext): Record<string, Tensor | number>;
}

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function context(backend: Backend, dtype: FloatDType, seed: number, made: Tensor[]): CaseContext {
  const rng = new PythonRandom(seed);
  const keep = (t: Tensor): Tensor => (made.push(t), t);
  return {
    backend,
    dtype,
    randn(shape, scale = 1, shift = 0) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float64Array.from({ length: n }, () => Math.fround(rng.gauss(0, 1) * scale + shift));
      return keep(tensor(values, { shape, dtype, backend }));
    },
    ints(shape, low, high) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Int32Array.from({ length: n }, () => low + Math.floor(rng.random() * (high - low)));
      return keep(tensor(values, { shape, backend }));
    },
  };
}

function runOn(c: ConformanceCase, backend: Backend, dtype: FloatDType): Record<string, Float64Array | number> {
  const made: Tensor[] = [];
  const results = c.run(context(backend, dtype, hashName(`${c.kernel}/${c.name}`), made));
  const values: Record<string, Float64Array | number> = {};
  for (const [key, value] of Object.entries(results)) {
    values[key] = value instanceof Tensor ? Float64Array.from(value.toArray()) : value;
    if (value instanceof Tensor) value.dispose();
  }
  for (const t of made) t.dispose();
  return values;
}

/**
 * Runs one case on `backend` in `dtype` and on the JS backend in float64, and throws with the worst element
 * when any output differs beyond the dtype's tolerance.
 */
export function checkCase(c: ConformanceCase, backend: Backend, dtype: FloatDType): void {
  const expected = runOn(c, findBackend('js'), 'float64');
  const actual = runOn(c, backend, dtype);
  const base: Tolerance = dtype === 'float32' ? FLOAT32_TOLERANCE : FLOAT64_TOLERANCE;
  const factor = c.looseness ?? 1;
  const tolerance = { atol: base.atol * factor, rtol: base.rtol * factor };
  for (const [key, want] of Object.entries(expected)) {
    const got = actual[key];
    if (got === undefined) throw new Error(`${c.kernel}/${c.name}: output '${key}' missing on ${backend.name}`);
    const label = `${c.kernel}/${c.name} ${dtype} on ${backend.name}: ${key}`;
    assertClose(typeof got === 'number' ? [got] : got, typeof want === 'number' ? [want] : want, tolerance, label);
  }
}

/** The test functions the suite registers with (Vitest's, Jest's, node:test's `describe`/`it`). */
export interface TestApi {
  describe(name: string, body: () => void): void;
  it(name: string, body: () => void | Promise<void>): void;
}

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /** Dtypes to check (default: float32 and float64). */
  dtypes?: readonly FloatDType[];
  /** Runs before each case (e.g. set the thread count). */
  beforeEach?: () => void | Promise<void>;
}

/**
 * Registers the conformance suite for the backend that `getBackend` returns, one test per kernel case and
 * dtype. Call it inside a test file:
 * `runConformance(() => findBackend('wasm'), { describe, it })`.
 */
export function runConformance(getBackend: () => Backend | Promise<Backend>, test: TestApi, options: ConformanceOptions = {}): void {
  const dtypes = options.dtypes ?? (['float32', 'float64'] as const);
  const cases = conformanceCases().filter((c) => !c.dtypes || dtypes.some((d) => c.dtypes!.includes(d)));
  const kernels = [...new Set(cases.map((c) => c.kernel))];
  for (const kernelName of kernels) {
    test.describe(kernelName, () => {
      for (const c of cases.filter((x) => x.kernel === kernelName)) {
        for (const dtype of dtypes) {
          if (c.dtypes && !c.dtypes.includes(dtype)) continue;
          test.it(`${c.name} (${dtype})`, async () => {
            const backend = await getBackend();
            await options.beforeEach?.();
            checkCase(c, backend, dtype);
          });
        }
      }
    });
  }
}
