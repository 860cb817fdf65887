import { describe, expect, it } from 'vitest';
import { median, timeMedian } from './harness';

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
});
