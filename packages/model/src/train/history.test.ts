import { describe, expect, it } from 'vitest';
import { HISTORY_POINTS, type Series, addPoint, boundSeries, historyStride } from './history';

/** What the bound keeps of all the points recorded, computed directly from its definition. */
function kept(all: Series, points: number): Series {
  const stride = historyStride(all[all.length - 1]![0], points);
  return all.filter(([step], i) => i === 0 || i === all.length - 1 || step % stride === 0);
}

/** Records `steps` one at a time, checking after each that the series is what the definition keeps. */
function record(steps: readonly number[], points: number, start: Series = []): Series {
  const series = start;
  const all: Series = [];
  for (const step of steps) {
    const point: [number, number] = [step, Math.sin(step)];
    all.push(point);
    addPoint(series, step, point[1], points);
    if (start.length === 0) expect(series).toEqual(kept(all, points));
    expect(series.length).toBeLessThanOrEqual(points);
  }
  return series;
}

const range = (from: number, to: number, by = 1): number[] => Array.from({ length: Math.floor((to - from) / by) + 1 }, (_, i) => from + i * by);

describe('bounded loss history', () => {
  it('the stride is the smallest power of two leaving at most points − 2 multiples', () => {
    expect(historyStride(998)).toBe(1);
    expect(historyStride(999)).toBe(2);
    expect(historyStride(227_000)).toBe(256);
    for (const step of [1, 7, 9, 100, 12_345]) {
      const s = historyStride(step, 10);
      expect(Math.floor(step / s)).toBeLessThanOrEqual(8);
      if (s > 1) expect(Math.floor(step / (s / 2))).toBeGreaterThan(8);
    }
  });

  it('keeps the first point, the last, and the points on the stride, after every step (train: every step)', () => {
    const series = record(range(1, 3000), 10);
    expect(series[0]![0]).toBe(1);
    expect(series.at(-1)![0]).toBe(3000);
  });

  it('does the same for evaluations every few steps and for irregular steps', () => {
    record(range(7, 7000, 7), 12);
    record([3, 4, 10, 11, 50, 64, 65, 200, 256, 300, 1024, 1025, 4096, 5000], 5);
  });

  it('stays within HISTORY_POINTS over a million steps', () => {
    const series: Series = [];
    for (let step = 1; step <= 1_000_000; step++) addPoint(series, step, 1 / step);
    expect(series.length).toBeLessThanOrEqual(HISTORY_POINTS);
    expect(series.length).toBeGreaterThan(HISTORY_POINTS / 2);
    expect(series[0]).toEqual([1, 1]);
    expect(series.at(-1)).toEqual([1_000_000, 1e-6]);
  });

  it('a series saved and bounded again continues exactly as the uninterrupted one', () => {
    for (const stop of [1, 9, 17, 100, 511, 1500]) {
      const uninterrupted = record(range(1, 2000), 10);
      const saved = record(range(1, stop), 10);
      const resumed = record(range(stop + 1, 2000), 10, boundSeries(saved, 10));
      expect(resumed).toEqual(uninterrupted);
    }
  });

  it('bounds a long unbounded series (an older trainer_state.json) to what recording it would keep', () => {
    const old: Series = range(1, 227_000).map((step) => [step, 2 + 1 / step]);
    const bounded = boundSeries(old);
    expect(bounded.length).toBeLessThanOrEqual(HISTORY_POINTS);
    expect(bounded).toEqual(kept(old, HISTORY_POINTS));
    expect(boundSeries(bounded)).toEqual(bounded);
    expect(boundSeries([])).toEqual([]);
  });
});
