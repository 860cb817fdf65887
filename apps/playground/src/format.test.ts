import { describe, expect, it } from 'vitest';
import { formatBytes, formatDuration } from './format';

describe('formatting', () => {
  it('formats durations', () => {
    expect([formatDuration(NaN), formatDuration(-1), formatDuration(42.4), formatDuration(65), formatDuration(3600 + 5 * 60)]).toEqual(['–', '–', '42s', '1m 05s', '1h 05m']);
  });

  it('formats bytes', () => {
    expect([formatBytes(12), formatBytes(64_000), formatBytes(1_234_567), formatBytes(2_500_000_000)]).toEqual(['12 B', '64 kB', '1.2 MB', '2.50 GB']);
  });
});
