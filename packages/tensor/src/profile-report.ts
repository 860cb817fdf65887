// What a profile shows: a table of kernels (calls, total time, share of kernel time, GFLOP/s where the FLOP count
// is known) and a Chrome trace in the Trace Event Format (JSON object form) that Perfetto and chrome://tracing
// open: one complete ('X') event a call, one track a backend.
import type { Profile } from './profiler';

/** One kernel's line of the table. */
export interface ProfileRow {
  /** Kernel name. */
  readonly kernel: string;
  /** Number of calls over the profile. */
  readonly calls: number;
  /** Milliseconds in all its calls. */
  readonly totalMs: number;
  /** Share of the time in all kernels, 0 to 1. */
  readonly share: number;
  /** Mean microseconds a call. */
  readonly meanUs: number;
  /** Billions of floating-point operations a second over the calls with a known count, or null. */
  readonly gflops: number | null;
}

/** The profile's kernels, most time first. */
export function profileRows(profile: Profile): ProfileRow[] {
  const all = Object.values(profile.totals).reduce((n, t) => n + t.ms, 0);
  return Object.entries(profile.totals)
    .map(([kernel, t]) => ({
      kernel,
      calls: t.calls,
      totalMs: t.ms,
      share: all > 0 ? t.ms / all : 0,
      meanUs: (1000 * t.ms) / t.calls,
      gflops: t.flops > 0 && t.flopMs > 0 ? t.flops / (t.flopMs * 1e6) : null,
    }))
    .sort((a, b) => b.totalMs - a.totalMs);
}

/**
 * The table as text: kernel, calls, total ms, share, µs a call, GFLOP/s ("-" where unknown), then the total
 * kernel time against the profile's wall time.
 */
export function profileTable(profile: Profile): string {
  const rows = profileRows(profile);
  const width = Math.max(6, ...rows.map((r) => r.kernel.length));
  const head = `${'kernel'.padEnd(width)} ${'calls'.padStart(9)} ${'total ms'.padStart(11)} ${'share'.padStart(7)} ${'µs/call'.padStart(10)} ${'GFLOP/s'.padStart(9)}`;
  const lines = rows.map(
    (r) =>
      `${r.kernel.padEnd(width)} ${String(r.calls).padStart(9)} ${r.totalMs.toFixed(2).padStart(11)} ${`${(100 * r.share).toFixed(1)}%`.padStart(7)} ${r.meanUs.toFixed(1).padStart(10)} ${(r.gflops === null ? '-' : r.gflops.toFixed(2)).padStart(9)}`,
  );
  const kernelMs = rows.reduce((n, r) => n + r.totalMs, 0);
  const calls = rows.reduce((n, r) => n + r.calls, 0);
  const wall = profile.wallMs > 0 ? ` of ${profile.wallMs.toFixed(0)} ms wall (${((100 * kernelMs) / profile.wallMs).toFixed(1)}% in kernels)` : '';
  return [head, ...lines, `${calls} kernel calls, ${kernelMs.toFixed(2)} ms${wall}`].join('\n');
}

/** Milliseconds as the trace's microseconds, to the nanosecond (the timer's noise below that only fills the file). */
const nanoseconds = (ms: number): number => Math.round(ms * 1e6) / 1e3;

/** A Trace Event Format event. */
export interface TraceEvent {
  /** Kernel name for a call; `process_name` or `thread_name` for a metadata event. */
  readonly name: string;
  /** Phase: `X` a complete event (a kernel call with its duration), `M` metadata (names of process and tracks). */
  readonly ph: 'X' | 'M';
  /** Process id; always 1 (one process per trace). */
  readonly pid: number;
  /** Track: 1, 2, … one per backend in order of first call; 0 for the process name. */
  readonly tid: number;
  /** Start in microseconds from the profile's start. */
  readonly ts: number;
  /** Duration in microseconds (complete events only). */
  readonly dur?: number;
  /** Category: `kernel` for calls. */
  readonly cat?: string;
  /** Shown on selection: dtype, threads, the shape of each tensor argument, and GFLOP where known; the name for metadata. */
  readonly args?: Readonly<Record<string, unknown>>;
}

/** A trace file's content (`JSON.stringify` it into trace.json). */
export interface ChromeTrace {
  /** Metadata events, then one complete event per kept call, in call order. */
  readonly traceEvents: readonly TraceEvent[];
  /** The unit the viewer shows durations in. */
  readonly displayTimeUnit: 'ms';
  /** `recordedCalls` and `droppedCalls` (calls past the profile's `maxCalls`, absent from the trace). */
  readonly otherData: Readonly<Record<string, string | number>>;
}

/**
 * The profile as a Chrome trace: a complete event ('X', microseconds) a kept call on the track of its backend,
 * named by the process and thread-name metadata events; the arguments hold dtype, threads, shapes and GFLOP.
 * @param processName the name the viewer shows for the process (the command).
 */
export function chromeTrace(profile: Profile, processName = 'microgpt'): ChromeTrace {
  const tids = new Map<string, number>();
  const events: TraceEvent[] = [{ name: 'process_name', ph: 'M', pid: 1, tid: 0, ts: 0, args: { name: processName } }];
  for (const call of profile.calls) {
    let tid = tids.get(call.backend);
    if (tid === undefined) {
      tids.set(call.backend, (tid = tids.size + 1));
      events.push({ name: 'thread_name', ph: 'M', pid: 1, tid, ts: 0, args: { name: `${call.backend} kernels` } });
    }
    const shapes = Object.fromEntries(Object.entries(call.shapes).map(([key, shape]) => [key, shape.join('×')]));
    const args = { dtype: call.dtype, threads: call.threads, ...shapes, ...(call.flops === null ? {} : { gflop: call.flops / 1e9 }) };
    events.push({ name: call.kernel, cat: 'kernel', ph: 'X', pid: 1, tid, ts: nanoseconds(call.start), dur: nanoseconds(call.duration), args });
  }
  return { traceEvents: events, displayTimeUnit: 'ms', otherData: { recordedCalls: profile.calls.length, droppedCalls: profile.dropped } };
}
