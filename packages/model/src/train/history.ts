// The loss curves a trainer keeps in its state (and so in trainer_state.json): bounded however long the run.
// A series keeps its first point, its last point, and the points whose step is a multiple of a stride; the
// stride is the smallest power of two that leaves at most HISTORY_POINTS − 2 multiples up to the last step.
// The stride depends only on the last step, so the kept points are a function of the steps recorded: a run
// resumed from a saved series keeps exactly what the uninterrupted run keeps. The full curve is the caller's
// to log (the CLI appends every step to metrics.jsonl).

/** A [step, value] series, steps increasing. */
export type Series = [number, number][];

/** Most points a series keeps. */
export const HISTORY_POINTS = 1000;

/**
 * The stride of a series whose last step is `step`: the smallest power of two s with ⌊step / s⌋ ≤ points − 2.
 * @param points at least 3.
 */
export function historyStride(step: number, points = HISTORY_POINTS): number {
  let stride = 1;
  while (Math.floor(step / stride) > points - 2) stride *= 2;
  return stride;
}

/** Keeps the first point, the last, and those whose step is a multiple of `stride` (in place). */
function thin(series: Series, stride: number): void {
  const last = series.length - 1;
  let kept = 0;
  for (let i = 0; i <= last; i++) {
    const point = series[i]!;
    if (i === 0 || i === last || point[0] % stride === 0) series[kept++] = point;
  }
  series.length = kept;
}

/**
 * Appends [step, value] to `series` (in place; `step` above the last step) and drops what the bound no longer
 * keeps: the previous last point unless it is first or on the stride, and, when the stride grows, every point
 * off the new stride.
 */
export function addPoint(series: Series, step: number, value: number, points = HISTORY_POINTS): void {
  const before = series.length === 0 ? 1 : historyStride(series[series.length - 1]![0], points);
  series.push([step, value]);
  const stride = historyStride(step, points);
  if (stride !== before) {
    thin(series, stride);
    return;
  }
  const previous = series.length - 2;
  if (previous > 0 && series[previous]![0] % stride !== 0) series.splice(previous, 1);
}

/**
 * A copy of `series` (e.g. read back from an older, unbounded trainer_state.json) with only what the bound
 * keeps; a series {@link addPoint} made comes back unchanged.
 */
export function boundSeries(series: readonly (readonly [number, number])[], points = HISTORY_POINTS): Series {
  const copy: Series = series.map(([step, value]) => [step, value]);
  if (copy.length > 0) thin(copy, historyStride(copy[copy.length - 1]![0], points));
  return copy;
}
