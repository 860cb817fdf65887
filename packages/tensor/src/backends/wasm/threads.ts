// The thread pool of the wasm backend. Workers start once and share the module's memory; a job is a record in
// that memory (export index + arguments) whose sequence number the main thread bumps and notifies. Workers spin
// briefly before sleeping, so back-to-back kernels do not pay a wake-up; the main thread always does a share.
import type * as NodeOs from 'node:os';
import type * as NodeWorkerThreads from 'node:worker_threads';
import { BackendError } from '../../index';
import type { KernelExports, KernelName } from './module';
import { RECORD, WORKER_SOURCE } from './worker-source';

/** A long enough wait that only a dead worker reaches it: fail instead of hanging. */
const WAIT_LIMIT_MS = 120_000;
const MAIN_SPIN = 1_000_000;

interface WorkerHandle {
  terminate(): unknown;
}

/** Splits kernels across threads; with one thread it calls the export directly. */
export interface Pool {
  /** Threads used per kernel (the main thread plus started workers in use). */
  readonly threads: number;
  /** Starts workers until `n - 1` exist and uses `n` threads from now on. */
  resize(n: number): Promise<void>;
  /** Kernels with less `work` than this run on one thread (default 32768; tests set 1 to split everything). */
  minParallelWork: number;
  /**
   * Runs export `name` over [0, total) in chunks aligned to `grain`, one chunk per thread when `work` (any
   * measure of cost, e.g. elements or multiply-adds) reaches minParallelWork; `argsFor(start, end, thread)`
   * gives the arguments of each call.
   */
  run<N extends KernelName>(name: N, total: number, grain: number, work: number, argsFor: (start: number, end: number, thread: number) => Parameters<KernelExports[N]>): void;
  /** How many threads `run` would split this call over now (1: one call of the export over the whole range). */
  parts(total: number, grain: number, work: number): number;
  dispose(): void;
}

/** Whether this is Node.js (or a runtime that says it is one). */
export function isNode(): boolean {
  return typeof process !== 'undefined' && typeof process.versions === 'object' && 'node' in process.versions;
}

/** Imports a Node built-in without letting a browser bundler try to resolve it. */
export async function nodeModule<T>(name: string): Promise<T> {
  return (await import(/* @vite-ignore */ `node:${name}`)) as T;
}

/** Logical cores: navigator.hardwareConcurrency in browsers, os.availableParallelism() in Node. */
export async function coreCount(): Promise<number> {
  if (isNode()) return (await nodeModule<typeof NodeOs>('os')).availableParallelism();
  return typeof navigator === 'object' ? navigator.hardwareConcurrency : 1;
}

/** Whether this thread may block in Atomics.wait (browsers' main thread may not). */
function canBlock(): boolean {
  try {
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 1, 0);
    return true;
  } catch {
    return false;
  }
}

async function spawnWorker(module: WebAssembly.Module, memory: WebAssembly.Memory, record: number, names: string[]): Promise<WorkerHandle> {
  const data = { module, memory, record, names };
  if (isNode()) {
    const { Worker } = await nodeModule<typeof NodeWorkerThreads>('worker_threads');
    const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: data });
    worker.unref();
    await new Promise<void>((resolve, reject) => {
      worker.once('message', () => {
        resolve();
      });
      worker.once('error', reject);
    });
    return worker;
  }
  const url = URL.createObjectURL(new Blob([WORKER_SOURCE], { type: 'text/javascript' }));
  const worker = new Worker(url);
  await new Promise<void>((resolve, reject) => {
    worker.onmessage = () => {
      resolve();
    };
    worker.onerror = (event) => {
      reject(new Error(event.message));
    };
    worker.postMessage(data);
  });
  URL.revokeObjectURL(url);
  return worker;
}

/**
 * A pool over `exports`. With a shared `memory`, `resize` starts workers whose job records live at
 * `recordsAt(i)` (RECORD.bytes each, in memory the caller reserved); without one, it stays at one thread.
 */
export function createPool(
  exports: KernelExports,
  module: WebAssembly.Module,
  memory: WebAssembly.Memory,
  recordsAt: (worker: number) => number,
  shared: boolean,
): Pool {
  // Calls go through one untyped signature: `run`'s signature already ties the arguments to the export.
  const calls = exports as unknown as Readonly<Record<string, ((...args: readonly number[]) => unknown) | undefined>>;
  const names = Object.keys(calls).filter((name) => typeof calls[name] === 'function');
  const index = new Map(names.map((name, i) => [name, i]));
  const workers: WorkerHandle[] = [];
  const mainBlocks = shared && canBlock();
  let threads = 1;

  const control = (w: number): Int32Array => new Int32Array(memory.buffer, recordsAt(w), RECORD.bytes / 4);

  const post = (w: number, name: string, args: readonly number[]): number => {
    if (args.length > RECORD.maxArgs) throw new BackendError(`wasm: ${name} takes ${args.length} arguments, more than ${RECORD.maxArgs}`);
    const ctl = control(w);
    new Float64Array(memory.buffer, recordsAt(w) + RECORD.argsByte, args.length).set(args);
    ctl[RECORD.fn] = index.get(name) ?? -1;
    ctl[RECORD.argc] = args.length;
    ctl[RECORD.failed] = 0;
    const seq = (Atomics.load(ctl, RECORD.seq) + 1) | 0;
    Atomics.store(ctl, RECORD.seq, seq);
    Atomics.notify(ctl, RECORD.seq);
    return seq;
  };

  const await_ = (w: number, seq: number, name: string): void => {
    const ctl = control(w);
    const started = Date.now();
    let spins = 0;
    while (Atomics.load(ctl, RECORD.done) !== seq) {
      if (++spins < MAIN_SPIN) continue;
      if (mainBlocks) Atomics.wait(ctl, RECORD.done, Atomics.load(ctl, RECORD.done), 100);
      if (Date.now() - started > WAIT_LIMIT_MS) throw new BackendError(`wasm: worker ${w} did not finish ${name} in ${WAIT_LIMIT_MS / 1000} s`);
    }
    if (ctl[RECORD.failed]) throw new BackendError(`wasm: ${name} failed on worker ${w}`);
  };

  return {
    minParallelWork: 32768,
    get threads() {
      return threads;
    },
    async resize(n) {
      if (!Number.isInteger(n) || n < 1) throw new RangeError(`setThreads: expected a whole number ≥ 1, found ${n}`);
      if (n > 1 && !shared) throw new BackendError('setThreads: this wasm backend has no shared memory (SharedArrayBuffer unavailable); it runs on one thread');
      while (workers.length < n - 1) {
        const w = workers.length;
        new Int32Array(memory.buffer, recordsAt(w), RECORD.bytes / 4).fill(0);
        workers.push(await spawnWorker(module, memory, recordsAt(w), names));
      }
      threads = n;
    },
    run(name, total, grain, work, argsFor) {
      const call = calls[name];
      if (!call) throw new BackendError(`wasm: the kernels module has no export '${name}'`);
      const grains = Math.ceil(total / grain);
      const parts = this.parts(total, grain, work);
      if (parts <= 1) {
        call(...argsFor(0, total, 0));
        return;
      }
      const bounds = Array.from({ length: parts + 1 }, (_, i) => Math.min(total, Math.round((grains * i) / parts) * grain));
      const posted = [];
      for (let t = 1; t < parts; t++) posted.push(post(t - 1, name, argsFor(bounds[t]!, bounds[t + 1]!, t)));
      try {
        call(...argsFor(bounds[0]!, bounds[1]!, 0));
      } finally {
        posted.forEach((seq, i) => {
          await_(i, seq, name);
        });
      }
    },
    parts(total, grain, work) {
      return work < this.minParallelWork ? 1 : Math.min(threads, Math.ceil(total / grain));
    },
    dispose() {
      for (const [w, worker] of workers.entries()) {
        const ctl = control(w);
        ctl[RECORD.fn] = -1;
        Atomics.add(ctl, RECORD.seq, 1);
        Atomics.notify(ctl, RECORD.seq);
        void worker.terminate();
      }
      workers.length = 0;
      threads = 1;
    },
  };
}
