// The order of work on a backend that reads only asynchronously (a GPU). Host-side work there (the JS fallback of a
// missing kernel, an index check) has to wait for a read, and everything called after it has to wait for it in
// turn, or a kernel would see data from before the fallback wrote its outputs. The queue is empty whenever no such
// work is pending, and calls then run at once: a backend that implements every kernel never waits.
import type { Backend } from './backend';

/** Work on one backend in call order; see withAsyncFallback. */
export class WorkQueue {
  /** The backend the deferred work reads and writes directly (under the wrapper that orders calls to it). */
  readonly base: Backend;
  #tail: Promise<void> | null = null;
  #failure: Error | null = null;

  constructor(base: Backend) {
    this.base = base;
  }

  /** Whether a call may run at once: nothing pending, and no failure waiting to be reported by a read. */
  get idle(): boolean {
    return this.#tail === null && this.#failure === null;
  }

  /**
   * Runs `task` now when nothing is pending, else after the pending work. After a failure, tasks are dropped until
   * a read reports it (the work they would do builds on the failed step), except those marked `always` (frees).
   */
  run(task: () => void, always = false): void {
    if (this.#tail === null) {
      if (this.#failure === null || always) task();
      return;
    }
    this.#append(() => {
      if (this.#failure === null || always) task();
    });
  }

  /** Queues host work that awaits reads; everything called later waits for it, and a throw becomes the failure. */
  defer(task: () => Promise<void>): void {
    this.#append(() => (this.#failure === null ? task() : undefined));
  }

  /**
   * Starts `read` in order with the queued work and resolves to its result; rejects instead with a failure of
   * earlier work, which it thereby reports (later calls run again).
   */
  read<T>(read: () => Promise<T>): Promise<T> {
    if (this.#tail === null) return this.#failure ? Promise.reject(this.#report()) : read();
    return new Promise<T>((resolve, reject) => {
      this.#append(() => {
        if (this.#failure) reject(this.#report());
        // Started here, not awaited: the read has taken its copy, so later work need not wait for it to arrive.
        else read().then(resolve, reject);
      });
    });
  }

  #report(): Error {
    const error = this.#failure!;
    this.#failure = null;
    return error;
  }

  #append(step: () => void | Promise<void>): void {
    const tail = (this.#tail ?? Promise.resolve()).then(step).catch((error: unknown) => {
      this.#failure ??= error instanceof Error ? error : new Error(String(error));
    });
    this.#tail = tail;
    void tail.then(() => {
      if (this.#tail === tail) this.#tail = null;
    });
  }
}
