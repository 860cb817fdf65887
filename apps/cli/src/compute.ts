// Where commands compute: `--backend js | wasm | blas | webgpu | auto` and `--threads N`. The blas backend comes
// from @microgpt/backend-blas (native BLAS matmuls over the wasm memory), the webgpu one from
// @microgpt/backend-webgpu (WGSL kernels through the `webgpu` package's Dawn); both are registered here and started
// only when asked for, so a machine without a BLAS library or a GPU never loads either. `auto` takes blas where it
// starts, else wasm. The wasm backend is the CLI's own (blas composes over it): it starts on one thread, so a run
// that asks for one (the default of most commands, and --compat microgpt.py) never spawns a worker; --threads N
// starts the N - 1 workers.
import { type BlasBackend, BlasUnavailableError, createBlasBackend } from '@microgpt/backend-blas';
import { SWIFTSHADER_ICD, createNodeWebGPUBackend } from '@microgpt/backend-webgpu/node';
import { type Backend, type FloatDType, type WasmBackend, createWasmBackend, listBackends, registerBackend, startBackend } from '@microgpt/tensor';
import { runtimeError, usageError } from './errors';

/** What `--backend` accepts. */
export const BACKEND_CHOICES = ['js', 'wasm', 'blas', 'webgpu', 'auto'] as const;
export type BackendChoice = (typeof BACKEND_CHOICES)[number];

/** The backends a run computes on (and saves in trainer_state.json); `auto` resolves to one of them. */
export const BACKENDS = ['js', 'wasm', 'blas', 'webgpu'] as const;
export type BackendName = (typeof BACKENDS)[number];

/** Above wasm's 10, so that `ready()` would prefer it where it starts. */
const BLAS_PRIORITY = 20;

let wasm: Promise<WasmBackend> | null = null;

/**
 * The wasm backend, started once on one thread: the tensor registry's would spawn a worker per extra core at start,
 * each a whole Node isolate to boot, before knowing whether a command wants more than one thread.
 */
function startWasm(): Promise<WasmBackend> {
  wasm ??= createWasmBackend({ threads: 1 }).catch((error: unknown) => {
    wasm = null;
    throw error;
  });
  return wasm;
}

function registerBlas(): void {
  if (!listBackends().some((entry) => entry.name === 'blas')) registerBackend('blas', async () => createBlasBackend({ base: await startWasm() }), BLAS_PRIORITY);
}

/** The BlasUnavailableError behind a failed start of the blas backend, if that is why it failed. */
function blasUnavailable(error: unknown): BlasUnavailableError | null {
  const cause = (error as { cause?: unknown }).cause;
  return error instanceof BlasUnavailableError ? error : cause instanceof BlasUnavailableError ? cause : null;
}

/** Starts blas; null (after `note`) where no BLAS loads and `fallBack` is set, else a CliError naming what to install. */
async function startBlas(fallBack: boolean, note: (line: string) => void): Promise<Backend | null> {
  registerBlas();
  try {
    return await startBackend('blas');
  } catch (error) {
    const missing = blasUnavailable(error);
    if (!missing) throw error;
    if (!fallBack) throw runtimeError(missing.reason, `${missing.install}; or use --backend wasm (the default)`);
    note(`--backend auto: using the wasm backend, as ${missing.reason.replace(/^blas: /, '')}; for faster matmuls, ${missing.install}`);
    return null;
  }
}

/** What to install or set when the webgpu backend cannot start. */
const WEBGPU_HINT = `install the webgpu package beside microgpt (npm i webgpu) and a Vulkan driver for your GPU; on a machine without a GPU, Chromium's SwiftShader works when the command starts with VK_ICD_FILENAMES=${SWIFTSHADER_ICD} LD_LIBRARY_PATH=/usr/lib/chromium; or use --backend wasm (the default)`;

/** Starts webgpu, or a CliError naming why it could not (no `webgpu` package, no adapter, no device). */
async function startWebGPU(): Promise<Backend> {
  if (!listBackends().some((entry) => entry.name === 'webgpu')) registerBackend('webgpu', () => createNodeWebGPUBackend(), 0);
  try {
    return await startBackend('webgpu');
  } catch (error) {
    const cause = (error as { cause?: unknown }).cause;
    const why = (cause instanceof Error ? cause.message : (error as Error).message).replace(/^webgpu: /, '');
    throw runtimeError(`webgpu: the backend could not start: ${why}`, WEBGPU_HINT);
  }
}

/**
 * Checks that `--backend` can compute in `dtype` before anything starts.
 * @throws CliError (usage) for float64 on webgpu (WGSL has no float64).
 */
export function checkBackendDtype(choice: BackendChoice, dtype: FloatDType, why: string): void {
  if (choice === 'webgpu' && dtype === 'float64') throw usageError(`--backend webgpu computes in float32 only (WGSL has no float64), and ${why} is float64`, 'use --backend wasm (or js) for float64');
}

/**
 * Uses `threads` threads on a started backend: the wasm workers, and on blas OpenBLAS's threads too.
 * @throws {Error} from the backend for a count it cannot run (the caller words it).
 */
export async function setComputeThreads(backend: Backend, threads: number): Promise<void> {
  if (backend.name === 'wasm') await (backend as WasmBackend).setThreads(threads);
  if (backend.name === 'blas') await (backend as BlasBackend).setThreads(threads);
}

/**
 * Starts `--backend` with `--threads`: `auto` is blas where a BLAS library loads, else wasm (saying so through
 * `note`). The started backend's `name` is what a run saves.
 * @throws CliError (usage) for threads the backend cannot run; (runtime) for `blas` without a BLAS library or
 * `webgpu` without the webgpu package or an adapter, with what to install.
 */
export async function startCompute(choice: BackendChoice, threads: number, note: (line: string) => void = () => undefined): Promise<Backend> {
  if (threads > 1 && (choice === 'js' || choice === 'webgpu')) throw usageError(`--threads ${threads} needs --backend wasm or blas (the ${choice} backend ${choice === 'js' ? 'has one thread' : 'takes no thread count'})`);
  if (choice === 'webgpu') return startWebGPU();
  const blas = choice === 'blas' || choice === 'auto' ? await startBlas(choice === 'auto', note) : null;
  const started = blas ?? (choice === 'js' ? await startBackend('js') : await startWasm());
  try {
    await setComputeThreads(started, threads);
  } catch (error) {
    throw usageError(`--threads ${threads}: ${(error as Error).message}`);
  }
  return started;
}

/** The backend a started one is, as saved in trainer_state.json. */
export function backendName(backend: Backend): BackendName {
  return backend.name as BackendName;
}

/**
 * The backend for train's banner: `wasm`, or for blas the library, OpenBLAS's kernel and its threads:
 * `blas (OpenBLAS 0.3.21 from libopenblas.so.0: Haswell kernels, 2 BLAS threads)`.
 */
export function describeBackend(backend: Backend): string {
  if (backend.name !== 'blas') return backend.name;
  const { info, blasThreads } = backend as BlasBackend;
  const library = info.kind === 'openblas' ? `${info.config?.split(' ').slice(0, 2).join(' ') ?? 'OpenBLAS'} from ${info.path}` : info.path;
  const details = [info.coreName === null ? null : `${info.coreName} kernels`, blasThreads === null ? null : `${blasThreads} BLAS thread${blasThreads > 1 ? 's' : ''}`].filter(Boolean);
  return `blas (${library}${details.length > 0 ? `: ${details.join(', ')}` : ''})`;
}
