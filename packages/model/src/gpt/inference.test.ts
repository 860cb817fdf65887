import * as T from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GPTConfig } from '../config';
import { ModelError } from '../errors';
import { createSession, forwardLogits } from './inference';
import { type GPT, createGPT, disposeGPT } from './model';

function maxDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let worst = 0;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i]! - b[i]!));
  return worst;
}

const CONFIGS: [string, Partial<GPTConfig>][] = [
  ['microgpt.py shape', {}],
  ['gpt-2 style, 2 layers, bias', { norm: 'layernorm', normAffine: true, bias: true, activation: 'gelu', tiedHead: true, embedNorm: false, finalNorm: true, nLayer: 2 }],
  ['one head, no positions', { nHead: 1, posEmb: 'none' }],
];

for (const backendName of ['js', 'wasm'] as const) {
  describe(`KV cache on ${backendName}`, () => {
    let backend: T.Backend;
    beforeAll(async () => {
      backend = backendName === 'wasm' ? await T.startBackend('wasm') : T.findBackend('js');
    });
    for (const [label, overrides] of CONFIGS) {
      it(`${label}: prefill + one-token steps give the logits of a full forward`, async () => {
        const model = createGPT({ vocabSize: 13, blockSize: 10, ...overrides }, { seed: 9, dtype: 'float64', backend });
        const B = 2;
        const Tn = 9;
        const ids = Array.from({ length: B * Tn }, (_, i) => (i * 5 + 3) % 13);
        const full = await forwardLogits(model, ids, B, Tn);
        const session = createSession(model, B);
        const V = 13;
        // Prefill 4 tokens, then 5 single steps.
        const prefix = [...ids.slice(0, 4), ...ids.slice(Tn, Tn + 4)];
        const check = (logits: Float64Array, t: number): void => {
          for (let b = 0; b < B; b++) {
            const expected = full.subarray((b * Tn + t) * V, (b * Tn + t + 1) * V);
            expect(maxDiff(logits.subarray(b * V, (b + 1) * V), expected)).toBeLessThan(1e-12);
          }
        };
        check(await session.feed(prefix, 4), 3);
        for (let t = 4; t < Tn; t++) check(await session.feed([ids[t]!, ids[Tn + t]!], 1), t);
        expect(session.length).toBe(Tn);
        session.dispose();
        disposeGPT(model);
      });
    }
  });
}

describe('inference errors', () => {
  let model: GPT;
  beforeAll(() => {
    model = createGPT({ vocabSize: 5, blockSize: 4 }, { dtype: 'float64', backend: 'js' });
  });
  afterAll(() => {
  disposeGPT(model);
});
  it('rejects a prompt longer than the context, ids outside the vocabulary, and bad B', async () => {
    const session = createSession(model, 1);
    expect(() => session.feed([0, 1, 2, 3, 4], 5)).toThrow(/exceed the context of 4/);
    expect(() => session.feed([7], 1)).toThrow(ModelError);
    expect(() => session.feed([7], 1)).toThrow(/token id 7 at index 0 is outside the vocabulary \[0, 5\)/);
    await session.feed([1, 2, 3, 4], 4);
    expect(() => session.feed([1], 1)).toThrow(/4 \+ 1 tokens exceed/);
    session.reset();
    expect(await session.feed([1], 1)).toHaveLength(5);
    expect(() => { session.reorder([1]); }).toThrow(/reorder/);
    session.dispose();
    expect(() => createSession(model, 0)).toThrow(/positive integer/);
    await expect(forwardLogits(model, [1, 2], 1, 2.5)).rejects.toThrow(ModelError);
  });
});
