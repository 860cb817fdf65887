// A trainer and the kernel profiler: one built inside a profile records nothing once it stops (its planned pass
// drops the wrappers), and one built before a profile records every kernel of the steps inside it.
import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { createGPT, disposeGPT } from '../gpt/model';
import { DEFAULT_TRAIN } from './settings';
import { randomWindows } from './test-windows';
import { createTrainer } from './trainer';

const IDS = Array.from('the cat sat on the mat and the dog sat on the log '.repeat(4), (ch) => ch.charCodeAt(0) % 16);
const SETTINGS = { ...DEFAULT_TRAIN, steps: 10, batchSize: 2, optimizer: 'adamw' as const, weightDecay: 0.1, clip: 1, dtype: 'float32' as const };
const MODEL = { vocabSize: 16, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 1, norm: 'layernorm' as const, normAffine: true };

describe('a trainer under the profiler', () => {
  it('built inside a profile, records nothing after it stops; a later profile records its steps', async () => {
    const backend = T.findBackend('js');
    const model = createGPT(MODEL, { seed: 1, dtype: 'float32', backend });
    const building = T.startProfile();
    const trainer = createTrainer({ model, settings: SETTINGS, train: randomWindows(IDS, 2, 8, 3) });
    await trainer.trainStep();
    const first = building.stop();
    const recorded = JSON.stringify(first.totals);
    expect(first.totals.attention!.calls).toBe(1);
    expect(first.totals.attentionBackward!.calls).toBe(1);

    // After stop: the steps add nothing to the stopped profile, and no profile is active to record them.
    await trainer.trainStep();
    await trainer.trainStep();
    expect(JSON.stringify(first.totals)).toBe(recorded);
    expect(T.profiling()).toBe(false);

    // A profile started after the trainer was built records each kernel of its one step, with FLOPs.
    const later = T.startProfile();
    await trainer.trainStep();
    const second = later.stop();
    expect(second.totals.attention!.calls).toBe(1);
    expect(second.totals.layernorm!.calls).toBe(second.totals.layernormBackward!.calls);
    expect(second.totals.adam!.calls).toBeGreaterThanOrEqual(1);
    for (const name of ['matmul', 'attention', 'attentionBackward', 'layernorm', 'crossEntropy', 'adam']) expect(second.totals[name]!.flops).toBeGreaterThan(0);
    const calls = second.calls.length;
    await trainer.trainStep();
    expect(second.calls.length).toBe(calls);
    trainer.dispose();
    disposeGPT(model);
  });
});
