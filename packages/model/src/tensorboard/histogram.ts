// Histograms as TensorBoard stores them (HistogramProto): count, sum, sum of squares, min, max, and counts in
// TensorFlow's default buckets, edges at ±1e-12·1.1ᵏ up to 1e20 around 0, with runs of empty buckets collapsed
// into one (TensorFlow's own encoding, so files stay small and TensorBoard draws them as it draws TF's).

/** What a HistogramProto holds. */
export interface Histogram {
  /** Smallest finite value (0 when there is none). */
  readonly min: number;
  /** Largest finite value (0 when there is none). */
  readonly max: number;
  /** Number of finite values. */
  readonly num: number;
  /** Sum of the finite values. */
  readonly sum: number;
  /** Sum of their squares (TensorBoard derives the standard deviation from it). */
  readonly sumSquares: number;
  /** Upper edge of each bucket; bucket i holds (bucketLimit[i-1], bucketLimit[i]]. */
  readonly bucketLimit: readonly number[];
  /** Count of values in each bucket, parallel to `bucketLimit`. */
  readonly bucket: readonly number[];
  /** Values left out because they were NaN or ±Infinity (not part of the proto; report them apart). */
  readonly nonFinite: number;
}

/** TensorFlow's default bucket upper edges: −MAX, …, −1e-12, 0, 1e-12, …, ×1.1 …, MAX. */
const DEFAULT_LIMITS: readonly number[] = (() => {
  const positive: number[] = [];
  for (let v = 1e-12; v < 1e20; v *= 1.1) positive.push(v);
  positive.push(Number.MAX_VALUE);
  return [...positive.map((v) => -v).reverse(), 0, ...positive];
})();

/** Index of the first limit ≥ x (binary search). */
function bucketOf(x: number): number {
  let lo = 0;
  let hi = DEFAULT_LIMITS.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (DEFAULT_LIMITS[mid]! >= x) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** The histogram of the finite `values` in TensorFlow's default buckets (NaN and ±Infinity are counted apart). */
export function histogramOf(values: ArrayLike<number>): Histogram {
  const counts = new Float64Array(DEFAULT_LIMITS.length);
  let [min, max, sum, sumSquares, nonFinite] = [Infinity, -Infinity, 0, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    counts[bucketOf(x)]!++;
    min = Math.min(min, x);
    max = Math.max(max, x);
    sum += x;
    sumSquares += x * x;
  }
  const bucketLimit: number[] = [];
  const bucket: number[] = [];
  for (let i = 0; i < counts.length; ) {
    let end = DEFAULT_LIMITS[i]!;
    const count = counts[i]!;
    i++;
    if (count === 0) {
      while (i < counts.length && counts[i] === 0) end = DEFAULT_LIMITS[i++]!;
    }
    bucketLimit.push(end);
    bucket.push(count);
  }
  const num = values.length - nonFinite;
  return { min: num === 0 ? 0 : min, max: num === 0 ? 0 : max, num, sum, sumSquares, bucketLimit, bucket, nonFinite };
}
