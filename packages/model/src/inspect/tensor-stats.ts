// Summary statistics of a weight or activation tensor, as `microgpt info --stats` prints them: computed in one
// pass in float64 (Welford's update for the variance, so large tensors with a large mean stay accurate).

/** What {@link tensorStats} reports. */
export interface TensorStats {
  /** The tensor's shape. */
  readonly shape: readonly number[];
  /** Number of values. */
  readonly size: number;
  /** Mean of the finite values (NaN when there is none). */
  readonly mean: number;
  /** Population standard deviation. */
  readonly std: number;
  /** Smallest finite value (NaN when there is none). */
  readonly min: number;
  /** Largest finite value (NaN when there is none). */
  readonly max: number;
  /** Share of values that are exactly 0. */
  readonly zeroFraction: number;
  /** L2 norm, sqrt(Σ x²). */
  readonly norm: number;
  /** NaN and ±Infinity values (left out of the other figures). */
  readonly nonFinite: number;
}

/**
 * Statistics of `values` (a tensor of `shape`, row-major). Non-finite values are counted and left out; a tensor
 * with no finite value has mean, std, min, max and norm NaN.
 */
export function tensorStats(values: ArrayLike<number>, shape: readonly number[]): TensorStats {
  let [count, mean, m2, min, max, zeros, squares, nonFinite] = [0, 0, 0, Infinity, -Infinity, 0, 0, 0];
  for (let i = 0; i < values.length; i++) {
    const x = values[i]!;
    if (!Number.isFinite(x)) {
      nonFinite++;
      continue;
    }
    count++;
    const delta = x - mean;
    mean += delta / count;
    m2 += delta * (x - mean);
    if (x < min) min = x;
    if (x > max) max = x;
    if (x === 0) zeros++;
    squares += x * x;
  }
  const none = count === 0;
  return {
    shape: [...shape],
    size: values.length,
    mean: none ? NaN : mean,
    std: none ? NaN : Math.sqrt(m2 / count),
    min: none ? NaN : min,
    max: none ? NaN : max,
    zeroFraction: values.length === 0 ? 0 : zeros / values.length,
    norm: none ? NaN : Math.sqrt(squares),
    nonFinite,
  };
}
