// The model-level check: a small shakespeare-cpu-shaped run (nanoGPT's model, AdamW with warm-up, cosine decay
// and clipping, stream batches of Tiny Shakespeare) on webgpu follows the same run on wasm within 1e-3 at every
// step, and greedy decoding from the trained weights gives the same tokens.
import { type GPT, createGPT, createTrainer, disposeGPT, generate, getPreset, memoryTokenSource, streamLoader } from '@microgpt/model';
import { type Backend, createWasmBackend } from '@microgpt/tensor';
import { readShakespeare } from '@microgpt/test-data';
import { trainChar } from '@microgpt/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import { hasAdapter, testBackend } from './test-backend';

const STEPS = 20;
const TEXT = readShakespeare().slice(0, 50_000);
const tokenizer = trainChar(TEXT);
const preset = getPreset('shakespeare-cpu');
const CONFIG = { ...preset.model, vocabSize: tokenizer.vocabSize, nLayer: 2, nHead: 2, nEmbd: 32, blockSize: 16 };
const SETTINGS = { ...preset.train, steps: STEPS, batchSize: 4, warmupSteps: 5, lr: 3e-3, minLr: 3e-4 };

/** The losses of STEPS steps on `backend`, and the greedy continuation of a prompt from the trained model. */
async function run(backend: Backend): Promise<{ losses: number[]; tokens: number[] }> {
  const model: GPT = createGPT(CONFIG, { seed: 11, dtype: 'float32', backend });
  const ids = tokenizer.encode(TEXT);
  const train = streamLoader(memoryTokenSource(ids, tokenizer.vocabSize), { blockSize: CONFIG.blockSize, batchSize: SETTINGS.batchSize, seed: 5, valFraction: SETTINGS.valFraction });
  const trainer = createTrainer({ model, settings: SETTINGS, train });
  const losses: number[] = [];
  for (let step = 0; step < STEPS; step++) losses.push((await trainer.trainStep()).loss);
  const generated = await generate(model, tokenizer.encode('ROMEO:'), { maxNewTokens: 12, temperature: 0 });
  trainer.dispose();
  disposeGPT(model);
  return { losses, tokens: generated.ids };
}

/** Replaces the method `key` of `prototype` with one that calls `count` first; returns what restores it. */
function countCalls<T extends object>(prototype: T, key: keyof T & string, count: () => void): () => void {
  const descriptor = Object.getOwnPropertyDescriptor(prototype, key)!;
  const original = descriptor.value as (...args: unknown[]) => unknown;
  Object.defineProperty(prototype, key, {
    ...descriptor,
    value(this: unknown, ...args: unknown[]) {
      count();
      return original.apply(this, args);
    },
  });
  return () => Object.defineProperty(prototype, key, descriptor);
}

if (await hasAdapter()) {
  describe('training on webgpu', () => {
    afterAll(async () => (await testBackend()).dispose?.());

    it(`follows wasm within 1e-3 for ${STEPS} steps of a shakespeare-cpu-shaped run, and decodes greedily alike`, async () => {
      const wasm = await createWasmBackend({ sharedMemory: false, threads: 1 });
      const expected = await run(wasm);
      wasm.dispose();
      const actual = await run(await testBackend());
      expect(actual.losses.every(Number.isFinite)).toBe(true);
      actual.losses.forEach((loss, step) => {
        expect(Math.abs(loss - expected.losses[step]!), `step ${step + 1}: webgpu ${loss}, wasm ${expected.losses[step]}`).toBeLessThanOrEqual(1e-3);
      });
      expect(expected.losses[STEPS - 1]!).toBeLessThan(expected.losses[0]!);
      expect(actual.tokens).toEqual(expected.tokens);
      // SwiftShader runs the GPU's work on the CPU, a step in seconds on a loaded machine: the bound only catches a hang.
    }, 300_000);

    it('records a training step in two command buffers and reads back only the loss and the gradient norm', async () => {
      const model = createGPT(CONFIG, { seed: 11, dtype: 'float32', backend: await testBackend() });
      const train = streamLoader(memoryTokenSource(tokenizer.encode(TEXT), tokenizer.vocabSize), { blockSize: CONFIG.blockSize, batchSize: SETTINGS.batchSize, seed: 5, valFraction: SETTINGS.valFraction });
      const trainer = createTrainer({ model, settings: SETTINGS, train });
      await trainer.trainStep();
      // Dawn's classes, counted for one step: every submit and every buffer mapped for a read.
      const classes = (await import('webgpu')).globals as { GPUQueue: { prototype: GPUQueue }; GPUBuffer: { prototype: GPUBuffer } };
      const counts = { submits: 0, maps: 0 };
      const restores = [countCalls(classes.GPUQueue.prototype, 'submit', () => counts.submits++), countCalls(classes.GPUBuffer.prototype, 'mapAsync', () => counts.maps++)];
      try {
        await trainer.trainStep();
      } finally {
        for (const restore of restores) restore();
      }
      trainer.dispose();
      disposeGPT(model);
      // The step's two reads (the loss and, for clipping, the gradient norm) each submit what was recorded before them;
      // the optimizer's update stays recorded until the next step's first read.
      expect(SETTINGS.clip).toBeGreaterThan(0);
      expect(counts).toEqual({ submits: 2, maps: 2 });
    }, 300_000);
  });
} else {
  it.skip('training on webgpu: no WebGPU adapter here', () => {});
}
