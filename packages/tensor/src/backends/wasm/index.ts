// The WebAssembly SIMD backend: tensors live in one WebAssembly memory (no copies between kernels), kernels
// come from the AssemblyScript module in assembly/, and large kernels are split across worker threads that
// share that memory. Without SharedArrayBuffer (a page that is not cross-origin isolated) it runs on one thread.
// The module is the relaxed-SIMD build (fused multiply-add) where the engine has relaxed SIMD, else plain SIMD128.
import { type Backend, BackendError, type CommandList, DTYPES, type DType, type Kernels, type MemoryStats, type Storage, type Tensor, type TypedArray, bytesPerElement } from '../../index';
import { recordWasmCommands } from './command-list';
import { MAX_MEMORY_BYTES, createHeap } from './heap';
import { wasmKernels } from './kernels';
import { compileKernels, instantiateKernels } from './module';
import { type WasmRuntime, type WasmStorage, createRuntime } from './runtime';
import { type SimdFlavor, chooseSimdFlavor } from './simd-flavor';
import { type Pool, coreCount, createPool } from './threads';
import { RECORD } from './worker-source';

/** Options of `createWasmBackend`. */
export interface WasmBackendOptions {
  /** Threads per kernel (default: the number of cores, at most 4). */
  threads?: number;
  /**
   * Use a shared memory (needed for threads). Default: when SharedArrayBuffer exists and the page, if any,
   * is cross-origin isolated. `false` gives a one-thread backend without workers.
   */
  sharedMemory?: boolean;
  /** Reports, once, that more threads were asked for than can run; default console.warn. */
  warn?: (message: string) => void;
  /**
   * Which kernels module: `relaxed-simd` (fused multiply-add; an error where the engine lacks relaxed SIMD),
   * `simd128`, or `auto` (the default: the environment variable MICROGPT_WASM_SIMD if set, else relaxed-simd
   * where available). Workers load the same module as the main thread.
   */
  simd?: SimdFlavor | 'auto';
}

/** The wasm backend, with thread control beyond the `Backend` interface. */
export interface WasmBackend extends Backend {
  /** Threads per kernel now. */
  readonly threads: number;
  /** Bytes of storage the 4 GiB memory has room for, less what the runtime took at start. */
  readonly maxBytes: number;
  /** Whether the memory is shared, i.e. whether more than one thread is possible. */
  readonly shared: boolean;
  /** The kernels module loaded: `relaxed-simd` (fused multiply-add) or `simd128`. */
  readonly simd: SimdFlavor;
  /**
   * The WebAssembly memory every tensor of this backend lives in, for a backend composed over this one that runs
   * its own code on the tensors in place (a native BLAS). Its buffer changes when the memory grows: take it anew
   * at each call.
   */
  readonly wasmMemory: WebAssembly.Memory;
  /** Byte address in `wasmMemory` of element [0, …] of `t` (a tensor over this backend's storage). */
  byteAddress(t: Tensor): number;
  readSync(storage: Storage, offset: number, length: number): TypedArray;
  /** Uses `n` threads per kernel from now on, starting workers the first time (once each). */
  setThreads(n: number): Promise<void>;
  /** Kernels with less work than this stay on one thread; 1 splits everything (for tests). */
  minParallelWork: number;
  /** Records kernel calls into a list replayed with one call into wasm (see `Backend.recordCommands`). */
  recordCommands(record: (kernels: Partial<Kernels>) => void): CommandList | null;
  /**
   * Runs `steps` steps of the module's multiply-add ceiling loop (twelve independent f32x4 multiply-add chains, no
   * memory traffic: assembly/multiply-add-ceiling.ts) split across the backend's threads as a kernel is, and
   * returns the floating-point operations done. For benchmarks: the arithmetic peak, on one thread and on several,
   * that a kernel's GFLOP/s is judged against.
   * @throws {RangeError} unless steps is a whole number from 0 to 2³¹ − 1.
   */
  multiplyAddCeiling(steps: number): number;
  /** Stops the workers; the backend is unusable afterwards. */
  dispose(): void;
}

/** Heap addresses start above the module's static data (memoryBase 64 KiB) with room to spare. */
const HEAP_BASE = 1 << 20;
const MAX_WORKERS = 15;
const DEFAULT_MAX_THREADS = 4;
const KERNEL_DTYPES: readonly DType[] = ['float32', 'float64'];

async function defaultThreads(): Promise<number> {
  return Math.max(1, Math.min(DEFAULT_MAX_THREADS, await coreCount()));
}

function sharedMemoryAvailable(): boolean {
  return typeof SharedArrayBuffer === 'function' && (globalThis as { crossOriginIsolated?: boolean }).crossOriginIsolated !== false;
}

/**
 * Starts a wasm backend: picks and compiles the embedded module, creates its memory and, when threads are
 * possible, its workers.
 * @throws {BackendError} when the module does not load or compile (no WebAssembly SIMD), or `simd` (or
 * MICROGPT_WASM_SIMD) names an unknown flavor or relaxed-simd where the engine lacks it.
 */
export async function createWasmBackend(options: WasmBackendOptions = {}): Promise<WasmBackend> {
  const wanted = options.threads ?? (await defaultThreads());
  const shared = options.sharedMemory ?? sharedMemoryAvailable();
  if (wanted > 1 && !shared) {
    (options.warn ?? console.warn)(
      `microgpt wasm: ${wanted} threads asked for, but there is no shared memory (SharedArrayBuffer needs a cross-origin isolated page); running on one thread`,
    );
  }
  const simd = await chooseSimdFlavor(options.simd);
  const module = await compileKernels(shared, simd);
  const memory = new WebAssembly.Memory({ initial: 256, maximum: 65536, shared });
  const exports = await instantiateKernels(module, memory);
  const heap = createHeap(memory, HEAP_BASE);
  const records = heap.alloc(MAX_WORKERS * RECORD.bytes);
  const pool: Pool = createPool(exports, module, memory, (w) => records + w * RECORD.bytes, shared);
  let liveStorages = 0;
  let liveBytes = 0;
  let totalAllocations = 0;
  let maxBytes = 0;

  // Storages are recognized by identity, not by their label: a backend composed over this one relabels them.
  const live = new WeakSet<Storage>();
  const own = (storage: Storage, op: string): WasmStorage => {
    if (!live.has(storage)) throw new BackendError(`wasm.${op}: storage is freed or from another backend`);
    return storage as WasmStorage;
  };
  const copyOut = (op: string, storage: Storage, offset: number, length: number): TypedArray => {
    const s = own(storage, op);
    return runtime.viewAt(s.dtype, s.address + offset * bytesPerElement(s.dtype), length).slice();
  };
  const backend: WasmBackend = {
    name: 'wasm',
    dtypes: DTYPES,
    shared,
    simd,
    wasmMemory: memory,
    byteAddress: (t) => runtime.address(t),
    kernels: {},
    get threads() {
      return pool.threads;
    },
    get maxBytes() {
      return maxBytes;
    },
    get minParallelWork() {
      return pool.minParallelWork;
    },
    set minParallelWork(work: number) {
      pool.minParallelWork = work;
    },
    setThreads: (n) => {
      if (n > MAX_WORKERS + 1) return Promise.reject(new RangeError(`setThreads: at most ${MAX_WORKERS + 1} threads, asked for ${n}`));
      return pool.resize(n);
    },
    alloc(dtype, size) {
      const bytes = size * bytesPerElement(dtype);
      const storage: WasmStorage = { backend, dtype, size, address: heap.alloc(bytes), freed: false };
      live.add(storage);
      liveStorages++;
      liveBytes += bytes;
      totalAllocations++;
      return storage;
    },
    free(storage) {
      const s = own(storage, 'free');
      heap.free(s.address);
      s.freed = true;
      live.delete(s);
      liveStorages--;
      liveBytes -= s.size * bytesPerElement(s.dtype);
    },
    readSync: (storage, offset, length) => copyOut('readSync', storage, offset, length),
    // The executor runs now, so the copy is taken before the promise returns, and a bad storage rejects it.
    readAsync: (storage, offset, length) =>
      new Promise((resolve) => {
        resolve(copyOut('readAsync', storage, offset, length));
      }),
    write(storage, offset, data) {
      const s = own(storage, 'write');
      runtime.viewAt(s.dtype, s.address + offset * bytesPerElement(s.dtype), data.length).set(data);
    },
    memory: (): MemoryStats => ({ liveStorages, liveBytes, totalAllocations }),
    recordCommands: (record) => recordWasmCommands(runtime, record),
    multiplyAddCeiling(steps) {
      if (!Number.isInteger(steps) || steps < 0 || steps > 0x7fffffff) throw new RangeError(`multiplyAddCeiling: expected a whole number of steps from 0 to 2^31 - 1, found ${steps}`);
      const flops = steps * exports.multiplyAddCeilingFlopsPerStep();
      pool.run('multiplyAddCeilingF32', steps, 1, flops, (start, end) => [start, end, 0.5, 1]);
      return flops;
    },
    supports: (kernel, dtype) => (kernel === 'quantMatmul' ? dtype === 'float32' : KERNEL_DTYPES.includes(dtype) || kernel === 'fill' || kernel === 'copy'),
    dispose() {
      pool.dispose();
    },
  };
  const runtime: WasmRuntime = createRuntime(exports, memory, heap, pool);
  maxBytes = MAX_MEMORY_BYTES - HEAP_BASE - heap.stats().reservedBytes;
  Object.assign(backend.kernels, wasmKernels(runtime));
  await pool.resize(shared ? wanted : 1);
  return backend;
}
