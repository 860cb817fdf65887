// The C peer computes our `names` step: from the same weights and batch, its losses over several steps (forward,
// backward and Adam on the preset's schedule) match the trainer's to float32 rounding.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Batch, createGPT, createTrainer, getPreset } from '@microgpt/model';
import { afterAll, describe, expect, it } from 'vitest';
import { namesStepBinary, runNamesStep } from './index';

const WEIGHT_ORDER = ['wte', 'wpe', 'h.0.attn.q.weight', 'h.0.attn.k.weight', 'h.0.attn.v.weight', 'h.0.attn.o.weight', 'h.0.mlp.fc1.weight', 'h.0.mlp.fc2.weight', 'lm_head'];
const STEPS = 6;
const binary = namesStepBinary();
const dir = mkdtempSync(join(tmpdir(), 'names-step-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

/** Rows of BOS … BOS documents padded with input 0 and target -1, as the document loader makes them. */
function paddedBatch(docs: readonly number[][], bos: number): Batch {
  const T = Math.max(...docs.map((d) => d.length + 1));
  const x = new Int32Array(docs.length * T);
  const y = new Int32Array(docs.length * T).fill(-1);
  docs.forEach((doc, b) => {
    const seq = [bos, ...doc, bos];
    for (let t = 0; t < seq.length - 1; t++) {
      x[b * T + t] = seq[t]!;
      y[b * T + t] = seq[t + 1]!;
    }
  });
  return { x, y, B: docs.length, T };
}

describe.skipIf(binary === null)('names-step.c (needs a C compiler: cc, or CC)', () => {
  it('matches the trainer on the names preset: the same losses over 6 steps from the same weights and batch', async () => {
    const preset = getPreset('names');
    const V = 27;
    const model = createGPT({ ...preset.model, vocabSize: V }, { seed: 3, dtype: 'float32' });
    const weights = WEIGHT_ORDER.map((name) => model.params[name]!.value.toArray() as Float32Array);
    const header = new Int32Array([V]);
    writeFileSync(join(dir, 'weights.bin'), Buffer.concat([header, ...weights].map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength))));
    const batch = paddedBatch([[4, 12, 12, 0], [0, 21, 0], [12, 0, 17, 24, 0, 13, 13, 4, 11, 11, 8, 19, 0, 1], [9], [14, 11, 8, 21, 8, 0], [0, 21, 0], [18, 14, 15, 7, 8, 0], [11, 20, 2, 0, 18]], V - 1);
    const ids = new Int32Array([batch.B, batch.T, ...batch.x, ...batch.y]);
    writeFileSync(join(dir, 'batch.bin'), Buffer.from(ids.buffer));
    const trainer = createTrainer({ model, settings: preset.train, train: { next: () => batch, state: () => null, restore: () => undefined } });
    const ours: number[] = [];
    for (let i = 0; i < STEPS; i++) ours.push((await trainer.trainStep()).loss);
    trainer.dispose();
    const theirs = runNamesStep(binary!, ['check', join(dir, 'weights.bin'), join(dir, 'batch.bin'), String(STEPS)]).trim().split('\n').map(Number);
    expect(theirs).toHaveLength(STEPS);
    expect(ours[STEPS - 1]).toBeLessThan(ours[0]!); // the step trains
    // float32 sums in another order: agreement to a few units in the 6th digit.
    theirs.forEach((loss, i) => {
      expect(loss).toBeCloseTo(ours[i]!, 5);
    });
  });
});
