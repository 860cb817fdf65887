// End-to-end gradient check of a tiny model: the planned backward pass against central finite differences of
// the planned forward's loss, in float64, for every parameter tensor (a sample of entries each).
import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import type { GPTConfig } from '../config';
import { createPlan } from './buffers';
import { createGPT, disposeGPT } from './model';
import { createPass } from './pass';

const CASES: [string, Partial<GPTConfig>][] = [
  ['microgpt.py', {}],
  ['layernorm, bias, gelu, tied head, final norm, 2 layers', { norm: 'layernorm', normAffine: true, bias: true, activation: 'gelu', tiedHead: true, embedNorm: false, finalNorm: true, nLayer: 2 }],
];

describe('gradients against finite differences (float64, js)', () => {
  for (const [label, overrides] of CASES) {
    it(label, () => {
      const backend = T.findBackend('js');
      const model = createGPT({ vocabSize: 7, blockSize: 5, nEmbd: 8, nHead: 2, initStd: 0.3, ...overrides }, { seed: 4, dtype: 'float64', backend });
      const [B, Tn] = [2, 5];
      const plan = createPlan(model.config, { B, maxT: Tn, training: true, contextT: null }, 'float64', backend);
      const pass = createPass(model, plan);
      const s = pass.buffers(Tn);
      const rng = new T.PythonRandom(8);
      backend.write(s.ids.storage, 0, Int32Array.from({ length: B * Tn }, () => rng.randbelow(7)));
      backend.write(s.targets.storage, 0, Int32Array.from({ length: B * Tn }, (_, i) => (i === 3 ? -1 : rng.randbelow(7))));
      const loss = (): number => {
        pass.forward(Tn, true, { pos0: 0, cache: null, dropoutKey: 0 });
        return s.loss.item();
      };
      loss();
      pass.backward(Tn);
      const h = 1e-5;
      for (const [name, v] of Object.entries(model.params)) {
        const grad = v.grad!.toArray();
        const values = Float64Array.from(v.value.toArray());
        // Up to 6 entries per tensor, spread over it.
        const picks = Array.from(new Set(Array.from({ length: 6 }, (_, i) => Math.floor((i * values.length) / 6))));
        for (const i of picks) {
          const at = (x: number): number => {
            const copy = Float64Array.from(values);
            copy[i] = x;
            backend.write(v.value.storage, v.value.offset, copy);
            return loss();
          };
          const numeric = (at(values[i]! + h) - at(values[i]! - h)) / (2 * h);
          backend.write(v.value.storage, v.value.offset, values);
          expect(Math.abs(numeric - grad[i]!), `${name}[${i}]: numeric ${numeric}, backward ${grad[i]}`).toBeLessThan(1e-7 + 1e-5 * Math.abs(numeric));
        }
      }
      plan.dispose();
      disposeGPT(model);
    });
  }
});
