// What the matmul peers measure: the (n, form) cases the matmul suite hands them, their names, their inputs and
// the row each one produces, so a peer's rows line up with ours by `name`.
import { findBackend, randn } from '@microgpt/tensor';
import { type Emit, type Measurement, type TimingOptions, progress } from '../harness';

/** One matmul form: `suffix` is appended to the name (`''`, `-tA`, `-tB`, `-b8`). */
export interface MatmulForm {
  readonly suffix: string;
  readonly batch: number;
  readonly transA: boolean;
  readonly transB: boolean;
}

/** C = op(A)·op(B) with square n×n operands (times `batch`) in one form. */
export interface MatmulCase {
  readonly n: number;
  readonly form: MatmulForm;
}

/** Every size in every form, except the batched forms above `maxBatchedN` (slow, and our js rows stop there). */
export function matmulCases(sizes: readonly number[], forms: readonly MatmulForm[], maxBatchedN = Infinity): MatmulCase[] {
  return sizes.flatMap((n) => forms.filter((form) => form.batch === 1 || n <= maxBatchedN).map((form) => ({ n, form })));
}

/**
 * Untimed runs before each case: at least one call and at least 0.1 s, and 1 s before a peer's first case. A
 * cold peer measures its JS glue before V8 has optimised it and its wasm before V8 has tiered it up from
 * Liftoff (tfjs-wasm at 64: ≈ 7–9 GFLOP/s for the first 0.4 s, ≈ 24 after 0.6 s; jax-js-wasm compiles a new
 * wasm module for every shape, hence the per-case warm-up too).
 */
export function peerWarmup(first: boolean): TimingOptions {
  return { warmup: 0, minRuns: 1, minSeconds: first ? 1 : 0.1, maxRuns: 100_000 };
}

/** Then the suite's own timed runs (its warm-up call is peerWarmup's). */
export const PEER_TIMING: TimingOptions = { warmup: 0, minRuns: 3, minSeconds: 0.3 };

/** Operand shape: [n, n], or [batch, n, n] for the batched form. */
export function caseShape({ n, form }: MatmulCase): number[] {
  return form.batch === 1 ? [n, n] : [form.batch, n, n];
}

/**
 * The suite's inputs for a case (standard normal, seeds 1 and 2, as the js rows use) as plain float32 data for
 * uploading into a peer. Transposed forms reuse the same data: square operands, so only the index order differs.
 */
export function caseInputs(c: MatmulCase): { a: Float32Array; b: Float32Array } {
  const backend = findBackend('js');
  const draw = (seed: number): Float32Array => {
    const t = randn(caseShape(c), { seed, backend });
    const data = Float32Array.from(t.toArray());
    t.dispose();
    return data;
  };
  return { a: draw(1), b: draw(2) };
}

/** The row name shared by every impl: `matmul-512`, `matmul-512-tA`, `matmul-512-tB`, `matmul-512-b8`. */
export function caseName({ n, form }: MatmulCase): string {
  return `matmul-${n}${form.suffix}`;
}

/** The JSON row for `seconds` per call of case `c` by `impl`. */
export function peerRow(impl: string, threads: number, c: MatmulCase, seconds: number): Measurement {
  const { n, form } = c;
  return {
    suite: 'matmul',
    name: caseName(c),
    impl,
    threads,
    metric: 'gflops',
    value: Number(((2 * form.batch * n * n * n) / seconds / 1e9).toFixed(3)),
    unit: 'GFLOP/s',
  };
}

/** A one-line description of why something failed, for a stderr note. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return error.message.split('\n')[0] ?? error.name;
  // tfjs-backend-wasm rejects with a plain `{ message }` object when its binary fails to load.
  if (typeof error === 'object' && error !== null && 'message' in error) return String(error.message);
  return String(error);
}

/** One case's operands uploaded into a peer, ready to time. */
export interface PeerProduct {
  /** Times one product of the operands per call (the harness's timeMedian, or timeMedianAsync for a lazy library). */
  time(options: TimingOptions): Promise<number>;
  /** Frees the operands. */
  dispose(): void;
}

/** A matmul peer, loaded: its name and threads, the progress line's label, and how it uploads a case. */
export interface MatmulPeer {
  readonly threads: number;
  readonly label: string;
  upload(c: MatmulCase): Promise<PeerProduct>;
}

/**
 * Loads a peer and measures every case on it, emitting one row each (its warm-up first): the loop every matmul
 * peer shares. A peer that fails to load is skipped and a case that fails is left out, each with a note on stderr.
 */
export async function measurePeer(impl: string, load: () => Promise<MatmulPeer>, cases: readonly MatmulCase[], emit: Emit): Promise<void> {
  let peer: MatmulPeer;
  try {
    peer = await load();
  } catch (error) {
    progress(`bench: matmul: skipping ${impl}: ${describeError(error)}`);
    return;
  }
  progress(`bench: matmul: ${peer.label}`);
  for (const [i, c] of cases.entries()) {
    let product: PeerProduct | null = null;
    try {
      product = await peer.upload(c);
      await product.time(peerWarmup(i === 0));
      emit(peerRow(impl, peer.threads, c, await product.time(PEER_TIMING)));
    } catch (error) {
      progress(`bench: matmul: ${impl} ${caseName(c)} failed: ${describeError(error)}`);
    } finally {
      product?.dispose();
    }
  }
}
