// The conformance suite: every kernel, through its public op, on a backend under test against the JS backend in
// float64, on random shapes including size-1, odd and empty dimensions and large softmax inputs; in-place calls and
// the accumulation of backward kernels; and the backend's storage (reads, writes, every dtype it declares). Results
// are read with readAsync, so a backend without readSync runs it too.
import type { Backend } from '../backend';
import { type FloatDType, isFloatDType } from '../dtype';
import { PythonRandom } from '../random/index';
import { findBackend } from '../registry';
import { Tensor } from '../tensor';
import { tensor } from '../create';
import { FLOAT32_TOLERANCE, FLOAT64_TOLERANCE, type Tolerance, assertClose } from './compare';
import { conformanceCases } from './conformance-cases';
import { checkStorage } from './conformance-storage';

/** What a case builds its inputs with; the same seed gives the same values on every backend. */
export interface CaseContext {
  /** The backend under test; the case allocates its inputs there. */
  readonly backend: Backend;
  /** The float dtype the case runs in (each case runs once per dtype the backend supports). */
  readonly dtype: FloatDType;
  /** Normal values (exactly representable in float32, so both sides see identical inputs) times `scale` plus `shift`. */
  readonly randn: (shape: readonly number[], scale?: number, shift?: number) => Tensor;
  /** Uniform int32 values in [low, high). */
  readonly ints: (shape: readonly number[], low: number, high: number) => Tensor;
  /** Uniform uint8 values (the same draws as `ints(shape, 0, 256)`). */
  readonly bytes: (shape: readonly number[]) => Tensor;
}

/** One kernel check: build inputs with the context, run ops, return the tensors and numbers to compare. */
export interface ConformanceCase {
  /** The kernel family the case exercises (the suite's group name). */
  readonly kernel: string;
  /** The case within its kernel family (the test's name). */
  readonly name: string;
  /** Extra tolerance factor for ill-conditioned cases (long sums), default 1. */
  readonly looseness?: number;
  /** Dtypes the kernel is defined for (default both; quantMatmul is float32 only). */
  readonly dtypes?: readonly FloatDType[];
  /** Makes the inputs, runs the kernel on the context's backend and returns what to compare with the JS reference. */
  run(ctx: CaseContext): Record<string, Tensor | number>;
}

const FLOAT_DTYPES: readonly FloatDType[] = ['float32', 'float64'];

function hashName(name: string): number {
  let h = 2166136261;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 16777619) >>> 0;
  return h;
}

function context(backend: Backend, dtype: FloatDType, seed: number, made: Tensor[]): CaseContext {
  const rng = new PythonRandom(seed);
  const keep = (t: Tensor): Tensor => (made.push(t), t);
  const draw = (shape: readonly number[], low: number, high: number): number[] =>
    Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => low + Math.floor(rng.random() * (high - low)));
  return {
    backend,
    dtype,
    randn(shape, scale = 1, shift = 0) {
      const n = shape.reduce((a, b) => a * b, 1);
      const values = Float64Array.from({ length: n }, () => Math.fround(rng.gauss(0, 1) * scale + shift));
      return keep(tensor(values, { shape, dtype, backend }));
    },
    ints: (shape, low, high) => keep(tensor(Int32Array.from(draw(shape, low, high)), { shape, backend })),
    bytes: (shape) => keep(tensor(Uint8Array.from(draw(shape, 0, 256)), { shape, backend })),
  };
}

async function runOn(c: ConformanceCase, backend: Backend, dtype: FloatDType): Promise<Record<string, Float64Array | number>> {
  const made: Tensor[] = [];
  const results = c.run(context(backend, dtype, hashName(`${c.kernel}/${c.name}`), made));
  const values: Record<string, Float64Array | number> = {};
  for (const [key, value] of Object.entries(results)) {
    values[key] = value instanceof Tensor ? Float64Array.from(await value.toArrayAsync()) : value;
  }
  for (const value of Object.values(results)) if (value instanceof Tensor) value.dispose();
  for (const t of made) t.dispose();
  return values;
}

/**
 * Runs one case on `backend` in `dtype` and on the JS backend in float64, and rejects with the worst element when
 * any output differs beyond the dtype's tolerance.
 */
export async function checkCase(c: ConformanceCase, backend: Backend, dtype: FloatDType): Promise<void> {
  const expected = await runOn(c, findBackend('js'), 'float64');
  const actual = await runOn(c, backend, dtype);
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
  /** Groups tests (Vitest's or another runner's `describe`). */
  describe(name: string, body: () => void): void;
  /** One test (Vitest's or another runner's `it`). */
  it(name: string, body: () => void | Promise<void>): void;
}

/** Options of `runConformance`. */
export interface ConformanceOptions {
  /**
   * Float dtypes to check kernels in. Default: those the backend declares, when it is passed itself; float32 and
   * float64 when a function gives it (a case then fails if the backend does not declare its dtype).
   */
  dtypes?: readonly FloatDType[];
  /** Runs before each test (e.g. set the thread count). */
  beforeEach?: () => void | Promise<void>;
}

function expectDeclared(backend: Backend, dtype: FloatDType): void {
  if (!backend.dtypes.includes(dtype)) {
    throw new Error(`runConformance: backend '${backend.name}' does not store ${dtype} (it stores ${backend.dtypes.join(', ')}); pass { dtypes } to check only those`);
  }
}

/**
 * Registers the conformance suite for `backend` (or the backend a function returns, perhaps after starting it): its
 * storage (alloc, write, readAsync, readSync when present, for every dtype it declares), then one test per kernel
 * case and dtype. A backend package's test file is:
 * ```ts
 * import { describe, it } from 'vitest';
 * import { runConformance } from '@microgpt/tensor/testing';
 * import { createMyBackend } from './index';
 * runConformance(createMyBackend(), { describe, it });
 * ```
 */
export function runConformance(backend: Backend | (() => Backend | Promise<Backend>), test: TestApi, options: ConformanceOptions = {}): void {
  const start = typeof backend === 'function' ? backend : () => backend;
  const dtypes = options.dtypes ?? (typeof backend === 'function' ? FLOAT_DTYPES : backend.dtypes.filter(isFloatDType));
  const prepare = async (): Promise<Backend> => {
    const started = await start();
    await options.beforeEach?.();
    return started;
  };
  test.describe('storage', () => {
    test.it('alloc, write, readAsync and readSync of every declared dtype', async () => {
      await checkStorage(await prepare());
    });
  });
  const cases = conformanceCases().filter((c) => !c.dtypes || dtypes.some((d) => c.dtypes!.includes(d)));
  const families = [...new Set(cases.map((c) => c.kernel))];
  for (const family of families) {
    test.describe(family, () => {
      for (const c of cases.filter((x) => x.kernel === family)) {
        for (const dtype of dtypes) {
          if (c.dtypes && !c.dtypes.includes(dtype)) continue;
          test.it(`${c.name} (${dtype})`, async () => {
            const started = await prepare();
            expectDeclared(started, dtype);
            await checkCase(c, started, dtype);
          });
        }
      }
    });
  }
}
