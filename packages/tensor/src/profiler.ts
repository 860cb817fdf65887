// The kernel profiler: while a profile is active, `kernel()` hands out wrapped kernels that time each call
// (performance.now() around it) and note its name, backend, dtype, thread count, tensor shapes and FLOPs
// (kernel-flops.ts). With no profile active `kernel()` returns the kernel itself, so profiling costs nothing unless
// it is on. Whoever keeps kernels between calls (a planned pass) looks them up again when `profileEpoch()` has
// moved: a pass made before a profile records inside it, and one made inside a profile drops the wrappers when it
// stops. A wrapper still held after its profile calls straight through after one check. Times are those of the
// call: on a backend that queues work (a GPU, a withAsyncFallback backend) they measure issuing the work, not
// running it.
import type { Backend, KernelName } from './backend';
import { rootOf } from './compose';
import type { DType } from './dtype';
import { BackendError } from './errors';
import { kernelFlops } from './kernel-flops';

/** One recorded kernel call. */
export interface KernelCall {
  /** Kernel name (`matmul`, `attention`, …). */
  readonly kernel: string;
  /** Name of the backend that ran it. */
  readonly backend: string;
  /** The dtype the kernel was dispatched for. */
  readonly dtype: DType;
  /** Kernel threads of the backend at the call (1 for backends without threads). */
  readonly threads: number;
  /** The shape of each tensor argument, by argument name. */
  readonly shapes: Readonly<Record<string, readonly number[]>>;
  /** Milliseconds from the profile's start to the call's. */
  readonly start: number;
  /** Milliseconds the call took. */
  readonly duration: number;
  /** Floating-point operations of the call where known (see kernel-flops.ts: matmul 2·M·N·K, …), else null. */
  readonly flops: number | null;
}

/** Totals of one kernel over a profile. */
export interface KernelTotals {
  /** Number of calls, kept or dropped. */
  calls: number;
  /** Milliseconds in all. */
  ms: number;
  /** FLOPs of the calls whose count is known, and the milliseconds those calls took. */
  flops: number;
  /** Milliseconds of the calls counted in `flops` (GFLOP/s = flops / flopMs / 1e6). */
  flopMs: number;
}

/** What a profile recorded. */
export interface Profile {
  /** The calls in order, the first `maxCalls` of them. */
  readonly calls: readonly KernelCall[];
  /** Calls beyond `maxCalls`: counted in `totals`, not kept in `calls`. */
  readonly dropped: number;
  /** Every call's totals by kernel name, in order of first call. */
  readonly totals: Readonly<Record<string, Readonly<KernelTotals>>>;
  /** Milliseconds from start to stop. */
  readonly wallMs: number;
}

/** A running profile. */
export interface Profiler {
  /** Ends the profile (kernels stop recording) and returns what it recorded. */
  stop(): Profile;
}

/** Options of {@link startProfile}. */
export interface ProfileOptions {
  /** Calls kept for the trace (default 100,000, about 20 MB of trace JSON); later ones only add to the totals. */
  readonly maxCalls?: number;
}

interface Recorder {
  readonly t0: number;
  readonly maxCalls: number;
  readonly calls: KernelCall[];
  readonly totals: Record<string, KernelTotals>;
  dropped: number;
  readonly wrappers: WeakMap<Backend, Map<string, (args: object) => void>>;
}

let active: Recorder | null = null;
let epoch = 0;

/** Whether a profile is recording (dispatch asks before handing out a kernel). */
export function profiling(): boolean {
  return active !== null;
}

/**
 * A number that changes whenever a profile starts or stops: kernels looked up under an older number may be the
 * wrong ones (plain where they should record, or wrappers where nothing records), so look them up again.
 */
export function profileEpoch(): number {
  return epoch;
}

/**
 * Starts recording kernel calls. One profile at a time.
 * @throws {BackendError} when a profile is already active, or maxCalls is not an integer ≥ 0.
 */
export function startProfile(options: ProfileOptions = {}): Profiler {
  if (active) throw new BackendError('startProfile: a profile is already active; stop it first');
  const maxCalls = options.maxCalls ?? 100_000;
  if (!(Number.isSafeInteger(maxCalls) && maxCalls >= 0)) throw new BackendError(`startProfile: maxCalls must be an integer ≥ 0, found ${maxCalls}`);
  const recorder: Recorder = { t0: performance.now(), maxCalls, calls: [], totals: {}, dropped: 0, wrappers: new WeakMap() };
  active = recorder;
  epoch++;
  let stopped: Profile | null = null;
  return {
    stop: () => {
      if (stopped) return stopped;
      if (active === recorder) {
        active = null;
        epoch++;
      }
      stopped = { calls: recorder.calls, dropped: recorder.dropped, totals: recorder.totals, wallMs: performance.now() - recorder.t0 };
      return stopped;
    },
  };
}

interface ShapedTensor {
  readonly shape: readonly number[];
  readonly size: number;
  readonly storage: unknown;
}

const isTensor = (value: unknown): value is ShapedTensor => typeof value === 'object' && value !== null && 'storage' in value && Array.isArray((value as { shape?: unknown }).shape);

function threadsOf(backend: Backend): number {
  const threads = (rootOf(backend) as { threads?: unknown }).threads;
  return typeof threads === 'number' ? threads : 1;
}

function record(recorder: Recorder, name: string, backend: Backend, dtype: DType, args: Record<string, unknown>, t0: number, t1: number): void {
  const flops = kernelFlops(name, args);
  const totals = (recorder.totals[name] ??= { calls: 0, ms: 0, flops: 0, flopMs: 0 });
  totals.calls++;
  totals.ms += t1 - t0;
  if (flops !== null) {
    totals.flops += flops;
    totals.flopMs += t1 - t0;
  }
  if (recorder.calls.length >= recorder.maxCalls) {
    recorder.dropped++;
    return;
  }
  const shapes: Record<string, readonly number[]> = {};
  for (const [key, value] of Object.entries(args)) if (isTensor(value)) shapes[key] = [...value.shape];
  recorder.calls.push({ kernel: name, backend: backend.name, dtype, threads: threadsOf(backend), shapes, start: t0 - recorder.t0, duration: t1 - t0, flops });
}

/**
 * `run` (kernel `name` for `dtype` on `backend`) wrapped to record each call into whichever profile is active
 * when it runs; one wrapper per kernel for the active profile.
 */
export function profiledKernel(backend: Backend, name: KernelName, dtype: DType, run: (args: object) => void): (args: object) => void {
  const recorder = active!;
  let byKey = recorder.wrappers.get(backend);
  if (!byKey) recorder.wrappers.set(backend, (byKey = new Map<string, (args: object) => void>()));
  const key = `${name}:${dtype}`;
  let wrapped = byKey.get(key);
  if (!wrapped) {
    wrapped = (args) => {
      const current = active;
      if (current === null) {
        run(args);
        return;
      }
      const t0 = performance.now();
      run(args);
      record(current, name, backend, dtype, args as Record<string, unknown>, t0, performance.now());
    };
    byKey.set(key, wrapped);
  }
  return wrapped;
}
