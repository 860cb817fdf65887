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

  it('formats a measurement as one aligned line, with its note at the end when it has one', () => {
    const row = { suite: 'browser', name: 'shakespeare-cpu-train-100-steps', impl: 'chromium-webgpu', threads: 1, metric: 'tokens_per_s', value: 123.456789, unit: 'tokens/s' };
    expect(formatMeasurement(row)).toBe('browser   shakespeare-cpu-train-100-steps chromium-webgpu  1t  tokens_per_s         123.46 tokens/s');
    expect(formatMeasurement({ ...row, note: 'adapter google swiftshader: software (SwiftShader), correctness-only, not a speed' })).toBe(
      'browser   shakespeare-cpu-train-100-steps chromium-webgpu  1t  tokens_per_s         123.46 tokens/s  (adapter google swiftshader: software (SwiftShader), correctness-only, not a speed)',
    );
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
});
