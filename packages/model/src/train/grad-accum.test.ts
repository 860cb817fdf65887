import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { checkTrainerState } from './trainer-state';
import { type GPT, createGPT, disposeGPT, parameterTensors } from '../gpt/model';
import { DEFAULT_TRAIN, type TrainSettings, validateTrainSettings } from './settings';
import { type Batch, type BatchLoader, createTrainer } from './trainer';

const V = 11;
const MODEL = { vocabSize: V, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 2, norm: 'layernorm' as const, normAffine: true, bias: true, dropout: 0 };
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 4, schedule: 'cosine', warmupSteps: 1, minLr: 0.001, lr: 0.01, clip: 1, optimizer: 'adamw', weightDecay: 0.1, dtype: 'float64' };

/** Rows of documents: ids from a fixed pattern, padded with ignored targets past each row's length. */
function rows(count: number, T: number, seed: number): { x: number[][]; y: number[][] } {
  const x: number[][] = [];
  const y: number[][] = [];
  for (let r = 0; r < count; r++) {
    const length = 1 + ((r * 5 + seed) % T);
    x.push(Array.from({ length: T }, (_, t) => (t < length ? (r * 7 + t * 3 + seed) % V : 0)));
    y.push(Array.from({ length: T }, (_, t) => (t < length ? (r * 5 + t * 2 + seed + 1) % V : -1)));
  }
  return { x, y };
}

/** A loader handing out `steps` big batches, each cut into `parts` micro-batches of equal B, in order. */
function loaderOf(steps: { x: number[][]; y: number[][] }[], parts: number): BatchLoader {
  const batches: Batch[] = [];
  for (const { x, y } of steps) {
    const B = x.length / parts;
    for (let p = 0; p < parts; p++) {
      const xs = x.slice(p * B, (p + 1) * B);
      const ys = y.slice(p * B, (p + 1) * B);
      batches.push({ x: Int32Array.from(xs.flat()), y: Int32Array.from(ys.flat()), B, T: xs[0]!.length });
    }
  }
  let at = 0;
  return { next: () => batches[at++]!, state: () => at, restore: () => undefined };
}

function weights(model: GPT): Float64Array[] {
  return Object.values(parameterTensors(model)).map((t) => Float64Array.from(t.toArray()));
}

describe('gradient accumulation', () => {
  for (const backendName of ['js', 'wasm'] as const) {
    it(`on ${backendName}: N micro-batches give the update of one batch N times larger (float64, padded rows of unequal counts)`, async () => {
      const backend = backendName === 'wasm' ? await T.startBackend('wasm') : T.findBackend('js');
      const data = [0, 1, 2, 3].map((s) => rows(6, 8, s));
      const run = async (batchSize: number, gradAccum: number): Promise<{ losses: number[]; tokens: number[]; weights: Float64Array[] }> => {
        const model = createGPT(MODEL, { seed: 3, dtype: 'float64', backend });
        const trainer = createTrainer({ model, settings: { ...SETTINGS, batchSize, gradAccum }, train: loaderOf(data, gradAccum) });
        const losses: number[] = [];
        const tokens: number[] = [];
        for (let i = 0; i < SETTINGS.steps; i++) {
          const report = await trainer.trainStep();
          losses.push(report.loss);
          tokens.push(report.tokens);
        }
        const result = { losses, tokens, weights: weights(model) };
        trainer.dispose();
        disposeGPT(model);
        return result;
      };
      const big = await run(6, 1);
      for (const parts of [2, 3, 6]) {
        const accumulated = await run(6 / parts, parts);
        expect(accumulated.tokens).toEqual(big.tokens);
        accumulated.losses.forEach((loss, i) => {
          expect(Math.abs(loss - big.losses[i]!)).toBeLessThan(1e-12);
        });
        accumulated.weights.forEach((w, i) => {
          const ref = big.weights[i]!;
          for (let j = 0; j < w.length; j++) expect(Math.abs(w[j]! - ref[j]!)).toBeLessThan(1e-12 * Math.max(1, Math.abs(ref[j]!)));
        });
      }
    });
  }

  it('gradAccum is optional in settings and saved states, and must be a positive integer when given', () => {
    expect(() => {
      validateTrainSettings({ ...SETTINGS, gradAccum: 4 });
    }).not.toThrow();
    expect(() => {
      validateTrainSettings({ ...SETTINGS, gradAccum: 0 });
    }).toThrow('training: gradAccum must be an integer ≥ 1 (or absent), found 0');
    expect(() => {
      validateTrainSettings({ ...SETTINGS, gradAccum: 1.5 });
    }).toThrow(/gradAccum/);
    const state = { step: 0, settings: { ...SETTINGS, gradAccum: 2 }, loader: 0, history: { train: [], val: [] } };
    expect(() => checkTrainerState({ ...state, settings: { ...SETTINGS, data: 'documents' } })).not.toThrow();
    expect(() => checkTrainerState({ ...state, settings: { ...SETTINGS, data: 'documents', gradAccum: 2 } })).not.toThrow();
    expect(() => checkTrainerState({ ...state, settings: { ...SETTINGS, data: 'documents', gradAccum: -1 } })).toThrow(/settings.gradAccum/);
  });
});
