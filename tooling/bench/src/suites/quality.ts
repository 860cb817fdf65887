// Quality: the shakespeare-cpu preset trained for its full 2000 iterations on Tiny Shakespeare (character
// tokens, 90/10 split, random windows), then the validation loss over 200 batches of 12 × 64 (the PyTorch peer's
// count: nanoGPT's CPU flag --eval_iters=20 gives an estimate about three times noisier). nanoGPT reaches about
// 1.88 with these settings; PyTorch runs the same loop (our script) beside it. Minutes per seed, not seconds.
// MICROGPT_QUALITY_SEEDS=1337,1,2 runs both sides once per seed (ours, then PyTorch, seed by seed, so a stopped
// run leaves as many of each) and adds the mean, min and max of each side's val loss.
import { disposeGPT } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import type { Measurement } from '../harness';
import { hasTorch, runPytorch } from '../peers/pytorch';
import { datasetPath, datasetText, peakRssMb } from './data';
import { trainShakespeareCpu } from './shakespeare';
import type { Suite } from './suite';

const EVAL_BATCHES = 200;
const DEFAULT_SEEDS = [1337];

/**
 * The seeds in MICROGPT_QUALITY_SEEDS (comma-separated integers), or [1337] when it is unset or empty.
 * @throws {Error} naming the variable and the entry when one is not a non-negative integer.
 */
export function qualitySeeds(value: string | undefined): number[] {
  if (value === undefined || value.trim() === '') return DEFAULT_SEEDS;
  return value.split(',').map((entry) => {
    const seed = Number(entry.trim());
    if (entry.trim() === '' || !Number.isSafeInteger(seed) || seed < 0) {
      throw new Error(`MICROGPT_QUALITY_SEEDS: expected comma-separated integers ≥ 0, found '${entry}' in '${value}'`);
    }
    return seed;
  });
}

/** A quality row tagged with the seed of its run. */
type SeededRow = Measurement & { readonly seed: number };

export const qualitySuite: Suite = {
  name: 'quality',
  description: 'shakespeare-cpu, 2000 iterations on Tiny Shakespeare: val loss and wall time (minutes; wasm, 2 threads; seeds: MICROGPT_QUALITY_SEEDS)',
  async run(emit) {
    const seeds = qualitySeeds(process.env.MICROGPT_QUALITY_SEEDS);
    const text = datasetText('tinyshakespeare.txt');
    if (!text) return;
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    await wasm.setThreads(2);
    const losses = new Map<string, number[]>();
    const record = (row: SeededRow): void => {
      if (row.metric === 'val_loss') losses.set(row.impl, [...(losses.get(row.impl) ?? []), row.value]);
      emit(row);
    };
    for (const seed of seeds) {
      const { model, trainer, seconds } = await trainShakespeareCpu(text, wasm, 'quality', { seed, evalBatches: EVAL_BATCHES });
      const valLoss = await trainer.evaluate();
      const row = { suite: 'quality', name: 'shakespeare-cpu', impl: 'wasm', threads: 2, seed };
      record({ ...row, metric: 'val_loss', value: Number(valLoss.toFixed(4)), unit: 'nats' });
      record({ ...row, metric: 'train_seconds', value: Number(seconds.toFixed(1)), unit: 's' });
      record({ ...row, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
      trainer.dispose();
      disposeGPT(model);
      // PyTorch running nanoGPT's loop on the same text with the same seed number (its own generator).
      if (!hasTorch()) continue;
      const peer = runPytorch('quality', { dataPath: datasetPath('tinyshakespeare.txt')!, threads: [{ torch: 1, blas: 2 }], seed });
      for (const { suite, name, impl, threads, metric, value, unit } of peer) record({ suite, name, impl, threads, metric, value, unit, seed });
    }
    if (seeds.length < 2) return;
    for (const [impl, values] of losses) {
      const row = { suite: 'quality', name: 'shakespeare-cpu', impl, threads: 2, unit: 'nats' };
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      emit({ ...row, metric: `val_loss_mean_of_${values.length}`, value: Number(mean.toFixed(4)) });
      emit({ ...row, metric: 'val_loss_min', value: Math.min(...values) });
      emit({ ...row, metric: 'val_loss_max', value: Math.max(...values) });
    }
  },
};
