// A training run in the worker: the tokenizer trained on the data, the batches, the model and its trainer, built
// from the page's RunSpec the way `microgpt train` builds them from its flags; or a model read back from a
// checkpoint's files (exported here or trained by the CLI), which can be sampled but not trained further.
import {
  CheckpointError,
  type GPT,
  type SplitLoader,
  type Trainer,
  type TrainerState,
  type TrainSettings,
  checkpointFiles,
  countParameters,
  createGPT,
  createTrainer,
  disposeGPT,
  documentIds,
  documentLoader,
  getPreset,
  isGpt2ConfigBytes,
  memoryTokenSource,
  microgptDocs,
  readCheckpointFiles,
  readHuggingFaceFiles,
  resolveConfig,
  streamLoader,
  validateTrainSettings,
} from '@microgpt/model';
import type { Backend } from '@microgpt/tensor';
import { type Tokenizer, tokenizerFromJSON, trainBpe, trainChar, trainWord } from '@microgpt/tokenizer';
import type { DataSpec, ModelInfo, RunSpec, TokenizerSpec } from '../protocol';

/** The special token that wraps documents (the CLI's, so checkpoints move between the two). */
export const BOS_TEXT = '<|bos|>';

/** A model with its tokenizer, and a trainer when it was built here (imported models have none). */
export interface Run {
  readonly model: GPT;
  readonly tokenizer: Tokenizer;
  /** The BOS id of a documents model, else null. */
  readonly bos: number | null;
  readonly trainer: Trainer | null;
  readonly info: ModelInfo;
  /** The preset it started from (saved in exported checkpoints). */
  readonly preset: string;
}

/**
 * A tokenizer of `spec.kind` trained on `data` (with a BOS special token for documents).
 * @throws TokenizerError for a vocabulary size that cannot work (BPE below 256 + BOS).
 */
export function trainTokenizer(spec: TokenizerSpec, data: DataSpec): Tokenizer {
  const special = data.documents ? [BOS_TEXT] : [];
  const corpus = data.documents ? microgptDocs(data.text).join(spec.kind === 'char' ? '' : '\n') : data.text;
  if (spec.kind === 'char') return data.documents ? trainChar(corpus, { bos: BOS_TEXT }) : trainChar(corpus);
  if (spec.kind === 'word') return trainWord(corpus, { special, ...(spec.vocabSize === undefined ? {} : { maxVocab: spec.vocabSize }) });
  return trainBpe(corpus, { vocabSize: spec.vocabSize ?? 512, specialTokens: special });
}

/** The preset's training settings with the page's steps, rate, batch and seed (warmup keeps its share). */
export function trainSettingsFor(spec: RunSpec): TrainSettings {
  const preset = getPreset(spec.preset).train;
  const settings: TrainSettings = {
    ...preset,
    data: spec.data.documents ? 'documents' : 'stream',
    valFraction: 0.1,
    steps: spec.steps,
    lr: spec.lr,
    minLr: Math.min(preset.minLr, spec.lr),
    warmupSteps: Math.round((preset.warmupSteps * spec.steps) / preset.steps),
    batchSize: spec.batchSize,
    seed: spec.seed,
    dtype: 'float32',
    evalEvery: Math.max(1, Math.round(spec.steps / 10)),
    evalBatches: Math.min(preset.evalBatches, 8),
  };
  validateTrainSettings(settings);
  return settings;
}

/** The BOS id of a tokenizer trained for documents, else null. */
export function bosOf(tokenizer: Tokenizer, data: DataSpec): number | null {
  return data.documents ? tokenizer.specialTokens[BOS_TEXT]! : null;
}

/** The ids the model trains on: each document wrapped in BOS (documents), or the whole text (a stream). */
export function dataIds(data: DataSpec, tokenizer: Tokenizer): number[] {
  const encode = (piece: string): number[] => tokenizer.encode(piece);
  const bos = bosOf(tokenizer, data);
  return bos === null ? encode(data.text) : documentIds(data.text, encode, bos);
}

/** Batches of the data: documents wrapped in BOS, or random windows of the stream. */
function loaderFor(data: DataSpec, tokenizer: Tokenizer, bos: number | null, blockSize: number, settings: TrainSettings): SplitLoader {
  const ids = dataIds(data, tokenizer);
  const source = memoryTokenSource(ids, tokenizer.vocabSize);
  const options = { blockSize, batchSize: settings.batchSize, seed: settings.seed, valFraction: settings.valFraction };
  return bos === null ? streamLoader(source, options) : documentLoader(source, { ...options, bos });
}

function infoOf(model: GPT, documents: boolean, source: string): ModelInfo {
  const { vocabSize, nLayer, nHead, nEmbd, blockSize } = model.config;
  return { parameters: countParameters(model.config), vocabSize, nLayer, nHead, nEmbd, blockSize, documents, source };
}

/**
 * A new run: tokenizer, batches, model (on `backend`) and trainer.
 * @throws ModelError for an impossible shape or settings (nEmbd not divisible by nHead, …) or a model or trainer
 * too big for the backend's memory (MemoryLimitError; nothing stays allocated), TokenizerError for a tokenizer
 * that cannot be trained, DataError for data too small for one batch.
 */
export function createRun(spec: RunSpec, backend: Backend): Run {
  const preset = getPreset(spec.preset);
  const settings = trainSettingsFor(spec);
  const tokenizer = trainTokenizer(spec.tokenizer, spec.data);
  const config = resolveConfig({ ...preset.model, ...spec.model, vocabSize: tokenizer.vocabSize });
  const bos = bosOf(tokenizer, spec.data);
  const loader = loaderFor(spec.data, tokenizer, bos, config.blockSize, settings);
  const model = createGPT(config, { seed: settings.seed, dtype: 'float32', backend });
  const val = loader.sizes.val > 0 ? () => loader.evalBatches(settings.evalBatches) : null;
  let trainer: Trainer;
  try {
    trainer = createTrainer({ model, settings, train: loader, val });
  } catch (error) {
    // A trainer too big for memory (or otherwise refused) must not leave the model's weights in the wasm memory.
    disposeGPT(model);
    throw error;
  }
  return { model, tokenizer, bos, trainer, info: infoOf(model, spec.data.documents, spec.data.source), preset: spec.preset };
}

/**
 * The run as a checkpoint folder's files, in the CLI's format: model, config, tokenizer, and with a trainer
 * its optimizer and trainer state (so `microgpt train --resume` can continue it and `microgpt sample` read it). The
 * weights and optimizer buffers are read back from the backend asynchronously.
 */
export async function runFiles(run: Run): Promise<Record<string, Uint8Array>> {
  const { trainer } = run;
  const metadata = { preset: run.preset, data: run.info.source };
  if (trainer === null) return await checkpointFiles({ model: run.model, tokenizer: run.tokenizer, metadata });
  const trainerState = { ...trainer.state(), backend: run.model.backend.name, threads: 1 };
  return await checkpointFiles({ model: run.model, tokenizer: run.tokenizer, optimizer: await trainer.optimizerState(), trainerState, metadata });
}

/**
 * A model read back from checkpoint files (name → bytes), for sampling and inspection: a microgpt checkpoint
 * folder's, or a Hugging Face GPT-2 folder's (config.json with `"model_type": "gpt2"`, read by the model
 * package's import with its checks; float16 and bfloat16 weights widen to float32).
 * @throws CheckpointError naming the file and field of anything missing or damaged (or no tokenizer.json).
 */
export function importRun(files: Readonly<Record<string, Uint8Array>>, backend: Backend): Run {
  const huggingFace = Object.hasOwn(files, 'config.json') && isGpt2ConfigBytes(files['config.json']!);
  const checkpoint = huggingFace ? readHuggingFaceFiles(files, { backend, dtype: 'float32' }) : readCheckpointFiles(files, { backend, dtype: 'float32' });
  if (checkpoint.tokenizer === null) {
    // The weights are already in the wasm memory, which is not collected.
    disposeGPT(checkpoint.model);
    throw new CheckpointError('tokenizer.json: missing: the page needs the tokenizer to turn text into ids', { part: 'arguments' });
  }
  const tokenizer = tokenizerFromJSON(checkpoint.tokenizer);
  const settings = (checkpoint.trainerState as Partial<TrainerState> | undefined)?.settings;
  const bosId = tokenizer.specialTokens[BOS_TEXT] ?? tokenizer.specialTokens['<|endoftext|>'];
  const documents = settings ? settings.data === 'documents' && bosId !== undefined : bosId !== undefined;
  const source = checkpoint.metadata?.data ?? (huggingFace ? 'Hugging Face GPT-2 folder' : 'imported checkpoint');
  return { model: checkpoint.model, tokenizer, bos: documents ? bosId! : null, trainer: null, info: infoOf(checkpoint.model, documents, source), preset: checkpoint.metadata?.preset ?? 'custom' };
}

/** Frees the run's trainer (optimizer state, buffers) and its model's weights; the run is unusable afterwards. */
export function disposeRun(run: Run): void {
  run.trainer?.dispose();
  disposeGPT(run.model);
}
