// How a model is trained: every knob of the trainer in one plain object (the model's shape is GPTConfig).
import type { FloatDType } from '@microgpt/tensor';
import { oneOf } from '../config';
import { ModelError } from '../errors';

/** Training hyperparameters and schedule. */
export interface TrainSettings {
  /** Optimizer steps to take. */
  readonly steps: number;
  /** Sequences a step: documents (documents mode) or random windows (stream mode). */
  readonly batchSize: number;
  /** `documents`: one line = one document wrapped in BOS (microgpt.py); `stream`: random windows (nanoGPT). */
  readonly data: 'documents' | 'stream';
  /** Share of the data held out for evaluation (nanoGPT: the last 10%); 0 = none. */
  readonly valFraction: number;
  /** `adam`, or `adamw` for decoupled weight decay of matrices and embeddings (`weightDecay`). */
  readonly optimizer: 'adam' | 'adamw';
  /** Peak learning rate. */
  readonly lr: number;
  /** Rate at the end of the schedule (cosine, linear). */
  readonly minLr: number;
  /** `constant`, `linear` (microgpt.py: lr · (1 − step/steps), down to minLr) or `cosine` (warmup, then cosine to minLr). */
  readonly schedule: 'constant' | 'linear' | 'cosine';
  /** Linear warmup steps (cosine schedule). */
  readonly warmupSteps: number;
  /** Adam's first-moment decay per step, in [0, 1) (0.85 in microgpt.py). */
  readonly beta1: number;
  /** Adam's second-moment decay per step, in [0, 1) (0.99 in microgpt.py). */
  readonly beta2: number;
  /** Adam's denominator term, > 0 (1e-8 by default). */
  readonly eps: number;
  /** Decoupled weight decay of matrices and embeddings (AdamW; norms and biases never decay, as nanoGPT). */
  readonly weightDecay: number;
  /** Clip the global gradient norm to this; 0 = no clipping. */
  readonly clip: number;
  /** Evaluate on the held-out split every this many steps (and at the end); 0 = only at the end. */
  readonly evalEvery: number;
  /** Batches per evaluation (stream mode: random windows, as nanoGPT's estimate_loss; documents: the first ones). */
  readonly evalBatches: number;
  /** Checkpoint every this many steps (and at the end); 0 = only at the end. */
  readonly ckptEvery: number;
  /** Seed of the init, the data order and dropout. */
  readonly seed: number;
  /** Float type of parameters and activations. */
  readonly dtype: FloatDType;
  /**
   * Micro-batches of batchSize whose gradients are summed (weighted by their counted targets) before one optimizer
   * step: the update of one batch gradAccum times larger, in the memory of one micro-batch. Absent = 1 (states
   * saved before the setting existed).
   */
  readonly gradAccum?: number;
}

/** Defaults: microgpt.py's run (1,000 steps of one document, Adam 0.01 with linear decay, float64). */
export const DEFAULT_TRAIN: TrainSettings = Object.freeze({
  steps: 1000,
  batchSize: 1,
  data: 'documents',
  valFraction: 0,
  optimizer: 'adam',
  lr: 0.01,
  minLr: 0,
  schedule: 'linear',
  warmupSteps: 0,
  beta1: 0.85,
  beta2: 0.99,
  eps: 1e-8,
  weightDecay: 0,
  clip: 0,
  evalEvery: 0,
  evalBatches: 20,
  ckptEvery: 0,
  seed: 42,
  dtype: 'float64',
});

/** A field of training settings that is not valid, and what it must be. */
export interface SettingsProblem {
  /** The setting that is wrong. */
  readonly field: keyof TrainSettings;
  /** What it must be, e.g. `an integer ≥ 1` or `a number in [0, 1)`. */
  readonly expected: string;
}

/** The names of every training setting, in {@link DEFAULT_TRAIN}'s order, then the optional gradAccum. */
export const TRAIN_SETTING_NAMES: readonly (keyof TrainSettings)[] = Object.freeze([...(Object.keys(DEFAULT_TRAIN) as (keyof TrainSettings)[]), 'gradAccum']);

/**
 * The first field of `s` that is not valid (a settings object read from JSON may hold anything), or null.
 * Cross-field rules come last and name the dependent field: minLr ≤ lr, and warmupSteps < steps for cosine.
 */
export function trainSettingsProblem(s: TrainSettings): SettingsProblem | null {
  const value = (field: keyof TrainSettings): unknown => (s as unknown as Record<string, unknown>)[field];
  const isNumber = (field: keyof TrainSettings): boolean => typeof value(field) === 'number' && Number.isFinite(value(field));
  const counts: [keyof TrainSettings, number][] = [['steps', 1], ['batchSize', 1], ['warmupSteps', 0], ['evalEvery', 0], ['evalBatches', 1], ['ckptEvery', 0], ['seed', 0]];
  for (const [field, min] of counts) {
    const v = value(field);
    if (!(typeof v === 'number' && Number.isSafeInteger(v) && v >= min)) return { field, expected: `an integer ≥ ${min}` };
  }
  for (const field of ['lr', 'minLr', 'eps', 'weightDecay', 'clip'] as const) if (!(isNumber(field) && s[field] >= 0)) return { field, expected: 'a finite number ≥ 0' };
  for (const field of ['beta1', 'beta2', 'valFraction'] as const) if (!(isNumber(field) && s[field] >= 0 && s[field] < 1)) return { field, expected: 'a number in [0, 1)' };
  const accum = value('gradAccum');
  if (accum !== undefined && !(typeof accum === 'number' && Number.isSafeInteger(accum) && accum >= 1)) return { field: 'gradAccum', expected: 'an integer ≥ 1 (or absent)' };
  if (!oneOf(s.data, ['documents', 'stream'])) return { field: 'data', expected: "'documents' or 'stream'" };
  if (!oneOf(s.optimizer, ['adam', 'adamw'])) return { field: 'optimizer', expected: "'adam' or 'adamw'" };
  if (!oneOf(s.schedule, ['constant', 'linear', 'cosine'])) return { field: 'schedule', expected: "'constant', 'linear' or 'cosine'" };
  if (!oneOf(s.dtype, ['float32', 'float64'])) return { field: 'dtype', expected: "'float32' or 'float64'" };
  if (s.minLr > s.lr) return { field: 'minLr', expected: `at most lr (${s.lr})` };
  if (s.schedule === 'cosine' && s.warmupSteps >= s.steps) return { field: 'warmupSteps', expected: `less than steps (${s.steps})` };
  return null;
}

/**
 * Checks every field of training settings.
 * @throws {ModelError} naming the first bad field, the value and what was expected.
 */
export function validateTrainSettings(s: TrainSettings): void {
  const problem = trainSettingsProblem(s);
  if (problem) throw new ModelError(`training: ${problem.field} must be ${problem.expected}, found ${JSON.stringify(s[problem.field])}`);
}
