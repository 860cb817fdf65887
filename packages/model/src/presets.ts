// Named starting points: a model shape and how to train it. The CLI's `--preset`, the playground's preset
// picker and the benchmarks all read these.
import { DEFAULT_CONFIG, type GPTConfig } from './config';
import { ModelError } from './errors';
import { DEFAULT_TRAIN, type TrainSettings } from './train/settings';

/** A model shape (vocabulary size from the data) and training settings. */
export interface Preset {
  /** The name `getPreset` and the CLI's `--preset` take. */
  readonly name: PresetName;
  /** One line for `--help` and listings: what the preset is for and its size. */
  readonly description: string;
  /** The model config, without the vocabulary size (that comes from the tokenizer, unless `vocabSize` is set). */
  readonly model: Omit<GPTConfig, 'vocabSize'>;
  /** Set for presets that fix the vocabulary (gpt2). */
  readonly vocabSize?: number;
  /** The training settings, complete (every field of {@link TrainSettings}). */
  readonly train: TrainSettings;
}

/** The preset names. */
export type PresetName = 'microgpt' | 'names' | 'shakespeare-cpu' | 'shakespeare-char' | 'gpt2';

/** nanoGPT's GPT: LayerNorm with a learned gain, GELU, a head tied to the embeddings, a final norm, init 0.02. */
const NANOGPT_MODEL: Omit<GPTConfig, 'vocabSize'> = {
  ...DEFAULT_CONFIG,
  norm: 'layernorm',
  normAffine: true,
  embedNorm: false,
  finalNorm: true,
  activation: 'gelu',
  tiedHead: true,
  initStd: 0.02,
  residualInitScale: true,
};

/** nanoGPT's train_shakespeare_char.py settings. */
const NANOGPT_TRAIN: TrainSettings = {
  ...DEFAULT_TRAIN,
  data: 'stream',
  valFraction: 0.1,
  optimizer: 'adamw',
  lr: 1e-3,
  minLr: 1e-4,
  schedule: 'cosine',
  warmupSteps: 100,
  beta1: 0.9,
  beta2: 0.99,
  weightDecay: 0.1,
  clip: 1,
  evalEvery: 250,
  dtype: 'float32',
};

/** Every preset by name. */
export const PRESETS: Readonly<Record<PresetName, Preset>> = Object.freeze({
  microgpt: {
    name: 'microgpt',
    description: "Karpathy's microgpt.py: 1 layer, 16 wide, 4 heads, context 16, one document a step, float64",
    model: DEFAULT_CONFIG,
    train: DEFAULT_TRAIN,
  },
  names: {
    name: 'names',
    description: 'MicroGPT-C names defaults: the microgpt shape, 8 documents a step, warmup 10% then cosine, float32',
    model: DEFAULT_CONFIG,
    train: { ...DEFAULT_TRAIN, steps: 3000, batchSize: 8, valFraction: 0.1, schedule: 'cosine', warmupSteps: 300, minLr: 0.001, evalEvery: 500, dtype: 'float32' },
  },
  'shakespeare-cpu': {
    name: 'shakespeare-cpu',
    description: "nanoGPT's CPU run on Tiny Shakespeare: 4 layers, 4 heads, 128 wide, context 64, batch 12, 2000 iterations",
    model: { ...NANOGPT_MODEL, nLayer: 4, nHead: 4, nEmbd: 128, blockSize: 64 },
    train: { ...NANOGPT_TRAIN, steps: 2000, batchSize: 12, evalBatches: 20 },
  },
  'shakespeare-char': {
    name: 'shakespeare-char',
    description: "nanoGPT's shakespeare_char: 6 layers, 6 heads, 384 wide, context 256, batch 64, dropout 0.2",
    model: { ...NANOGPT_MODEL, nLayer: 6, nHead: 6, nEmbd: 384, blockSize: 256, dropout: 0.2 },
    train: { ...NANOGPT_TRAIN, steps: 5000, batchSize: 64, evalBatches: 200 },
  },
  gpt2: {
    name: 'gpt2',
    description: 'The GPT-2 124M shape (for import and export): 12 layers, 12 heads, 768 wide, context 1024, vocabulary 50257',
    model: { ...NANOGPT_MODEL, nLayer: 12, nHead: 12, nEmbd: 768, blockSize: 1024, bias: true, activation: 'gelu_tanh' },
    vocabSize: 50257,
    train: { ...NANOGPT_TRAIN, steps: 600000, batchSize: 12, lr: 6e-4, minLr: 6e-5, warmupSteps: 2000, beta2: 0.95, evalEvery: 1000, evalBatches: 200 },
  },
});

/**
 * The preset called `name`.
 * @throws {ModelError} listing the preset names when there is none.
 */
export function getPreset(name: string): Preset {
  const preset = (PRESETS as Record<string, Preset | undefined>)[name];
  if (!preset) throw new ModelError(`unknown preset '${name}'; presets: ${Object.keys(PRESETS).join(', ')}`);
  return preset;
}
