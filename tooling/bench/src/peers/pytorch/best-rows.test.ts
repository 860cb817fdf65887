import { describe, expect, it } from 'vitest';
import { type PytorchMeasurement, bestPytorchRows } from './index';

/** The rows one gpt-bench.py run prints: a headline metric and its rss_mb. */
function run(suite: string, metric: string, value: number, torch: number, blas: number, rss: number, impl = 'pytorch'): PytorchMeasurement[] {
  const row = { suite, name: 'shakespeare-cpu', impl, threads: Math.max(torch, blas), torchThreads: torch, blasThreads: blas };
  return [
    { ...row, metric, value, unit: metric === 'tokens_per_s' ? 'tokens/s' : 'ms' },
    { ...row, metric: 'rss_mb', value: rss, unit: 'MB' },
  ];
}

describe('bestPytorchRows', () => {
  it('keeps, per thread count, the run with the lowest ms_per_step, with its own rss_mb and no setting fields', () => {
    const rows = [
      ...run('train', 'ms_per_step', 50, 1, 2, 300),
      ...run('train', 'ms_per_step', 120, 2, 2, 310),
      ...run('train', 'ms_per_step', 60, 1, 1, 290),
    ];
    expect(bestPytorchRows(rows)).toEqual([
      { suite: 'train', name: 'shakespeare-cpu', impl: 'pytorch', threads: 2, metric: 'ms_per_step', value: 50, unit: 'ms' },
      { suite: 'train', name: 'shakespeare-cpu', impl: 'pytorch', threads: 2, metric: 'rss_mb', value: 300, unit: 'MB' },
      { suite: 'train', name: 'shakespeare-cpu', impl: 'pytorch', threads: 1, metric: 'ms_per_step', value: 60, unit: 'ms' },
      { suite: 'train', name: 'shakespeare-cpu', impl: 'pytorch', threads: 1, metric: 'rss_mb', value: 290, unit: 'MB' },
    ]);
  });

  it('prefers the higher tokens_per_s, and keeps suites apart', () => {
    const rows = [
      ...run('generate', 'tokens_per_s', 300, 1, 2, 250),
      ...run('generate', 'tokens_per_s', 120, 2, 2, 251),
      ...run('train', 'ms_per_step', 47, 2, 2, 305),
    ];
    const best = bestPytorchRows(rows).filter((row) => row.metric !== 'rss_mb');
    expect(best.map((row) => [row.suite, row.value])).toEqual([
      ['generate', 300],
      ['train', 47],
    ]);
  });

  it('keeps impls apart: a run that prints rows with and without a KV cache gives the best of each', () => {
    const rows = [
      ...run('generate', 'tokens_per_s', 700, 1, 2, 250),
      ...run('generate', 'tokens_per_s', 1500, 1, 2, 250, 'pytorch-kv-cache'),
      ...run('generate', 'tokens_per_s', 650, 2, 2, 251),
      ...run('generate', 'tokens_per_s', 1900, 2, 2, 251, 'pytorch-kv-cache'),
    ];
    const best = bestPytorchRows(rows).filter((row) => row.metric !== 'rss_mb');
    expect(best.map((row) => [row.impl, row.value])).toEqual([
      ['pytorch', 700],
      ['pytorch-kv-cache', 1900],
    ]);
  });
});
