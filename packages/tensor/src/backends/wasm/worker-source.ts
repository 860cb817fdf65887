// The source of a kernel worker, as a string: Node runs it with `new Worker(source, { eval: true })` and
// browsers from a Blob URL, so the package needs no separate worker file. The worker instantiates the kernels
// module on the shared memory, then waits for jobs in its record of the control block (see threads.ts).

/** Layout of one worker's job record (Int32 slots, then Float64 arguments), shared with threads.ts. */
export const RECORD = {
  /** Int32 index: job sequence number, bumped by the main thread to post a job. */
  seq: 0,
  /** Int32 index: the sequence number of the last finished job, set by the worker. */
  done: 1,
  /** Int32 index: which export to call (index into the names list); -1 stops the worker. */
  fn: 2,
  /** Int32 index: how many arguments follow. */
  argc: 3,
  /** Int32 index: set to 1 by the worker when the call threw (the main thread then throws). */
  failed: 4,
  /** Byte offset of the Float64 arguments. */
  argsByte: 24,
  maxArgs: 24,
  /** Bytes per record (a multiple of 64 so records do not share cache lines). */
  bytes: 256,
} as const;

/** The worker's JavaScript: it instantiates the kernels module on the shared memory, then runs the jobs posted to its record. */
export const WORKER_SOURCE = `
'use strict';
const R = ${JSON.stringify(RECORD)};
const SPIN = 20000;
function serve({ module, memory, record, names }) {
  const exports = new WebAssembly.Instance(module, { env: { memory } }).exports;
  const calls = names.map((name) => exports[name]);
  const ctl = new Int32Array(memory.buffer, record, R.bytes / 4);
  const args = new Float64Array(memory.buffer, record + R.argsByte, R.maxArgs);
  // The job count is read now, before the worker says it is ready: read in the loop, it could already include
  // the first job, which the main thread may post as soon as it hears 'ready', and that job would never run.
  let seen = Atomics.load(ctl, R.seq);
  return () => {
    for (;;) {
      let spins = 0;
      while (Atomics.load(ctl, R.seq) === seen) {
        if (++spins > SPIN) Atomics.wait(ctl, R.seq, seen);
      }
      seen = Atomics.load(ctl, R.seq);
      const fn = ctl[R.fn];
      if (fn < 0) return;
      try {
        calls[fn](...args.subarray(0, ctl[R.argc]));
      } catch {
        ctl[R.failed] = 1;
      }
      Atomics.store(ctl, R.done, seen);
      Atomics.notify(ctl, R.done);
    }
  };
}
if (typeof process === 'object' && process.versions && process.versions.node) {
  import('node:worker_threads').then(({ parentPort, workerData }) => {
    const loop = serve(workerData);
    parentPort.postMessage('ready');
    loop();
  });
} else {
  self.onmessage = (event) => {
    const loop = serve(event.data);
    self.postMessage('ready');
    loop();
  };
}
`;
