import { describe, expect, it } from 'vitest';
import { formatMeasurement, median, timeMedian, timeMedianAsync } from './harness';

describe('bench harness', () => {
  it('takes the median of odd and even counts', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow('median: no values');
  });

  it('warms up, then runs at least minRuns times', () => {
    let calls = 0;
    const seconds = timeMedian(() => {
      calls++;
    }, { warmup: 2, minRuns: 4, minSeconds: 0 });
    expect(calls).toBe(6);
    expect(seconds).toBeGreaterThanOrEqual(0);
  });

  it('awaits each call when timing an async function', async () => {
    let calls = 0;
    let pending = 0;
    const seconds = await timeMedianAsync(async () => {
      expect(pending).toBe(0);
      pending++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      pending--;
      calls++;
    }, { warmup: 1, minRuns: 3, minSeconds: 0 });
    expect(calls).toBe(4);
    expect(seconds).toBeGreaterThan(0);
  });

  it('names the adapter of a GPU row and says when it is correctness-only', () => {
    const row = { suite: 'webgpu', name: 'matmul-1024', impl: 'webgpu', threads: 1, metric: 'gflops', value: 1.234567, unit: 'GFLOP/s' };
    expect(formatMeasurement(row)).toMatch(/matmul-1024 +webgpu +1t {2}gflops +1\.2346 GFLOP\/s$/);
    expect(formatMeasurement({ ...row, adapter: 'nvidia ampere', correctnessOnly: false })).toMatch(/GFLOP\/s {2}\[nvidia ampere\]$/);
    expect(formatMeasurement({ ...row, adapter: 'google swiftshader', correctnessOnly: true })).toMatch(/\[google swiftshader: software adapter, correctness only, not a speed\]$/);
  });
});
