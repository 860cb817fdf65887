// The README's examples, run as tests so that they stay true.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { releaseGraph } from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { expect, it } from 'vitest';
import {
  createGPT,
  createTrainer,
  decodeSafetensors,
  disposeGPT,
  documentIds,
  documentLoader,
  forwardLogits,
  encodeSafetensors,
  generate,
  getPreset,
  loadCheckpoint,
  lockRunFolder,
  memoryTokenSource,
  referenceForward,
  runTraining,
  saveRunCheckpoint,
  writeFileAtomic,
} from './node';

it('README: train, sample, save, load', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'microgpt-readme-'));
  try {
    const backend = await T.startBackend('wasm');
    const text = 'emma\nolivia\nava\nisabella\nsophia\n';
    const tokenizer = trainChar(text.replaceAll('\n', ''), { bos: true });
    const bos = tokenizer.bosId!;
    const preset = getPreset('names');
    const settings = { ...preset.train, steps: 200, batchSize: 2, warmupSteps: 20, valFraction: 0 };
    const source = memoryTokenSource(documentIds(text, (doc) => tokenizer.encode(doc), bos), tokenizer.vocabSize);
    const train = documentLoader(source, { blockSize: preset.model.blockSize, batchSize: 2, seed: 1, valFraction: 0, bos });
    const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 42, dtype: 'float32', backend });
    const trainer = createTrainer({ model, settings, train });
    const losses: number[] = [];
    const lock = await lockRunFolder(join(dir, 'names'), 'readme example');
    await runTraining(trainer, {
      onStep: (p) => {
        losses.push(p.loss);
      },
      onCheckpoint: async (t) => {
        await saveRunCheckpoint(join(dir, 'names'), { model, tokenizer, optimizer: await t.optimizerState(), trainerState: t.state() }, { step: t.step });
      },
    });
    lock.release();
    expect(losses).toHaveLength(200);
    expect(losses.at(-1)!).toBeLessThan(losses[0]! / 2);
    const { text: name } = await generate(model, [bos], { maxNewTokens: 16, temperature: 0.5, stopTokens: [bos], tokenizer, seed: 1 });
    expect(['emma', 'olivia', 'ava', 'isabella', 'sophia']).toContain(name);
    const loaded = await loadCheckpoint(join(dir, 'names'), { backend });
    expect(loaded.trainerState).toMatchObject({ step: 200 });
    expect((await generate(loaded.model, [bos], { maxNewTokens: 16, temperature: 0.5, stopTokens: [bos], tokenizer, seed: 1 })).text).toBe(name);
    trainer.dispose();
  } finally {
    await rm(dir, { recursive: true });
  }
});

it('README: encode safetensors, write atomically, read back', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'microgpt-model-'));
  try {
    const weights = Float32Array.from({ length: 27 * 16 }, (_, i) => i / 7);
    const bytes = encodeSafetensors({ 'wte.weight': { dtype: 'float32', shape: [27, 16], data: weights } }, { format: 'pt' });
    const path = join(dir, 'model.safetensors');
    await writeFileAtomic(path, bytes);
    const { tensors, metadata } = decodeSafetensors(new Uint8Array(await readFile(path)));
    expect(metadata).toEqual({ format: 'pt' });
    expect(tensors.get('wte.weight')).toEqual({ dtype: 'float32', shape: [27, 16], data: weights });
  } finally {
    await rm(dir, { recursive: true });
  }
});

it('README: the reference model, its loss and gradients', async () => {
  const model = createGPT({ vocabSize: 27 }, { seed: 42, dtype: 'float64', backend: 'js' });
  const [idx, targets] = [[1, 5, 9, 2], [5, 9, 2, 0]].map((ids) => T.tensor(Int32Array.from(ids), { shape: [1, 4], backend: model.backend })) as [T.Tensor, T.Tensor];
  const { logits, loss } = referenceForward(model, idx, targets);
  loss!.backward();
  releaseGraph(loss!);
  // The same logits as the planned inference pass, and gradients in the parameters.
  const planned = await forwardLogits(model, [1, 5, 9, 2], 1, 4);
  expect(logits.shape).toEqual([1, 4, 27]);
  const worst = Array.from(logits.value.toArray()).reduce((w, x, i) => Math.max(w, Math.abs(x - planned[i]!)), 0);
  expect(worst).toBeLessThan(1e-12);
  expect(Number.isFinite(loss!.value.item())).toBe(true);
  expect(model.params['h.0.mlp.fc1.weight']!.grad!.toArray().some((g) => g !== 0)).toBe(true);
  disposeGPT(model);
});
