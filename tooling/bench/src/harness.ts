// The benchmark harness: time a function (warm-up, then repeated runs, median), and print one JSON line per
// measurement on stdout. Progress and notes go to stderr so stdout stays machine-readable.

/** One measurement, printed as one JSON line. */
export interface Measurement {
  /** Suite name, e.g. `matmul`. */
  suite: string;
  /** What was measured, e.g. `matmul-512-tA`. */
  name: string;
  /** Which implementation: `js`, `wasm`, or a peer such as `tfjs-wasm`. */
  impl: string;
  threads: number;
  /** e.g. `gflops`, `ms`, `tokens_per_s`. */
  metric: string;
  value: number;
  unit: string;
  /** The GPU adapter that ran it (`adapter.info`: vendor, architecture, device, description), for `webgpu` rows. */
  adapter?: string;
  /** True where the row ran on a software adapter (SwiftShader): it checks that the path works, not its speed. */
  correctnessOnly?: boolean;
}

/** Receives measurements as a suite produces them. */
export type Emit = (measurement: Measurement) => void;

/** How long to time a function. */
export interface TimingOptions {
  /** Untimed runs first (JIT warm-up, caches). */
  warmup?: number;
  /** At least this many timed runs… */
  minRuns?: number;
  /** …and keep running until this many seconds of timed runs have passed (or maxRuns). */
  minSeconds?: number;
  maxRuns?: number;
}

/** Median of `values` (the mean of the middle two for an even count). */
export function median(values: readonly number[]): number {
  if (values.length === 0) throw new RangeError('median: no values');
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

/** Median seconds of one call of `fn`, after warm-up. */
export function timeMedian(fn: () => void, options: TimingOptions = {}): number {
  const { warmup = 2, minRuns = 5, minSeconds = 0.5, maxRuns = 200 } = options;
  for (let i = 0; i < warmup; i++) fn();
  const times: number[] = [];
  let total = 0;
  while (times.length < maxRuns && (times.length < minRuns || total < minSeconds)) {
    const start = performance.now();
    fn();
    const seconds = (performance.now() - start) / 1000;
    times.push(seconds);
    total += seconds;
  }
  return median(times);
}

/**
 * Median seconds of one call of `fn`, after warm-up, awaiting each call before the next: `timeMedian` for
 * libraries whose results are only ready when a promise settles (e.g. jax-js's `blockUntilReady()`).
 */
export async function timeMedianAsync(fn: () => Promise<unknown>, options: TimingOptions = {}): Promise<number> {
  const { warmup = 2, minRuns = 5, minSeconds = 0.5, maxRuns = 200 } = options;
  for (let i = 0; i < warmup; i++) await fn();
  const times: number[] = [];
  let total = 0;
  while (times.length < maxRuns && (times.length < minRuns || total < minSeconds)) {
    const start = performance.now();
    await fn();
    const seconds = (performance.now() - start) / 1000;
    times.push(seconds);
    total += seconds;
  }
  return median(times);
}

/** Prints a measurement as a JSON line on stdout. */
export const printMeasurement: Emit = (measurement) => {
  process.stdout.write(`${JSON.stringify(measurement)}\n`);
};

/**
 * A measurement as one aligned line for people: suite, name, impl, threads, metric, value (5 digits), unit, and the
 * adapter in brackets where there is one (saying so when the row is correctness-only).
 */
export function formatMeasurement(m: Measurement): string {
  const line = `${m.suite.padEnd(9)} ${m.name.padEnd(28)} ${m.impl.padEnd(12)} ${String(m.threads).padStart(2)}t  ${m.metric.padEnd(14)} ${String(Number(m.value.toPrecision(5))).padStart(12)} ${m.unit}`;
  if (m.adapter === undefined) return line;
  return `${line}  [${m.adapter}${m.correctnessOnly ? ': software adapter, correctness only, not a speed' : ''}]`;
}

/** Prints a measurement as an aligned line on stdout (`--table`, what `microgpt bench` shows). */
export const printMeasurementLine: Emit = (measurement) => {
  process.stdout.write(`${formatMeasurement(measurement)}\n`);
};

/** Prints a progress note on stderr. */
export function progress(message: string): void {
  process.stderr.write(`${message}\n`);
}
