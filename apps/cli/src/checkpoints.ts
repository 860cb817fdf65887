// Opening a checkpoint folder for `sample` and `eval`: the model on the chosen backend, its tokenizer, and
// whether it was trained on documents (start at BOS, stop at BOS) or on a stream.
import { join } from 'node:path';
import { type Checkpoint, type GPT, type TrainSettings, checkSavedSettings } from '@microgpt/model';
import { isQuantizedCheckpoint, loadQuantizedCheckpoint } from '@microgpt/quant/node';
import { describeCheckpoint, isHuggingFaceFolder, loadCheckpoint, loadHuggingFaceFolder } from '@microgpt/model/node';
import type { Backend } from '@microgpt/tensor';
import { type Tokenizer, tokenizerFromJSON } from '@microgpt/tokenizer';
import { runtimeError, usageError } from './errors';
import { BOS_TEXT } from './tokenizers';

/** A loaded checkpoint, ready to sample or evaluate. */
export interface OpenCheckpoint {
  readonly model: GPT;
  readonly tokenizer: Tokenizer;
  /** BOS id for a documents model, null for a stream model. */
  readonly bos: number | null;
  /** The training settings saved with it (null for a weights-only checkpoint). */
  readonly settings: TrainSettings | null;
  /** What it was trained on (`--data` of the run), when recorded. */
  readonly data: string | undefined;
}

/** A quantized checkpoint in the shape of a float one (its model runs the quantized layers). */
async function loadQuantized(dir: string, backend: Backend): Promise<Checkpoint> {
  const { quantized, ...rest } = await loadQuantizedCheckpoint(dir, { backend });
  return { model: quantized.model, ...rest };
}

/**
 * The training settings in a checkpoint's trainer state, checked (eval splits the data with them), or null
 * when it has none (a checkpoint saved without a trainer, or with a state of its own).
 * @throws CheckpointError naming trainer_state.json and the setting for a wrong or missing one.
 */
function savedSettings(dir: string, state: object | undefined): TrainSettings | null {
  const settings = (state as { settings?: unknown } | undefined)?.settings;
  return settings === undefined ? null : checkSavedSettings(settings, { name: (file) => join(dir, file) });
}

/**
 * Refuses, before loading, a float64 microgpt checkpoint on a backend that cannot store float64 (webgpu).
 * @throws CliError (usage) naming the folder and the backend.
 */
export async function refuseUnstorableDtype(dir: string, backend: Backend): Promise<void> {
  if (backend.name !== 'webgpu' || (await isHuggingFaceFolder(dir))) return;
  const { dtype } = await describeCheckpoint(dir);
  if (dtype === 'float64') throw usageError(`${dir} holds float64 weights, and --backend webgpu computes in float32 only (WGSL has no float64)`, 'use --backend wasm (or js) for this checkpoint');
}

/**
 * The checkpoint in `dir`: a microgpt checkpoint or run folder, a quantized one, or a Hugging Face GPT-2 folder
 * (config.json with `"model_type": "gpt2"`).
 * @throws CheckpointError for a missing or damaged folder; CliError for float64 weights on webgpu.
 */
export async function loadAnyCheckpoint(dir: string, backend: Backend): Promise<Checkpoint> {
  await refuseUnstorableDtype(dir, backend);
  if (await isHuggingFaceFolder(dir)) return loadHuggingFaceFolder(dir, { backend });
  return (await isQuantizedCheckpoint(dir)) ? loadQuantized(dir, backend) : loadCheckpoint(dir, { backend });
}

/**
 * Loads the checkpoint in `dir` (see {@link loadAnyCheckpoint}; validated by the model package) with its tokenizer.
 * @throws CheckpointError for a missing or damaged folder (trainer_state.json's settings included); CliError
 * when it has no tokenizer.json.
 */
export async function openCheckpoint(dir: string, backend: Backend): Promise<OpenCheckpoint> {
  return withTokenizer(dir, await loadAnyCheckpoint(dir, backend));
}

/**
 * A loaded checkpoint of folder `dir` with its tokenizer, its saved settings, and whether it reads documents.
 * @throws CheckpointError for bad saved settings; CliError when it has no tokenizer.json.
 */
export function withTokenizer(dir: string, checkpoint: Checkpoint): OpenCheckpoint {
  if (checkpoint.tokenizer === null) throw runtimeError(`${dir}: no tokenizer.json, so text cannot be turned into ids`, 'save the checkpoint with its tokenizer');
  const tokenizer = tokenizerFromJSON(checkpoint.tokenizer);
  const settings = savedSettings(dir, checkpoint.trainerState);
  const bosId = tokenizer.specialTokens[BOS_TEXT];
  const documents = settings ? settings.data === 'documents' : bosId !== undefined;
  const bos = documents ? (bosId ?? tokenizer.specialTokens['<|endoftext|>'] ?? null) : null;
  return { model: checkpoint.model, tokenizer, bos, settings, data: checkpoint.metadata?.data };
}
