import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { ModelError } from '../errors';
import { createGPT, disposeGPT, parameterTensors } from '../gpt/model';
import { DEFAULT_TRAIN, type TrainSettings } from './settings';
import { createTrainer } from './trainer';
import { randomWindows } from './test-windows';

const IDS = Array.from({ length: 400 }, (_, i) => (i * 7 + (i >> 3)) % 13);
const MODEL = { vocabSize: 13, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 3, norm: 'layernorm' as const, normAffine: true, bias: true, dropout: 0.1 };
// AdamW with weight decay: a frozen parameter must not even decay.
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 6, batchSize: 2, optimizer: 'adamw', weightDecay: 0.1, clip: 1, dtype: 'float32' };

describe('frozen parameters', () => {
  it('stay bit-identical through training while the others learn', async () => {
    const model = createGPT(MODEL, { seed: 5, dtype: 'float32', backend: T.findBackend('js') });
    const before = Object.fromEntries(Object.entries(parameterTensors(model)).map(([name, t]) => [name, Array.from(t.toArray())]));
    const frozen = Object.keys(before).filter((name) => name === 'wte' || name === 'wpe' || name.startsWith('h.0.') || name.startsWith('h.1.'));
    const trainer = createTrainer({ model, settings: SETTINGS, train: randomWindows(IDS, 2, 8, 3), frozen });
    for (let i = 0; i < SETTINGS.steps; i++) await trainer.trainStep();
    const after = parameterTensors(model);
    for (const [name, values] of Object.entries(before)) {
      const now = Array.from(after[name]!.toArray());
      if (frozen.includes(name)) expect(now, name).toEqual(values);
      else if (name.endsWith('weight') && !name.includes('ln')) expect(now, name).not.toEqual(values);
    }
    trainer.dispose();
    disposeGPT(model);
  });

  it('refuses a name the model does not have', () => {
    const model = createGPT(MODEL, { seed: 5, dtype: 'float32', backend: T.findBackend('js') });
    expect(() => createTrainer({ model, settings: SETTINGS, train: randomWindows(IDS, 2, 8, 3), frozen: ['h.7.attn.qkv.weight'] })).toThrow(ModelError);
    expect(() => createTrainer({ model, settings: SETTINGS, train: randomWindows(IDS, 2, 8, 3), frozen: ['h.7.attn.qkv.weight'] })).toThrow(/^freeze: 'h.7.attn.qkv.weight' is not a parameter of this model \(it has wte, wpe/);
    disposeGPT(model);
  });
});
