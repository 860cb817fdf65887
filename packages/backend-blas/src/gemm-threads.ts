// Threads for BLAS products. OpenBLAS itself runs on one thread; a large product is split into blocks of output rows
// or columns, the calling thread computes the first and worker threads (each with its own koffi binding of the same
// library) the others, on the same memory. Why not OpenBLAS's own threads: after each call they spin for about
// 2^28 cycles (0.1 s) waiting for the next one, taking the core the wasm workers need for the kernels between
// products; these workers spin 20,000 polls and then sleep, as the wasm ones do. The split is fixed for a given
// product and thread count, so results repeat bit for bit.
import { Worker } from 'node:worker_threads';
import { BackendError } from '@microgpt/tensor';

/** One gemm call: the 14 CBLAS arguments (addresses as numbers) and whether it is dgemm. */
export interface GemmCall {
  readonly f64: boolean;
  readonly args: readonly number[];
}

/** Runs gemm calls, one per thread, in parallel. */
export interface GemmPool {
  /** Threads calls can run on: the calling one and the workers. */
  readonly threads: number;
  /** Runs `calls[0]` here and the others on workers 0, 1, …, returning when all are done. */
  run(calls: readonly GemmCall[], here: (call: GemmCall) => void): void;
  /** Uses `n` threads (starting workers as needed, once each). */
  resize(n: number): Promise<void>;
  /** Stops the workers. */
  dispose(): void;
}

// Per-worker record: Int32 [seq, done, f64, failed], then 14 Float64 arguments; 256 bytes, so records do not share
// cache lines.
const RECORD_BYTES = 256;
const ARGS_BYTE = 64;
const SEQ = 0;
const DONE = 1;
const F64 = 2;
const FAILED = 3;
const GEMM_ARGUMENTS = 14;
const MAX_WORKERS = 15;
/** Polls of the calling thread before it sleeps between checks. */
const MAIN_SPIN = 1_000_000;
const WAIT_LIMIT_MS = 60_000;

const WORKER_SOURCE = `
'use strict';
const { parentPort, workerData } = require('node:worker_threads');
const { koffiPath, library, signatures, control, record } = workerData;
const koffi = require(koffiPath);
const lib = koffi.load(library);
const gemms = signatures.map((signature) => lib.func(signature));
const ctl = new Int32Array(control, record, ${RECORD_BYTES / 4});
const args = new Float64Array(control, record + ${ARGS_BYTE}, ${GEMM_ARGUMENTS});
const SPIN = 20000;
// Read before saying ready: a job posted as soon as the main thread hears it must be seen as new.
let seen = Atomics.load(ctl, ${SEQ});
parentPort.postMessage('ready');
for (;;) {
  let spins = 0;
  while (Atomics.load(ctl, ${SEQ}) === seen) {
    if (++spins > SPIN) Atomics.wait(ctl, ${SEQ}, seen);
  }
  seen = Atomics.load(ctl, ${SEQ});
  if (seen < 0) break;
  try {
    gemms[ctl[${F64}]](...args);
  } catch {
    ctl[${FAILED}] = 1;
  }
  Atomics.store(ctl, ${DONE}, seen);
  Atomics.notify(ctl, ${DONE});
}
`;

/** Where the workers find koffi and the library, and how they declare sgemm and dgemm (in that order). */
export interface GemmWorkerSetup {
  readonly koffiPath: string;
  readonly library: string;
  readonly signatures: readonly [string, string];
}

/** A pool with one thread (the caller's); `resize` starts workers that load `setup.library` through koffi. */
export function createGemmPool(setup: GemmWorkerSetup): GemmPool {
  const control = new SharedArrayBuffer(MAX_WORKERS * RECORD_BYTES);
  const workers: Worker[] = [];
  const recordOf = (w: number): { ctl: Int32Array; args: Float64Array } => ({
    ctl: new Int32Array(control, w * RECORD_BYTES, RECORD_BYTES / 4),
    args: new Float64Array(control, w * RECORD_BYTES + ARGS_BYTE, GEMM_ARGUMENTS),
  });
  const records = Array.from({ length: MAX_WORKERS }, (_, w) => recordOf(w));
  let threads = 1;
  // A worker that died after starting (it never should: a failed product only sets FAILED) fails every later run.
  let broken: Error | null = null;

  const start = (w: number): Promise<Worker> =>
    new Promise((resolve, reject) => {
      records[w]!.ctl.fill(0);
      const worker = new Worker(WORKER_SOURCE, { eval: true, workerData: { ...setup, control, record: w * RECORD_BYTES } });
      let ready = false;
      worker.once('message', () => {
        ready = true;
        worker.unref();
        resolve(worker);
      });
      worker.on('error', (error) => {
        if (ready) broken = new BackendError(`blas: worker ${w} stopped: ${error.message}`, { cause: error });
        else reject(new BackendError(`blas: worker ${w} did not start: ${error.message}`, { cause: error }));
      });
    });

  const post = (w: number, call: GemmCall): number => {
    const { ctl, args } = records[w]!;
    args.set(call.args);
    ctl[F64] = call.f64 ? 1 : 0;
    ctl[FAILED] = 0;
    const seq = (Atomics.load(ctl, SEQ) + 1) & 0x3fffffff;
    Atomics.store(ctl, SEQ, seq);
    Atomics.notify(ctl, SEQ);
    return seq;
  };

  const finish = (w: number, seq: number): void => {
    const { ctl } = records[w]!;
    const started = Date.now();
    let spins = 0;
    while (Atomics.load(ctl, DONE) !== seq) {
      if (++spins < MAIN_SPIN) continue;
      Atomics.wait(ctl, DONE, Atomics.load(ctl, DONE), 100);
      if (Date.now() - started > WAIT_LIMIT_MS) throw new BackendError(`blas: worker ${w} did not finish its product in ${WAIT_LIMIT_MS / 1000} s`);
    }
    if (ctl[FAILED]) throw new BackendError(`blas: the product failed on worker ${w}`);
  };

  return {
    get threads() {
      return threads;
    },
    run(calls, here) {
      if (broken) throw broken;
      const posted = calls.slice(1).map((call, w) => post(w, call));
      try {
        here(calls[0]!);
      } finally {
        posted.forEach((seq, w) => {
          finish(w, seq);
        });
      }
    },
    async resize(n) {
      if (!Number.isInteger(n) || n < 1 || n > MAX_WORKERS + 1) throw new RangeError(`setThreads: expected a whole number in [1, ${MAX_WORKERS + 1}], found ${n}`);
      while (workers.length < n - 1) workers.push(await start(workers.length));
      threads = n;
    },
    dispose() {
      workers.forEach((worker, w) => {
        Atomics.store(records[w]!.ctl, SEQ, -1);
        Atomics.notify(records[w]!.ctl, SEQ);
        void worker.terminate();
      });
      workers.length = 0;
      threads = 1;
    },
  };
}
