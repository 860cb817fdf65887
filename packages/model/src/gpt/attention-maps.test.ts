// Attention maps against probabilities computed here in float64 from the autograd reference's queries and keys.
import { releaseGraph } from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { attentionMaps } from './attention-maps';
import { createGPT, disposeGPT } from './model';
import { referenceForward } from './reference';

const CONFIG = { vocabSize: 11, blockSize: 8, nLayer: 2, nHead: 2, nEmbd: 8, norm: 'layernorm', normAffine: true, finalNorm: true } as const;
const IDS = [3, 1, 4, 1, 5, 9, 2];

/** softmax(q·kᵀ / √HS) with the causal mask, per layer (NH, T, T), from the reference's q and k (1, NH, T, HS). */
function referenceMaps(model: ReturnType<typeof createGPT>, ids: number[]): Float64Array[] {
  const Tn = ids.length;
  const maps: Float64Array[] = [];
  const idx = T.tensor(Int32Array.from(ids), { shape: [1, Tn], backend: model.backend });
  const { logits } = referenceForward(model, idx, null, {
    onQueryKey: (_, q, k) => {
      const [, NH, , HS] = q.value.shape as [number, number, number, number];
      const [qv, kv] = [q.value.contiguous().toArray(), k.value.contiguous().toArray()];
      const probs = new Float64Array(NH * Tn * Tn);
      for (let h = 0; h < NH; h++) {
        for (let i = 0; i < Tn; i++) {
          const scores = Array.from({ length: i + 1 }, (_, j) => {
            let dot = 0;
            for (let d = 0; d < HS; d++) dot += qv[(h * Tn + i) * HS + d]! * kv[(h * Tn + j) * HS + d]!;
            return dot / Math.sqrt(HS);
          });
          const max = Math.max(...scores);
          const total = scores.reduce((sum, s) => sum + Math.exp(s - max), 0);
          scores.forEach((s, j) => (probs[(h * Tn + i) * Tn + j] = Math.exp(s - max) / total));
        }
      }
      maps.push(probs);
    },
  });
  releaseGraph(logits);
  idx.dispose();
  return maps;
}

describe('attentionMaps', () => {
  for (const [dtype, tolerance] of [['float64', 1e-12], ['float32', 1e-5]] as const) {
    it(`${dtype} on js: causal rows summing to 1, equal to softmax(q·kᵀ/√HS) of the reference`, async () => {
      const model = createGPT(CONFIG, { seed: 4, dtype, backend: T.findBackend('js') });
      const maps = await attentionMaps(model, IDS);
      expect([maps.T, maps.nLayer, maps.nHead, maps.layers.length]).toEqual([7, 2, 2, 2]);
      const expected = referenceMaps(model, IDS);
      for (let l = 0; l < 2; l++) {
        const layer = maps.layers[l]!;
        expect(layer).toHaveLength(2 * 7 * 7);
        for (let row = 0; row < 2 * 7; row++) {
          const i = row % 7;
          let sum = 0;
          for (let j = 0; j < 7; j++) {
            const p = layer[row * 7 + j]!;
            if (j > i) expect(p).toBe(0);
            sum += p;
            expect(Math.abs(p - expected[l]![row * 7 + j]!)).toBeLessThan(tolerance);
          }
          expect(Math.abs(sum - 1)).toBeLessThan(tolerance);
        }
      }
      disposeGPT(model);
    });
  }

  it('gives the same maps on wasm as on js (float32)', async () => {
    const wasm = await T.createWasmBackend({ threads: 1 });
    const onJs = createGPT(CONFIG, { seed: 4, dtype: 'float32', backend: T.findBackend('js') });
    const onWasm = createGPT(CONFIG, { seed: 4, dtype: 'float32', backend: wasm });
    const [a, b] = [await attentionMaps(onJs, IDS), await attentionMaps(onWasm, IDS)];
    for (let l = 0; l < 2; l++) for (let i = 0; i < a.layers[l]!.length; i++) expect(Math.abs(a.layers[l]![i]! - b.layers[l]![i]!)).toBeLessThan(1e-5);
    disposeGPT(onWasm);
    wasm.dispose();
  });

  it('rejects no ids, more than blockSize, and ids outside the vocabulary', async () => {
    const model = createGPT(CONFIG, { seed: 4, dtype: 'float32', backend: T.findBackend('js') });
    await expect(attentionMaps(model, [])).rejects.toThrow('attentionMaps: expected 1 ≤ T ≤ 8 ids, found 0');
    await expect(attentionMaps(model, new Array(9).fill(1))).rejects.toThrow('attentionMaps: expected 1 ≤ T ≤ 8 ids, found 9');
    await expect(attentionMaps(model, [1, 11])).rejects.toThrow('attentionMaps: token id 11 at index 1 is outside the vocabulary [0, 11)');
    disposeGPT(model);
  });
});
