// Finding and loading the system's BLAS through koffi (an FFI whose npm package carries prebuilt binaries, so
// nothing is compiled on the user's machine). Nothing here runs at import: koffi itself is imported when a backend
// is made, so a machine without it, or without a BLAS, gets a BlasUnavailableError to report, never a crash.
import { createRequire } from 'node:module';
import { BackendError } from '@microgpt/tensor';
import type { LibraryHandle } from 'koffi';
import { BLAS_LIBRARY_ENV, blasInstallHint, KOFFI_INSTALL_HINT } from './install-hint';

/** The koffi module, as far as this package uses it. */
interface Koffi {
  load(path: string): LibraryHandle;
  address(value: unknown): bigint;
}

/** `cblas_sgemm` / `cblas_dgemm` with pointers passed as byte addresses (numbers): no typed array is made per call. */
export type Gemm = (
  order: number,
  transA: number,
  transB: number,
  M: number,
  N: number,
  K: number,
  alpha: number,
  a: number,
  lda: number,
  b: number,
  ldb: number,
  beta: number,
  c: number,
  ldc: number,
) => void;

/** What kind of BLAS was loaded: OpenBLAS (threads and core name known), Apple's Accelerate, or another CBLAS. */
export type BlasKind = 'openblas' | 'accelerate' | 'cblas';

/** A loaded BLAS library. */
export interface BlasLibrary {
  /** The name or path it was loaded from. */
  readonly path: string;
  /** Where koffi was found, for worker threads to load it too. */
  readonly koffiPath: string;
  readonly kind: BlasKind;
  readonly sgemm: Gemm;
  readonly dgemm: Gemm;
  /** OpenBLAS's kernel for this CPU (`openblas_get_corename()`, e.g. `Haswell`), null for another library. */
  readonly coreName: string | null;
  /** OpenBLAS's build description (`openblas_get_config()`), null for another library. */
  readonly config: string | null;
  /** Sets the library's threads (OpenBLAS's `openblas_set_num_threads`); null where the library has no such call. */
  readonly setThreads: ((n: number) => void) | null;
  /** The library's threads now (`openblas_get_num_threads`), null where unknown. */
  readonly threads: () => number | null;
  /** Byte address in this process of the first byte of `buffer`. */
  address(buffer: ArrayBufferLike): number;
}

/** Thrown when no BLAS can be loaded: `reason` says what was tried and why it failed, `hint` what to install and the fallback. */
export class BlasUnavailableError extends BackendError {
  /** Always `'BlasUnavailableError'`, so a caller can fall back without `instanceof`. */
  override readonly name = 'BlasUnavailableError';
  /** What was tried and why it failed, e.g. `blas: no BLAS library found (tried libopenblas.so.0: not found)`. */
  readonly reason: string;
  /** What to install: a BLAS library on each system (`blasInstallHint()`), or the koffi package when that is what failed. */
  readonly install: string;
  /** `install`, then that the wasm backend runs without it. */
  readonly hint: string;
  /**
   * The message is `reason`, then what to install and the wasm fallback.
   * @param reason what was tried and why it failed, starting with `blas:`.
   * @param options `cause`: the loader's own error, when there is one; `install`: what to install, when it is not
   * a BLAS library (default `blasInstallHint()`).
   */
  constructor(reason: string, options?: ErrorOptions & { readonly install?: string }) {
    const install = options?.install ?? blasInstallHint();
    const hint = `${install}; without it, the wasm backend (the default) runs every kernel`;
    super(`${reason}; ${hint}`, options);
    this.reason = reason;
    this.install = install;
    this.hint = hint;
  }
}

const ACCELERATE = '/System/Library/Frameworks/Accelerate.framework/Accelerate';

/**
 * Libraries tried in order when none is named. Generic `libblas.so.3` is accepted only when it turns out to be
 * OpenBLAS (Debian points it at OpenBLAS when both are installed): a reference BLAS runs sgemm at a few GFLOP/s,
 * slower than the wasm kernels, so it is used only when named explicitly.
 */
export function defaultCandidates(platform: NodeJS.Platform = process.platform): string[] {
  switch (platform) {
    case 'darwin':
      return [ACCELERATE, '/opt/homebrew/opt/openblas/lib/libopenblas.dylib', '/usr/local/opt/openblas/lib/libopenblas.dylib', 'libopenblas.dylib'];
    case 'win32':
      return ['libopenblas.dll', 'openblas.dll'];
    default:
      // Fedora's libopenblas.so.0 is the single-threaded build; its threaded one is libopenblasp.so.0.
      return ['libopenblasp.so.0', 'libopenblas.so.0', 'libopenblaso.so.0', 'libopenblas.so', 'libblas.so.3'];
  }
}

const GEMM_ARGS = 'int, int, int, int, int, int, {T}, uintptr_t, int, uintptr_t, int, {T}, uintptr_t, int';
/** koffi's declarations of cblas_sgemm and cblas_dgemm, with pointers as addresses. */
export const GEMM_SIGNATURES = [`void cblas_sgemm(${GEMM_ARGS.replaceAll('{T}', 'float')})`, `void cblas_dgemm(${GEMM_ARGS.replaceAll('{T}', 'double')})`] as const;

/** The first line of an error's message. */
function firstLine(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).split('\n')[0]!;
}

/**
 * Loads koffi (its CommonJS build, which worker threads load too) and says where it is. A bundled app (the microgpt
 * CLI bundles this package's source) may not see koffi from its own folder, as pnpm keeps it beside this package
 * only: then it is found from this package's folder.
 */
function loadKoffi(): { koffi: Koffi; koffiPath: string } {
  const here = createRequire(import.meta.url);
  try {
    let koffiPath: string;
    try {
      koffiPath = here.resolve('koffi');
    } catch {
      koffiPath = createRequire(here.resolve('@microgpt/backend-blas/package.json')).resolve('koffi');
    }
    return { koffi: here(koffiPath) as Koffi, koffiPath };
  } catch (error) {
    throw new BlasUnavailableError(`blas: the koffi package (the FFI this backend calls BLAS through) did not load on ${process.platform}-${process.arch}: ${firstLine(error)}`, { cause: error, install: KOFFI_INSTALL_HINT });
  }
}

/** A function of `lib`, or null when the library lacks the symbol. */
function optional(lib: LibraryHandle, definition: string): ((...args: unknown[]) => unknown) | null {
  try {
    return lib.func(definition) as (...args: unknown[]) => unknown;
  } catch {
    return null;
  }
}

/** Binds the CBLAS and OpenBLAS functions of `lib`; throws (a plain Error) when it lacks cblas_sgemm or cblas_dgemm. */
function bind(koffi: Koffi, koffiPath: string, lib: LibraryHandle, path: string, explicit: boolean): BlasLibrary {
  const sgemm = lib.func(GEMM_SIGNATURES[0]) as Gemm;
  const dgemm = lib.func(GEMM_SIGNATURES[1]) as Gemm;
  const coreName = optional(lib, 'const char *openblas_get_corename()');
  const config = optional(lib, 'const char *openblas_get_config()');
  const setThreads = optional(lib, 'void openblas_set_num_threads(int)');
  const getThreads = optional(lib, 'int openblas_get_num_threads()');
  const kind: BlasKind = coreName ? 'openblas' : path === ACCELERATE ? 'accelerate' : 'cblas';
  if (kind === 'cblas' && !explicit && path.includes('libblas')) {
    throw new Error(`a generic BLAS that is not OpenBLAS (a reference BLAS is slower than the wasm kernels); name it in ${BLAS_LIBRARY_ENV} to use it anyway`);
  }
  return {
    path,
    koffiPath,
    kind,
    sgemm,
    dgemm,
    coreName: coreName ? (coreName() as string).trim() : null,
    config: config ? (config() as string).trim() : null,
    setThreads: setThreads ? (n) => void setThreads(n) : null,
    threads: () => (getThreads ? (getThreads() as number) : null),
    address: (buffer) => Number(koffi.address(new Uint8Array(buffer, 0, 0))),
  };
}

/** Where to look: the `library` option, else MICROGPT_BLAS_LIBRARY, else the platform's usual names. */
function candidates(library: string | readonly string[] | undefined): { names: readonly string[]; explicit: boolean } {
  if (library !== undefined) return { names: typeof library === 'string' ? [library] : library, explicit: true };
  const fromEnv = process.env[BLAS_LIBRARY_ENV];
  if (fromEnv) return { names: [fromEnv], explicit: true };
  return { names: defaultCandidates(), explicit: false };
}

/**
 * Loads the first BLAS that has `cblas_sgemm` and `cblas_dgemm`: `library` (a name or path, or several tried in
 * order), else the one named by MICROGPT_BLAS_LIBRARY, else the platform's OpenBLAS or Accelerate.
 * @throws {BlasUnavailableError} when koffi does not load or no candidate does, naming each candidate and why, and
 * what to install.
 */
export function loadBlas(library?: string | readonly string[]): BlasLibrary {
  const { names, explicit } = candidates(library);
  if (names.length === 0) throw new BlasUnavailableError('blas: no BLAS library to try (an empty list was given)');
  const { koffi, koffiPath } = loadKoffi();
  const failures: string[] = [];
  for (const name of names) {
    let lib: LibraryHandle;
    try {
      lib = koffi.load(name);
    } catch (error) {
      failures.push(`${name}: ${firstLine(error)}`);
      continue;
    }
    try {
      return bind(koffi, koffiPath, lib, name, explicit);
    } catch (error) {
      lib.unload();
      failures.push(`${name}: ${firstLine(error)}`);
    }
  }
  throw new BlasUnavailableError(`blas: no BLAS library could be loaded (tried ${failures.join('; ')})`);
}
