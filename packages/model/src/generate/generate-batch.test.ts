import * as T from '@microgpt/tensor';
import { createCharTokenizer } from '@microgpt/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GPT, createGPT, disposeGPT } from '../gpt/model';
import { generate } from './generate';
import { generateBatch } from './generate-batch';

const tokenizer = createCharTokenizer([...'abcde']);
const V = tokenizer.vocabSize;
const models: GPT[] = [];

/** A float32 model on `backend` with context 8, so 20 new tokens slide the window twice. */
function modelOn(backend: T.Backend): GPT {
  const model = createGPT({ vocabSize: V, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 2, initStd: 0.2 }, { seed: 5, dtype: 'float32', backend });
  models.push(model);
  return model;
}

let wasm: T.Backend;
beforeAll(async () => {
  wasm = await T.startBackend('wasm');
});
afterAll(() => {
  for (const model of models) disposeGPT(model);
});

describe('generateBatch', () => {
  for (const backendName of ['js', 'wasm'] as const) {
    it(`sequence i equals generate with seed + i, past the context and with stop tokens (${backendName})`, async () => {
      const model = modelOn(backendName === 'js' ? T.findBackend('js') : wasm);
      for (const options of [{ maxNewTokens: 20 }, { maxNewTokens: 20, temperature: 0.8, topK: 3 }, { maxNewTokens: 20, stopTokens: [0], topP: 0.9 }]) {
        const batch = await generateBatch(model, [1, 2, 3], { ...options, count: 5, seed: 7, tokenizer });
        const one = await Promise.all([0, 1, 2, 3, 4].map((i) => generate(model, [1, 2, 3], { ...options, seed: 7 + i, tokenizer })));
        expect(batch).toEqual(one);
        // The draws differ between sequences (a batch that repeated one sequence would pass the check above only by luck).
        expect(new Set(batch.map((r) => r.ids.join(","))).size).toBeGreaterThan(1);
      }
      const stopped = await generateBatch(model, [1], { maxNewTokens: 40, stopTokens: [0, 1, 2], count: 6, seed: 1 });
      expect(stopped.some((r) => r.stop === 'stop-token')).toBe(true);
    });
  }

  it('streams tokens with their sequence index, and crops a long prompt with a note', async () => {
    const model = modelOn(T.findBackend('js'));
    const seen: [number, number][] = [];
    const notes: string[] = [];
    const results = await generateBatch(model, [1, 2, 3, 4, 1, 2, 3, 4, 1, 2], {
      maxNewTokens: 4,
      count: 3,
      onToken: (b, id) => seen.push([b, id]),
      onNote: (note) => notes.push(note),
    });
    expect(notes).toEqual(["the prompt has 10 tokens; keeping the last 8 (the model's context)"]);
    for (let b = 0; b < 3; b++) expect(seen.filter(([s]) => s === b).map(([, id]) => id)).toEqual(results[b]!.ids);
    expect(await generateBatch(model, [1], { maxNewTokens: 0, count: 2 })).toEqual([
      { ids: [], text: undefined, stop: 'max-tokens' },
      { ids: [], text: undefined, stop: 'max-tokens' },
    ]);
  });

  it('rejects bad options', async () => {
    const model = modelOn(T.findBackend('js'));
    await expect(generateBatch(model, [0], { maxNewTokens: 2, count: 0 })).rejects.toThrow(/count must be a positive integer, found 0/);
    await expect(generateBatch(model, [0], { maxNewTokens: -1, count: 2 })).rejects.toThrow(/maxNewTokens/);
    await expect(generateBatch(model, [], { maxNewTokens: 2, count: 2 })).rejects.toThrow(/prompt is empty/);
    await expect(generateBatch(model, [0], { maxNewTokens: 2, count: 2, temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(generateBatch(model, [V], { maxNewTokens: 2, count: 2 })).rejects.toThrow(/vocabulary/);
  });
});
