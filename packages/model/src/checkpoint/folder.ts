// A checkpoint folder on disk (Node.js only): the files of bundle.ts, each replaced atomically, config.json last
// so that a folder with a config.json is complete; loading and describing read them back.
import { mkdir, readFile, rm, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { FloatDType } from '@microgpt/tensor';
import type { GPTConfig } from '../config';
import { writeFileAtomic } from './atomic-write';
import { CHECKPOINT_FILES, type Checkpoint, type CheckpointParts, type ReadCheckpointOptions, checkpointFiles, readCheckpointFiles, readTrainerState } from './bundle';
import { decodeConfigFile } from './config-file';
import { CheckpointError } from './errors';

const FILE_NAMES: readonly string[] = Object.values(CHECKPOINT_FILES);

/** The message of a file-system error, with its code. */
function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Runs a file-system step of saving or loading `path`, turning its failure into a CheckpointError.
 * @throws CheckpointError `<what> <path>: <system message>` with `part` the file name.
 */
async function fileStep<T>(what: string, path: string, part: string, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (error) {
    throw new CheckpointError(`${what} ${path}: ${reason(error)}`, { part });
  }
}

/**
 * Saves a checkpoint into folder `dir` (created with its parents if needed): model.safetensors, config.json,
 * and tokenizer.json, optimizer.safetensors, trainer_state.json when `parts` has them. Each file is written
 * atomically (temp file, fsync, rename). An existing config.json is removed first and the new one written
 * last, so a folder with a config.json always holds one complete checkpoint; optional files of an earlier
 * checkpoint that `parts` lacks are removed.
 * @throws CheckpointError for parts that cannot be saved (see `checkpointFiles`; nothing is written then), or
 * naming the path when the folder cannot be created or a file cannot be written.
 */
export async function saveCheckpoint(dir: string, parts: CheckpointParts): Promise<void> {
  const files = checkpointFiles(parts);
  const configFile = CHECKPOINT_FILES.config;
  await fileStep('saveCheckpoint: cannot create the folder', dir, 'arguments', () => mkdir(dir, { recursive: true }));
  await fileStep('saveCheckpoint: cannot remove', join(dir, configFile), configFile, () => rm(join(dir, configFile), { force: true }));
  for (const name of FILE_NAMES) {
    if (name === configFile) continue;
    const path = join(dir, name);
    const bytes = files[name];
    if (bytes === undefined) await fileStep('saveCheckpoint: cannot remove the stale', path, name, () => rm(path, { force: true }));
    else await fileStep('saveCheckpoint: cannot write', path, name, () => writeFileAtomic(path, bytes));
  }
  const configPath = join(dir, configFile);
  await fileStep('saveCheckpoint: cannot write', configPath, configFile, () => writeFileAtomic(configPath, files[configFile]!));
}

/**
 * The files `names` present in folder `dir`, by name.
 * @throws CheckpointError when `dir` is not a folder or a file cannot be read (a missing file is just absent).
 */
async function readFolder(dir: string, names: readonly string[]): Promise<Record<string, Uint8Array>> {
  const info = await stat(dir).catch((error: unknown) => {
    throw new CheckpointError(isMissing(error) ? `checkpoint folder ${dir} does not exist` : `cannot read checkpoint folder ${dir}: ${reason(error)}`, { part: 'folder' });
  });
  if (!info.isDirectory()) throw new CheckpointError(`checkpoint folder ${dir} is not a folder`, { part: 'folder' });
  const files: Record<string, Uint8Array> = {};
  for (const name of names) {
    const path = join(dir, name);
    try {
      files[name] = await readFile(path);
    } catch (error) {
      if (!isMissing(error)) throw new CheckpointError(`cannot read ${path}: ${reason(error)}`, { part: name });
    }
  }
  return files;
}

/** `error` with the folder's path in front of the file name its message starts with. */
function inFolder(dir: string, error: unknown): unknown {
  if (!(error instanceof CheckpointError) || !FILE_NAMES.includes(error.details.part)) return error;
  const prefix = dir.endsWith(sep) ? dir : `${dir}${sep}`;
  return new CheckpointError(`${prefix}${error.message}`, error.details);
}

/**
 * Loads the checkpoint in folder `dir` (see `readCheckpointFiles` for what is checked and the options).
 * tokenizer.json, optimizer.safetensors and trainer_state.json are optional unless `requireTrainingState`.
 * @throws CheckpointError whose message starts with the path of the file at fault (`/run/ckpt/config.json:
 * model.nHead: …`), or says that `dir` is missing or not a folder.
 * @throws BackendError for an unknown backend name or a backend that cannot store the dtype.
 */
export async function loadCheckpoint(dir: string, options: ReadCheckpointOptions = {}): Promise<Checkpoint> {
  const files = await readFolder(dir, FILE_NAMES);
  try {
    return readCheckpointFiles(files, options);
  } catch (error) {
    throw inFolder(dir, error);
  }
}

/** What `microgpt info` shows about a checkpoint folder. */
export interface CheckpointDescription {
  /** The model config from config.json. */
  readonly config: GPTConfig;
  /** The parameters' dtype from config.json. */
  readonly dtype: FloatDType;
  /** Number of parameter values. */
  readonly parameters: number;
  /** The `quantization` section of a quantized checkpoint's config.json (see @microgpt/quant), or null. */
  readonly quantization: unknown;
  /** Size in bytes of each checkpoint file present, by name. */
  readonly files: Readonly<Record<string, number>>;
  /** The top-level numbers, strings, booleans and nulls of trainer_state.json (e.g. `step`), or null without one. */
  readonly trainerState: Readonly<Record<string, string | number | boolean | null>> | null;
}

/**
 * Describes the checkpoint in folder `dir` from config.json, trainer_state.json and the file sizes, without
 * reading any tensor (loadCheckpoint checks those).
 * @throws CheckpointError naming the path when `dir`, config.json or model.safetensors is missing, or
 * config.json or trainer_state.json is malformed.
 */
export async function describeCheckpoint(dir: string): Promise<CheckpointDescription> {
  const { config: configFile, model: modelFile, trainerState: trainerFile } = CHECKPOINT_FILES;
  const files = await readFolder(dir, [configFile, trainerFile]);
  const sizes: Record<string, number> = {};
  for (const name of FILE_NAMES) {
    const path = join(dir, name);
    try {
      sizes[name] = (await stat(path)).size;
    } catch (error) {
      if (!isMissing(error)) throw new CheckpointError(`cannot read ${path}: ${reason(error)}`, { part: name });
    }
  }
  try {
    for (const name of [modelFile, configFile]) {
      if (sizes[name] === undefined) throw new CheckpointError(`${name}: missing; a checkpoint needs ${modelFile} and ${configFile}`, { part: name });
    }
    const { config, dtype, parameters, quantization } = decodeConfigFile(files[configFile]!, { allowQuantized: true });
    const trainerBytes = files[trainerFile];
    return { config, dtype, parameters, quantization, files: sizes, trainerState: trainerBytes === undefined ? null : scalarFields(readTrainerState(trainerBytes)) };
  } catch (error) {
    throw inFolder(dir, error);
  }
}

/** The top-level fields of `state` that are JSON scalars. */
function scalarFields(state: object): Record<string, string | number | boolean | null> {
  const isScalar = (value: unknown): value is string | number | boolean | null => value === null || ['string', 'number', 'boolean'].includes(typeof value);
  return Object.fromEntries(Object.entries(state).filter((entry): entry is [string, string | number | boolean | null] => isScalar(entry[1])));
}
