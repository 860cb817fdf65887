// The shakespeare-cpu preset trained for its full 2000 iterations on Tiny Shakespeare (character tokens, 90/10
// split, random windows, seed 1337 unless told), as the quality and quant suites need it. Minutes, not seconds.
import { type Batch, type GPT, type Trainer, createGPT, createTrainer, getPreset, memoryTokenSource, streamLoader } from '@microgpt/model';
import type { Backend } from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { progress } from '../harness';

/** A trained model with its trainer and its fixed validation batches (12 × 64 each; `evaluate` runs over them). */
export interface TrainedShakespeare {
  readonly model: GPT;
  readonly trainer: Trainer;
  readonly val: Batch[];
  /** Wall time of the 2000 steps. */
  readonly seconds: number;
}

/** What {@link trainShakespeareCpu} may change: the seed of init and batches, and the validation batches' count. */
export interface ShakespeareRunOptions {
  /** Seed of the init, the training batches and the validation windows; default 1337. */
  readonly seed?: number;
  /** Validation batches; default the preset's (nanoGPT's CPU flag --eval_iters=20). */
  readonly evalBatches?: number;
}

/** Trains shakespeare-cpu on `text` (Tiny Shakespeare) on `backend`, logging progress every 250 steps as `suite`. */
export async function trainShakespeareCpu(text: string, backend: Backend, suite: string, options: ShakespeareRunOptions = {}): Promise<TrainedShakespeare> {
  const preset = getPreset('shakespeare-cpu');
  const { seed = 1337, evalBatches = preset.train.evalBatches } = options;
  const tokenizer = trainChar(text);
  const source = memoryTokenSource(tokenizer.encode(text), tokenizer.vocabSize);
  const loader = streamLoader(source, { blockSize: preset.model.blockSize, batchSize: preset.train.batchSize, seed, valFraction: preset.train.valFraction });
  const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed, dtype: 'float32', backend });
  const val = loader.evalBatches(evalBatches);
  const trainer = createTrainer({ model, settings: preset.train, train: loader, val: () => val });
  const start = performance.now();
  while (trainer.step < preset.train.steps) {
    const { step, loss } = await trainer.trainStep();
    if (step % 250 === 0) progress(`bench: ${suite}: step ${step} loss ${loss.toFixed(4)} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  }
  return { model, trainer, val, seconds: (performance.now() - start) / 1000 };
}
