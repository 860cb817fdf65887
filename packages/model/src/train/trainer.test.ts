import * as T from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { NonFiniteLossError } from '../errors';
import { parameterSpecs } from '../gpt/params';
import { type GPT, createGPT, disposeGPT, gptFromParameters, parameterTensors } from '../gpt/model';
import { runTraining } from './loop';
import { lossesOf } from './test-steps';
import { DEFAULT_TRAIN, type TrainSettings } from './settings';
import { type Batch, type BatchLoader, createTrainer } from './trainer';
import { randomWindows } from './test-windows';

const TEXT = 'the quick brown fox jumps over the lazy dog and the cat sat on the mat while the bird sang '.repeat(4);
const CHARS = [...new Set(TEXT)].sort();
const IDS = Array.from(TEXT, (ch) => CHARS.indexOf(ch));
const V = CHARS.length;

const windows = (B: number, Tn: number, seed: number): BatchLoader => randomWindows(IDS, B, Tn, seed);

const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 30, batchSize: 3, schedule: 'cosine', warmupSteps: 3, minLr: 0.001, clip: 1, optimizer: 'adamw', weightDecay: 0.1 };
const MODEL = { vocabSize: V, blockSize: 8, nEmbd: 16, nHead: 2, nLayer: 2, norm: 'layernorm' as const, normAffine: true, bias: true, dropout: 0.1 };

function makeModel(backend: T.Backend, dtype: T.FloatDType): GPT {
  return createGPT(MODEL, { seed: 1, dtype, backend });
}

function snapshot(model: GPT): Record<string, Float64Array> {
  return Object.fromEntries(Object.entries(parameterTensors(model)).map(([k, t]) => [k, Float64Array.from(t.toArray())]));
}

for (const backendName of ['js', 'wasm'] as const) {
  describe(`trainer on ${backendName}`, () => {
    const backendOf = async (): Promise<T.Backend> => (backendName === 'wasm' ? T.startBackend('wasm') : T.findBackend('js'));
    it('learns, and the same seed gives the same losses bit for bit (float32, with dropout)', async () => {
      const backend = await backendOf();
      const run = async (): Promise<number[]> => {
        const model = makeModel(backend, 'float32');
        const trainer = createTrainer({ model, settings: { ...SETTINGS, dtype: 'float32' }, train: windows(3, 8, 7) });
        const losses = await lossesOf(trainer, SETTINGS.steps);
        trainer.dispose();
        disposeGPT(model);
        return losses;
      };
      const a = await run();
      expect(await run()).toEqual(a);
      expect(a.slice(-5).reduce((s, x) => s + x, 0) / 5).toBeLessThan(a.slice(0, 5).reduce((s, x) => s + x, 0) / 5);
    });
    it('resuming from weights, optimizer state and trainer state continues exactly', async () => {
      const backend = await backendOf();
      const model = makeModel(backend, 'float64');
      const trainer = createTrainer({ model, settings: SETTINGS, train: windows(3, 8, 7) });
      for (let i = 0; i < 12; i++) await trainer.trainStep();
      const weights = snapshot(model);
      const optimizerState = structuredClone(await trainer.optimizerState());
      const state = JSON.parse(JSON.stringify(trainer.state())) as ReturnType<typeof trainer.state>;
      const expected = await lossesOf(trainer, 18);
      trainer.dispose();
      disposeGPT(model);

      const config = resolveConfig(MODEL);
      const shapes = Object.fromEntries(parameterSpecs(config).map((spec) => [spec.name, spec.shape]));
      const tensors = Object.fromEntries(Object.entries(weights).map(([k, v]) => [k, T.tensor(v, { shape: shapes[k]!, dtype: 'float64', backend })]));
      const resumed = gptFromParameters(config, tensors);
      const trainer2 = createTrainer({ model: resumed, settings: SETTINGS, train: windows(3, 8, 999) });
      trainer2.restore(state, optimizerState);
      expect(trainer2.step).toBe(12);
      const actual = await lossesOf(trainer2, 18);
      expect(actual).toEqual(expected);
      expect(trainer2.state().history.train).toHaveLength(30);
      trainer2.dispose();
      disposeGPT(resumed);
    });
  });
}

describe('trainer behaviour', () => {
  it('stops at a non-finite loss naming the step, leaving the parameters as they were', async () => {
    const model = createGPT({ ...MODEL, dropout: 0 }, { seed: 1, dtype: 'float64', backend: 'js' });
    const trainer = createTrainer({ model, settings: SETTINGS, train: windows(3, 8, 7) });
    await trainer.trainStep();
    await trainer.trainStep();
    const wte = model.params.wte!.value;
    const poisoned = Float64Array.from(wte.toArray());
    poisoned.fill(NaN);
    wte.backend.write(wte.storage, wte.offset, poisoned);
    const before = snapshot(model);
    await expect(trainer.trainStep()).rejects.toThrow(NonFiniteLossError);
    await expect(trainer.trainStep()).rejects.toThrow(/training stopped at step 3: the loss is NaN; the parameters are those after step 2/);
    const after = snapshot(model);
    for (const name of Object.keys(before)) expect(Array.from(after[name]!), name).toEqual(Array.from(before[name]!));
    trainer.dispose();
    disposeGPT(model);
  });
  it('evaluates held-out batches without dropout, weighting by counted targets', async () => {
    const model = createGPT(MODEL, { seed: 1, dtype: 'float64', backend: 'js' });
    const val = (): Batch[] => {
      const loader = windows(2, 8, 3);
      const a = loader.next();
      const b = loader.next();
      const y = Int32Array.from(b.y, (t, i) => (i % 2 === 0 ? -1 : t));
      return [a, { ...b, y }];
    };
    const trainer = createTrainer({ model, settings: SETTINGS, train: windows(3, 8, 7), val });
    const first = await trainer.evaluate();
    expect(await trainer.evaluate()).toBe(first);
    expect(Number.isFinite(first)).toBe(true);
    const noVal = createTrainer({ model, settings: SETTINGS, train: windows(3, 8, 7) });
    expect(await noVal.evaluate()).toBeNaN();
    trainer.dispose();
    noVal.dispose();
    disposeGPT(model);
  });
  it('rejects batches that do not fit and bad settings', async () => {
    const model = createGPT({ ...MODEL, dropout: 0 }, { seed: 1, dtype: 'float64', backend: 'js' });
    const bad = (batch: Batch): BatchLoader => ({ next: () => batch, state: () => null, restore: () => undefined });
    const x = new Int32Array(3 * 9);
    await expect(createTrainer({ model, settings: SETTINGS, train: bad({ x, y: x, B: 3, T: 9 }) }).trainStep()).rejects.toThrow(/T = 9 is outside \[1, 8\]/);
    await expect(createTrainer({ model, settings: SETTINGS, train: bad({ x: x.subarray(0, 8), y: x.subarray(0, 8), B: 1, T: 8 }) }).trainStep()).rejects.toThrow(/B = 1, but the trainer was planned for batchSize 3/);
    const big = Int32Array.from({ length: 24 }, () => V);
    await expect(createTrainer({ model, settings: SETTINGS, train: bad({ x: big, y: big, B: 3, T: 8 }) }).trainStep()).rejects.toThrow(/input id \d+ at index 0 is outside the vocabulary/);
    expect(() => createTrainer({ model, settings: { ...SETTINGS, steps: 0 }, train: windows(3, 8, 1) })).toThrow(/steps must be an integer ≥ 1, found 0/);
    expect(() => createTrainer({ model, settings: { ...SETTINGS, beta2: 1 }, train: windows(3, 8, 1) })).toThrow(/beta2/);
    disposeGPT(model);
  });
  it('runTraining evaluates and checkpoints on schedule and stops when asked', async () => {
    const model = createGPT({ ...MODEL, dropout: 0 }, { seed: 1, dtype: 'float64', backend: 'js' });
    const settings = { ...SETTINGS, steps: 20, evalEvery: 5, ckptEvery: 8 };
    const trainer = createTrainer({ model, settings, train: windows(3, 8, 7), val: () => [windows(3, 8, 5).next()] });
    const events: string[] = [];
    let steps = 0;
    const result = await runTraining(trainer, {
      onStep: (p) => {
        steps++;
        expect(p.steps).toBe(20);
        expect(p.tokensPerSecond).toBeGreaterThan(0);
      },
      onEval: (step) => void events.push(`eval ${step}`),
      onCheckpoint: (t, reason) => {
        events.push(`ckpt ${t.step} ${reason}`);
      },
      shouldStop: () => steps === 13,
    });
    expect(result.interrupted).toBe(true);
    expect(result.step).toBe(13);
    expect(events).toEqual(['eval 5', 'ckpt 8 every', 'eval 10', 'ckpt 13 interrupt']);
    const rest = await runTraining(trainer, { onEval: (step) => void events.push(`eval ${step}`), onCheckpoint: (t, reason) => void events.push(`ckpt ${t.step} ${reason}`) });
    expect(rest.interrupted).toBe(false);
    expect(rest.step).toBe(20);
    expect(events.slice(4)).toEqual(['eval 15', 'ckpt 16 every', 'eval 20', 'ckpt 20 end']);
    expect(trainer.state().history.val.map(([s]) => s)).toEqual([5, 10, 15, 20]);
    trainer.dispose();
    disposeGPT(model);
  });
});

describe('threads', () => {
  it('2 threads repeat themselves bit for bit and match 1 thread up to summation order', async () => {
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    const config = { vocabSize: V, blockSize: 32, nEmbd: 128, nHead: 4, nLayer: 1, norm: 'layernorm' as const, normAffine: true, activation: 'gelu' };
    const settings = { ...SETTINGS, steps: 6, batchSize: 8, dtype: 'float32' as const };
    const run = async (): Promise<number[]> => {
      const model = createGPT(config, { seed: 1, dtype: 'float32', backend: wasm });
      const trainer = createTrainer({ model, settings, train: windows(8, 32, 7) });
      const losses = await lossesOf(trainer, settings.steps);
      trainer.dispose();
      disposeGPT(model);
      return losses;
    };
    await wasm.setThreads(1);
    const one = await run();
    await wasm.setThreads(2);
    const two = await run();
    expect(await run()).toEqual(two);
    await wasm.setThreads(1);
    two.forEach((loss, i) => {
      expect(Math.abs(loss - one[i]!)).toBeLessThan(1e-4 * one[i]!);
    });
  });
});
