import * as T from '@microgpt/tensor';
import { createCharTokenizer } from '@microgpt/tokenizer';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelError } from '../errors';
import { forwardLogits } from '../gpt/inference';
import { type GPT, createGPT, disposeGPT } from '../gpt/model';
import { generate } from './generate';
import { argmax, cutProbabilities, sampleToken, softmaxAt } from './sampling';

const V = 6;
let model: GPT;
beforeAll(() => {
  model = createGPT({ vocabSize: V, blockSize: 8, nEmbd: 8, nHead: 2, initStd: 0.5 }, { seed: 11, dtype: 'float64', backend: 'js' });
});
afterAll(() => {
  disposeGPT(model);
});

/** Greedy decoding by full forward passes (no cache), cropping to the last blockSize tokens as nanoGPT does. */
async function greedyByFullForward(prompt: number[], n: number, S: number): Promise<number[]> {
  const context = [...prompt];
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const window = context.slice(-S);
    const logits = await forwardLogits(model, window, 1, window.length);
    const id = argmax(logits, (window.length - 1) * V, V);
    out.push(id);
    context.push(id);
  }
  return out;
}

describe('sampling', () => {
  it('softmax is microgpt.py’s and top-k / top-p cut as documented', () => {
    const probs = softmaxAt([1, 2, 3, 0], 0, 4, 0.5);
    const e = [Math.exp(-4), Math.exp(-2), 1, Math.exp(-6)];
    const total = e[0]! + e[1]! + e[2]! + e[3]!;
    expect(Array.from(probs)).toEqual(e.map((x) => x / total));
    const cut = Float64Array.from([0.1, 0.4, 0.3, 0.2]);
    cutProbabilities(cut, 2, undefined);
    expect(Array.from(cut)).toEqual([0, 0.4, 0.3, 0]);
    const nucleus = Float64Array.from([0.1, 0.4, 0.3, 0.2]);
    cutProbabilities(nucleus, undefined, 0.65);
    expect(Array.from(nucleus)).toEqual([0, 0.4, 0.3, 0]);
    const both = Float64Array.from([0.1, 0.4, 0.3, 0.2]);
    cutProbabilities(both, 3, 0.5);
    expect(Array.from(both)).toEqual([0, 0.4, 0.3, 0]);
  });
  it('a draw is random.choices(range(V), weights=probs) and top-k 1 is greedy', () => {
    const logits = [0.3, -1, 2, 0.5];
    const a = new T.PythonRandom(5);
    const b = new T.PythonRandom(5);
    const picks = Array.from({ length: 50 }, () => sampleToken(logits, 0, 4, { temperature: 0.7 }, a));
    const expected = Array.from({ length: 50 }, () => b.choices([0, 1, 2, 3], softmaxAt(logits, 0, 4, 0.7))[0]);
    expect(picks).toEqual(expected);
    expect(new Set(Array.from({ length: 30 }, () => sampleToken(logits, 0, 4, { topK: 1 }, a)))).toEqual(new Set([2]));
    expect(sampleToken(logits, 0, 4, { temperature: 0 }, a)).toBe(2);
  });
  it('rejects bad options', async () => {
    await expect(generate(model, [0], { maxNewTokens: 2, temperature: -1 })).rejects.toThrow(/temperature/);
    await expect(generate(model, [0], { maxNewTokens: 2, topK: 0 })).rejects.toThrow(/topK/);
    await expect(generate(model, [0], { maxNewTokens: 2, topP: 1.5 })).rejects.toThrow(/topP/);
    await expect(generate(model, [0], { maxNewTokens: -1 })).rejects.toThrow(/maxNewTokens/);
    await expect(generate(model, [], { maxNewTokens: 2 })).rejects.toThrow(/prompt is empty/);
    await expect(generate(model, [9], { maxNewTokens: 2 })).rejects.toThrow(ModelError);
    await expect(generate(model, [0], { maxNewTokens: 2, beam: 0 })).rejects.toThrow(/beam/);
  });
});

describe('generate', () => {
  it('greedy through the KV cache equals greedy by full forward passes, past the context (sliding)', async () => {
    const result = await generate(model, [1, 2], { maxNewTokens: 20, temperature: 0 });
    expect(result.stop).toBe('max-tokens');
    expect(result.ids).toHaveLength(20);
    // Before the cache fills, the cache and full passes agree exactly; afterwards the window slides by half.
    expect(result.ids.slice(0, 6)).toEqual(await greedyByFullForward([1, 2], 6, 8));
  });
  it('is reproducible from a seed, differs across seeds, and stops at a stop token (not included)', async () => {
    const a = await generate(model, [0], { maxNewTokens: 30, seed: 1 });
    expect((await generate(model, [0], { maxNewTokens: 30, seed: 1 })).ids).toEqual(a.ids);
    const many = new Set(await Promise.all(Array.from({ length: 6 }, async (_, s) => (await generate(model, [0], { maxNewTokens: 30, seed: s })).ids.join(','))));
    expect(many.size).toBeGreaterThan(1);
    const stopAt = a.ids[3]!;
    const stopped = await generate(model, [0], { maxNewTokens: 30, seed: 1, stopTokens: [stopAt] });
    expect(stopped.stop).toBe('stop-token');
    expect(stopped.ids).toEqual(a.ids.slice(0, a.ids.indexOf(stopAt)));
  });
  it('streams text as it is decoded, and crops a long prompt from the left with a note', async () => {
    const tokenizer = createCharTokenizer(['a', 'b', 'c', 'd', 'e', 'f']);
    const pieces: string[] = [];
    const tokens: number[] = [];
    const notes: string[] = [];
    const prompt = Array.from({ length: 12 }, (_, i) => i % V);
    const result = await generate(model, prompt, { maxNewTokens: 7, seed: 3, tokenizer, onText: (t) => pieces.push(t), onToken: (id) => tokens.push(id), onNote: (n) => notes.push(n) });
    expect(pieces.join('')).toBe(result.text);
    expect(tokens).toEqual(result.ids);
    expect(tokenizer.encode(result.text!)).toEqual(result.ids);
    expect(notes).toEqual(['the prompt has 12 tokens; keeping the last 8 (the model\u2019s context)'.replace('\u2019', "'")]);
    const cropped = await generate(model, prompt.slice(-8), { maxNewTokens: 7, seed: 3 });
    expect(cropped.ids).toEqual(result.ids);
  });
  it('beam search with k ≥ V^(n-1) finds the most likely sequence of n tokens (exhaustive check)', async () => {
    const n = 3;
    const k = V * V;
    const result = await generate(model, [2], { maxNewTokens: n, beam: k });
    // Brute force over all V^n continuations.
    let best = { logp: -Infinity, ids: [] as number[] };
    for (let code = 0; code < V ** n; code++) {
      const ids = [Math.floor(code / (V * V)) % V, Math.floor(code / V) % V, code % V];
      const logits = await forwardLogits(model, [2, ids[0]!, ids[1]!], 1, 3);
      let logp = 0;
      ids.forEach((id, t) => {
        const row = Array.from(logits.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        logp += row[id]! - max - Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0));
      });
      if (logp > best.logp) best = { logp, ids };
    }
    expect(result.ids).toEqual(best.ids);
    expect(result.score).toBeCloseTo(best.logp / n, 10);
  });
  it('beam search stops finished beams at a stop token and scores them by length', async () => {
    const free = await generate(model, [2], { maxNewTokens: 6, beam: 3 });
    expect(free.ids).toHaveLength(6);
    const stop = free.ids[2]!;
    const withStop = await generate(model, [2], { maxNewTokens: 6, beam: 3, stopTokens: [stop] });
    expect(withStop.ids).not.toContain(stop);
    expect(Number.isFinite(withStop.score)).toBe(true);
  });
});
