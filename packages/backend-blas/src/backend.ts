// The blas backend: the wasm backend plus a matmul on the system's BLAS. It shares the wasm backend's storage (BLAS
// reads and writes the wasm memory in place, shared or not), routes each product to BLAS or to the wasm kernel by
// size (thresholds.ts), and leaves every other kernel to wasm. One thread count drives both: the wasm workers and
// OpenBLAS's threads.
import { type Backend, type MatmulArgs, type WasmBackend, composeBackend, startBackend } from '@microgpt/tensor';
import { blasGemm } from './gemm';
import { type BlasKind, loadBlas } from './library';
import { type MatmulRouting, MEASURED_ROUTING, routeToBlas } from './thresholds';

/** Options of `createBlasBackend`. */
export interface BlasBackendOptions {
  /** The backend's name (default `blas`). */
  name?: string;
  /**
   * The wasm backend whose storage and kernels it uses (default: the registry's `wasm`, started if needed, so
   * tensors of both live in one memory). A given base stays its owner's: disposing the blas backend leaves it.
   */
  base?: WasmBackend;
  /** The BLAS library to load: a name or path, or several tried in order (default: MICROGPT_BLAS_LIBRARY, else OpenBLAS / Accelerate). */
  library?: string | readonly string[];
  /** Threads for both BLAS and the wasm kernels (default: the base's). */
  threads?: number;
  /** Which products go to BLAS (default: the measured thresholds, `MEASURED_ROUTING`). */
  routing?: MatmulRouting;
}

/** What was loaded, for `microgpt info` and train's banner. */
export interface BlasInfo {
  /** The library's name or path as loaded. */
  readonly path: string;
  /** Which library it is: OpenBLAS when it exports `openblas_get_corename`, Accelerate by its path, else plain CBLAS. */
  readonly kind: BlasKind;
  /** OpenBLAS's kernel for this CPU (`openblas_get_corename()`), null for another library. */
  readonly coreName: string | null;
  /** OpenBLAS's build description (`openblas_get_config()`), null for another library. */
  readonly config: string | null;
}

/** Products run on each path since the backend started (for tests and profiles). */
export interface BlasCounts {
  /** On BLAS (split or not). */
  readonly blas: number;
  /** On BLAS, split over threads. */
  readonly split: number;
  /** On the wasm kernel. */
  readonly wasm: number;
}

/** The blas backend, with thread control and what it loaded. */
export interface BlasBackend extends Backend {
  /** The wasm backend under it. */
  readonly base: WasmBackend;
  /** The BLAS library it loaded. */
  readonly info: BlasInfo;
  /** Threads per kernel now: the wasm workers' count, and BLAS's where the library can set it. */
  readonly threads: number;
  /**
   * Threads a product on BLAS is split over (each block a one-thread OpenBLAS call); null for a library that runs
   * its own threads and cannot be told how many (Accelerate).
   */
  readonly blasThreads: number | null;
  /** Which products go to BLAS and which are split over threads; assign to change it (all 0: every product, split). */
  routing: MatmulRouting;
  /** Products run on BLAS and on wasm so far. */
  counts(): BlasCounts;
  /**
   * Uses `n` threads for the wasm kernels and for BLAS products (split over `n` threads, see gemm-threads.ts).
   * @throws {RangeError} for n < 1 or above the limit (16).
   */
  setThreads(n: number): Promise<void>;
}

/**
 * Makes the blas backend: loads the BLAS (see `loadBlas`) and composes it over the wasm backend. Register it
 * explicitly: `registerBackend('blas', () => createBlasBackend(), 20)`, then `await setBackend('blas')`.
 * @throws {BlasUnavailableError} when no BLAS loads (its message names what to install); nothing is started then.
 */
export async function createBlasBackend(options: BlasBackendOptions = {}): Promise<BlasBackend> {
  const library = loadBlas(options.library);
  const base = options.base ?? ((await startBackend('wasm')) as WasmBackend);
  let routing = options.routing ?? MEASURED_ROUTING;
  const gemm = blasGemm(library, base, () => routing.minSplitWork);
  const wasmMatmul = base.kernels.matmul!;
  let blasCalls = 0;
  let splitCalls = 0;
  let wasmCalls = 0;
  const matmul = (args: MatmulArgs): void => {
    if (routeToBlas(routing, args)) {
      blasCalls++;
      if (gemm.matmul(args)) splitCalls++;
    } else {
      wasmCalls++;
      wasmMatmul(args);
    }
  };
  const setThreads = async (n: number): Promise<void> => {
    await base.setThreads(n);
    await gemm.setThreads(n);
  };
  const composed = composeBackend({ name: options.name ?? 'blas', base, kernels: { matmul }, dispose: () => { gemm.dispose(); } });
  const extras: Omit<BlasBackend, keyof Backend | 'threads' | 'blasThreads' | 'routing'> = {
    base,
    info: { path: library.path, kind: library.kind, coreName: library.coreName, config: library.config },
    counts: () => ({ blas: blasCalls, split: splitCalls, wasm: wasmCalls }),
    setThreads,
  };
  const backend = Object.defineProperties(Object.assign(composed, extras), {
    threads: { get: () => base.threads, enumerable: true },
    blasThreads: { get: () => gemm.threads, enumerable: true },
    routing: {
      get: () => routing,
      set: (value: MatmulRouting) => {
        routing = value;
      },
      enumerable: true,
    },
  }) as BlasBackend;
  await setThreads(options.threads ?? base.threads);
  return backend;
}
