// Quality: the shakespeare-cpu preset trained for its full 2000 iterations on Tiny Shakespeare (character
// tokens, 90/10 split, random windows), then nanoGPT's estimate of the validation loss (20 batches of 12 × 64).
// nanoGPT reaches about 1.88 with these settings; PyTorch runs the same loop (our script) beside it. Minutes, not
// seconds.
import { disposeGPT } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { bestPytorchRows, hasTorch, runPytorch } from '../peers/pytorch';
import { datasetPath, datasetText, peakRssMb } from './data';
import { trainShakespeareCpu } from './shakespeare';
import type { Suite } from './suite';

export const qualitySuite: Suite = {
  name: 'quality',
  description: 'shakespeare-cpu, 2000 iterations on Tiny Shakespeare: val loss and wall time (minutes; wasm, 2 threads)',
  async run(emit) {
    const text = datasetText('tinyshakespeare.txt');
    if (!text) return;
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    await wasm.setThreads(2);
    const { model, trainer, seconds } = await trainShakespeareCpu(text, wasm, 'quality');
    const valLoss = await trainer.evaluate();
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
