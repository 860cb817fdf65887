// Resume through a real checkpoint folder: train, save (weights, optimizer, trainer state with the loader's RNG
// and position), load into a fresh process-like setup, continue: the losses equal the uninterrupted run's.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainChar } from '@microgpt/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import { loadCheckpoint, saveCheckpoint } from '../checkpoint/folder';
import { createGPT, disposeGPT } from '../gpt/model';
import { DEFAULT_TRAIN, type TrainSettings } from './settings';
import { lossesOf } from './test-steps';
import { type BatchLoader, type TrainerState, createTrainer } from './trainer';
import { randomWindows } from './test-windows';

const TEXT = 'first citizen: before we proceed any further, hear me speak. all: speak, speak. '.repeat(6);
const tokenizer = trainChar(TEXT);
const IDS = tokenizer.encode(TEXT);

const windows = (B: number, Tn: number, seed: number): BatchLoader => randomWindows(IDS, B, Tn, seed);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

describe('resume from a checkpoint folder', () => {
  for (const dtype of ['float32', 'float64'] as const) {
    it(`continues exactly as the uninterrupted run (${dtype}, AdamW, cosine schedule, clipping, dropout)`, async () => {
      const settings: TrainSettings = { ...DEFAULT_TRAIN, steps: 24, batchSize: 2, optimizer: 'adamw', weightDecay: 0.1, schedule: 'cosine', warmupSteps: 4, minLr: 1e-3, clip: 1, dtype };
      const config = { vocabSize: tokenizer.vocabSize, blockSize: 8, nEmbd: 16, nHead: 2, norm: 'layernorm' as const, normAffine: true, bias: true, dropout: 0.1 };
      const full = createGPT(config, { seed: 5, dtype, backend: 'js' });
      const fullTrainer = createTrainer({ model: full, settings, train: windows(2, 8, 3) });
      const expected = await lossesOf(fullTrainer, 24);
      fullTrainer.dispose();
      disposeGPT(full);

      const model = createGPT(config, { seed: 5, dtype, backend: 'js' });
      const trainer = createTrainer({ model, settings, train: windows(2, 8, 3) });
      const first = await lossesOf(trainer, 10);
      const dir = mkdtempSync(join(tmpdir(), 'microgpt-resume-'));
      dirs.push(dir);
      await saveCheckpoint(dir, { model, tokenizer, optimizer: await trainer.optimizerState(), trainerState: trainer.state() });
      trainer.dispose();
      disposeGPT(model);

      const loaded = await loadCheckpoint(dir, { backend: 'js', requireTrainingState: true });
      const resumed = createTrainer({ model: loaded.model, settings, train: windows(2, 8, 12345) });
      resumed.restore(loaded.trainerState as unknown as TrainerState, loaded.optimizer ?? null);
      const rest = await lossesOf(resumed, 14);
      expect([...first, ...rest]).toEqual(expected);
      resumed.dispose();
      disposeGPT(loaded.model);
    });
  }
});
