// Backend memory comes back: a model, its trainer, evaluation, generation (sampling and beam search), forward
// passes and attention maps free every storage they allocate once the trainer and model are disposed, so a
// long-lived process (the playground's worker) that trains, samples and inspects again and again does not grow.
import * as T from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { documentLoader } from '../data/loaders';
import { memoryTokenSource } from '../data/source';
import { generate } from '../generate/generate';
import { getPreset } from '../presets';
import { createTrainer } from '../train/trainer';
import { attentionMaps } from './attention-maps';
import { forwardLogits } from './inference';
import { createGPT, disposeGPT } from './model';

let wasm: T.WasmBackend;
beforeAll(async () => {
  wasm = await T.createWasmBackend({ threads: 1 });
});
afterAll(() => {
  wasm.dispose();
});

/** Everything a playground run does with a model, then disposal. */
async function lifeOfAModel(backend: T.Backend): Promise<void> {
  const model = createGPT({ vocabSize: 11, blockSize: 8, nLayer: 2 }, { seed: 1, dtype: 'float32', backend });
  const ids = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 0 : 1 + (i % 10)));
  const loader = documentLoader(memoryTokenSource(ids, 11), { blockSize: 8, batchSize: 8, seed: 1, valFraction: 0.1, bos: 0 });
  const trainer = createTrainer({ model, settings: { ...getPreset('names').train, valFraction: 0.1 }, train: loader, val: () => loader.evalBatches(2) });
  for (let i = 0; i < 3; i++) await trainer.trainStep();
  await trainer.evaluate();
  await generate(model, [0], { maxNewTokens: 12 });
  await generate(model, [0], { maxNewTokens: 12, beam: 3 });
  await forwardLogits(model, [0, 1, 2], 1, 3);
  await attentionMaps(model, [0, 1, 2]);
  trainer.dispose();
  disposeGPT(model);
}

describe('backend memory', () => {
  it.each(['js', 'wasm'])('%s: every storage is freed after training, evaluation, generation and inspection', async (name) => {
    const backend = name === 'js' ? T.findBackend('js') : wasm;
    const before = backend.memory();
    await lifeOfAModel(backend);
    const after = backend.memory();
    expect(after.totalAllocations).toBeGreaterThan(before.totalAllocations);
    expect([after.liveStorages, after.liveBytes]).toEqual([before.liveStorages, before.liveBytes]);
  });
});
