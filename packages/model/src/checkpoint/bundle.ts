// A checkpoint as its folder's files in memory (browser-safe: the playground exports and imports these as
// separate files or a zip; folder.ts writes them to disk). model.safetensors + config.json are the model;
// tokenizer.json is optional; optimizer.safetensors + trainer_state.json are for resuming training.
import type { OptimizerState } from '@microgpt/autograd';
import { type Backend, type FloatDType, isFloatDType } from '@microgpt/tensor';
import { TokenizerError, tokenizerFromJSON } from '@microgpt/tokenizer';
import type { GPT } from '../gpt/model';
import { CONFIG_FILE, decodeConfigFile, encodeConfigFile } from './config-file';
import { CheckpointError } from './errors';
import { fileError, isPlainObject, jsonFileBytes, parseJsonFile, showValue } from './file-check';
import { MODEL_FILE, buildModel, decodeModelFile, encodeModelFile } from './model-file';
import { OPTIMIZER_FILE, decodeOptimizerFile, encodeOptimizerFile } from './optimizer-file';

/** The file names of a checkpoint folder. */
export const CHECKPOINT_FILES = Object.freeze({
  /** `model.safetensors`: the parameters. */
  model: MODEL_FILE,
  /** `config.json`: the model config and dtype. */
  config: CONFIG_FILE,
  /** `tokenizer.json`: the tokenizer's JSON (optional). */
  tokenizer: 'tokenizer.json',
  /** `optimizer.safetensors`: the optimizer's moments and step, to resume training (optional). */
  optimizer: OPTIMIZER_FILE,
  /** `trainer_state.json`: step, settings, loader position and loss history, to resume training (optional). */
  trainerState: 'trainer_state.json',
});

/** What a checkpoint holds (what is saved, and what loading returns). */
export interface Checkpoint {
  /** The model: its config, dtype and parameters. */
  readonly model: GPT;
  /** The tokenizer's JSON (`tokenizer.toJSON()`; a Tokenizer itself may be given to save), or null for none. */
  readonly tokenizer: object | null;
  /** The optimizer's state (`await trainer.optimizerState()`), for resuming. */
  readonly optimizer?: OptimizerState;
  /** The trainer's state, plain JSON (a JSON object), for resuming. */
  readonly trainerState?: object;
  /** Extra string fields for model.safetensors' `__metadata__` (not `format` or `microgpt`, which are ours). */
  readonly metadata?: Readonly<Record<string, string>>;
}

/** What {@link checkpointFiles} takes: a {@link Checkpoint}. */
export type CheckpointParts = Checkpoint;

/** Options of {@link readCheckpointFiles}. */
export interface ReadCheckpointOptions {
  /** Backend of the model's parameters (a backend or its name; default: the current backend). */
  readonly backend?: Backend | string;
  /** Convert the parameters and optimizer buffers to this dtype (default: the dtype they were saved in). */
  readonly dtype?: FloatDType;
  /** Fail unless optimizer.safetensors and trainer_state.json are present (for resuming training). */
  readonly requireTrainingState?: boolean;
}

/**
 * The files of a checkpoint folder for `parts`: model.safetensors and config.json always, tokenizer.json when
 * there is a tokenizer, optimizer.safetensors and trainer_state.json when given. Everything is checked the way
 * loading checks it, so what is saved can be loaded. The parameters are read back from the model's backend
 * (asynchronously, once) as they are at the call.
 * @returns file name → bytes.
 * @throws CheckpointError (as a rejection) naming the file: a tokenizer whose vocabSize differs from the model's, an optimizer
 * state that does not fit the model, a trainer state that is not a JSON object, reserved metadata keys.
 */
export async function checkpointFiles(parts: CheckpointParts): Promise<Record<string, Uint8Array>> {
  const { model } = parts;
  const files: Record<string, Uint8Array> = { [MODEL_FILE]: await encodeModelFile(model, parts.metadata) };
  if (parts.tokenizer !== null) {
    const bytes = jsonFileBytes(CHECKPOINT_FILES.tokenizer, parts.tokenizer);
    readTokenizer(bytes, model.config.vocabSize);
    files[CHECKPOINT_FILES.tokenizer] = bytes;
  }
  if (parts.optimizer !== undefined) files[OPTIMIZER_FILE] = encodeOptimizerFile(parts.optimizer, model.config, model.dtype);
  if (parts.trainerState !== undefined) {
    if (!isPlainObject(parts.trainerState)) fileError(CHECKPOINT_FILES.trainerState, `cannot save: expected a JSON object, found ${showValue(parts.trainerState)}`);
    files[CHECKPOINT_FILES.trainerState] = jsonFileBytes(CHECKPOINT_FILES.trainerState, parts.trainerState);
  }
  files[CONFIG_FILE] = encodeConfigFile(model.config, model.dtype);
  return files;
}

/**
 * A checkpoint from its folder's files (name → bytes; other names are ignored). Everything is checked before
 * the model is created: config.json (format, version, every config field, dtype, parameter count),
 * model.safetensors (header, offsets, exactly the config's parameters with their shapes, the config's dtype),
 * tokenizer.json (a valid tokenizer with the config's vocabSize), optimizer.safetensors (buffers of model
 * parameters with their shapes and dtype) and trainer_state.json (a JSON object).
 * @throws CheckpointError whose message starts with the file's name (details.part), then the tensor or field,
 * expected and found; never another error for bad file contents.
 * @throws BackendError for an unknown backend name or a backend that cannot store the dtype.
 */
export function readCheckpointFiles(files: Readonly<Record<string, Uint8Array>>, options: ReadCheckpointOptions = {}): Checkpoint {
  if (options.dtype !== undefined && !isFloatDType(options.dtype)) {
    throw new CheckpointError(`readCheckpointFiles: dtype must be "float32" or "float64", found ${showValue(options.dtype)}`, { part: 'arguments', field: 'dtype' });
  }
  const need = [MODEL_FILE, CONFIG_FILE, ...(options.requireTrainingState === true ? [OPTIMIZER_FILE, CHECKPOINT_FILES.trainerState] : [])];
  const missing = (name: string): boolean => fileBytes(files, name) === undefined;
  if (missing(CONFIG_FILE)) fileError(CONFIG_FILE, `missing; a checkpoint needs ${need.join(', ')}`);
  // config.json first: it says what kind of checkpoint this is (a quantized one needs another loader).
  const { config, dtype } = decodeConfigFile(fileBytes(files, CONFIG_FILE)!);
  for (const name of need) if (missing(name)) fileError(name, `missing; a checkpoint needs ${need.join(', ')}`);
  const { values, metadata } = decodeModelFile(fileBytes(files, MODEL_FILE)!, config, dtype);
  const tokenizerBytes = fileBytes(files, CHECKPOINT_FILES.tokenizer);
  const tokenizer = tokenizerBytes === undefined ? null : readTokenizer(tokenizerBytes, config.vocabSize);
  const target = options.dtype ?? dtype;
  const optimizerBytes = fileBytes(files, OPTIMIZER_FILE);
  const optimizer = optimizerBytes === undefined ? undefined : decodeOptimizerFile(optimizerBytes, config, dtype, target);
  const trainerBytes = fileBytes(files, CHECKPOINT_FILES.trainerState);
  const trainerState = trainerBytes === undefined ? undefined : readTrainerState(trainerBytes);
  const model = buildModel(config, values, target, options.backend);
  return {
    model,
    tokenizer,
    ...(optimizer === undefined ? {} : { optimizer }),
    ...(trainerState === undefined ? {} : { trainerState }),
    ...(Object.keys(metadata).length === 0 ? {} : { metadata }),
  };
}

/**
 * The bytes of file `name`, or undefined when absent.
 * @throws CheckpointError when the entry is not a Uint8Array.
 */
function fileBytes(files: Readonly<Record<string, Uint8Array>>, name: string): Uint8Array | undefined {
  if (!Object.hasOwn(files, name)) return undefined;
  const bytes: unknown = files[name];
  if (!(bytes instanceof Uint8Array)) fileError(name, `expected the file's bytes as a Uint8Array, found ${showValue(bytes)}`);
  return bytes;
}

/**
 * The tokenizer JSON in `bytes`, checked by building the tokenizer and comparing its vocabSize.
 * @throws CheckpointError naming tokenizer.json.
 */
function readTokenizer(bytes: Uint8Array, vocabSize: number): object {
  const file = CHECKPOINT_FILES.tokenizer;
  const json = parseJsonFile(file, bytes);
  let found: number;
  try {
    found = tokenizerFromJSON(json).vocabSize;
  } catch (error) {
    if (!(error instanceof TokenizerError)) throw error;
    fileError(file, error.message);
  }
  if (found !== vocabSize) fileError(file, `the tokenizer has ${found} ids, the model's vocabSize in config.json is ${vocabSize}`, { field: 'vocabSize' });
  return json as object;
}

/**
 * The JSON object in trainer_state.json.
 * @throws CheckpointError naming trainer_state.json for invalid JSON or JSON that is not an object.
 */
export function readTrainerState(bytes: Uint8Array): object {
  const json = parseJsonFile(CHECKPOINT_FILES.trainerState, bytes);
  if (!isPlainObject(json)) fileError(CHECKPOINT_FILES.trainerState, `expected a JSON object, found ${showValue(json)}`);
  return json;
}
