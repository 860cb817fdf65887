// Quality: the shakespeare-cpu preset trained for its full 2000 iterations on Tiny Shakespeare (character
// tokens, 90/10 split, random windows), then nanoGPT's estimate of the validation loss (20 batches of 12 × 64).
// nanoGPT reaches about 1.88 with these settings; PyTorch runs the same loop (our script) beside it. Minutes, not
// seconds.
import { createGPT, createTrainer, disposeGPT, getPreset, memoryTokenSource, streamLoader } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { progress } from '../harness';
import { bestPytorchRows, hasTorch, runPytorch } from '../peers/pytorch';
import { datasetPath, datasetText, peakRssMb } from './data';
import type { Suite } from './suite';

export const qualitySuite: Suite = {
  name: 'quality',
  description: 'shakespeare-cpu, 2000 iterations on Tiny Shakespeare: val loss and wall time (minutes; wasm, 2 threads)',
  async run(emit) {
    const text = datasetText('tinyshakespeare.txt');
    if (!text) return;
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    await wasm.setThreads(2);
    const preset = getPreset('shakespeare-cpu');
    const tokenizer = trainChar(text);
    const source = memoryTokenSource(tokenizer.encode(text), tokenizer.vocabSize);
    const loader = streamLoader(source, { blockSize: preset.model.blockSize, batchSize: preset.train.batchSize, seed: 1337, valFraction: preset.train.valFraction });
    const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 1337, dtype: 'float32', backend: wasm });
    const val = loader.evalBatches(preset.train.evalBatches);
    const trainer = createTrainer({ model, settings: preset.train, train: loader, val: () => val });
    const start = performance.now();
    while (trainer.step < preset.train.steps) {
      const { step, loss } = trainer.trainStep();
      if (step % 250 === 0) progress(`bench: quality: step ${step} loss ${loss.toFixed(4)} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
    }
    const seconds = (performance.now() - start) / 1000;
    const valLoss = trainer.evaluate();
    const row = { suite: 'quality', name: 'shakespeare-cpu', impl: 'wasm', threads: 2 };
    emit({ ...row, metric: 'val_loss', value: Number(valLoss.toFixed(4)), unit: 'nats' });
    emit({ ...row, metric: 'train_seconds', value: Number(seconds.toFixed(1)), unit: 's' });
    emit({ ...row, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
    trainer.dispose();
    disposeGPT(model);
    // PyTorch running nanoGPT's loop on the same text, for the same figure from the reference implementation.
    if (hasTorch()) for (const row of bestPytorchRows(runPytorch('quality', { dataPath: datasetPath('tinyshakespeare.txt')!, threads: [{ torch: 1, blas: 2 }] }))) emit(row);
  },
};
