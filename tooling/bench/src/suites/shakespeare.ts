// The shakespeare-cpu preset trained for its full 2000 iterations on Tiny Shakespeare (character tokens, 90/10
// split, random windows, seed 1337), as the quality and quant suites need it. Minutes, not seconds.
import { type Batch, type GPT, type Trainer, createGPT, createTrainer, getPreset, memoryTokenSource, streamLoader } from '@microgpt/model';
import type { Backend } from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { progress } from '../harness';

/** A trained model with its trainer and nanoGPT's fixed validation batches (20 of 12 × 64). */
export interface TrainedShakespeare {
  readonly model: GPT;
  readonly trainer: Trainer;
  readonly val: Batch[];
  /** Wall time of the 2000 steps. */
  readonly seconds: number;
}

/** Trains shakespeare-cpu on `text` (Tiny Shakespeare) on `backend`, logging progress every 250 steps as `suite`. */
export async function trainShakespeareCpu(text: string, backend: Backend, suite: string): Promise<TrainedShakespeare> {
  const preset = getPreset('shakespeare-cpu');
  const tokenizer = trainChar(text);
  const source = memoryTokenSource(tokenizer.encode(text), tokenizer.vocabSize);
  const loader = streamLoader(source, { blockSize: preset.model.blockSize, batchSize: preset.train.batchSize, seed: 1337, valFraction: preset.train.valFraction });
  const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 1337, dtype: 'float32', backend });
  const val = loader.evalBatches(preset.train.evalBatches);
  const trainer = createTrainer({ model, settings: preset.train, train: loader, val: () => val });
  const start = performance.now();
  while (trainer.step < preset.train.steps) {
    const { step, loss } = await trainer.trainStep();
    if (step % 250 === 0) progress(`bench: ${suite}: step ${step} loss ${loss.toFixed(4)} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  }
  return { model, trainer, val, seconds: (performance.now() - start) / 1000 };
}
