// A checkpoint folder on disk (Node.js only): the files of bundle.ts, written as a whole folder at once; loading
// and describing read them back, from the newest checkpoint when given a run folder (run-folder.ts).
import { readFile, readdir, stat } from 'node:fs/promises';
import { join, sep } from 'node:path';
import type { FloatDType } from '@microgpt/tensor';
import type { GPTConfig } from '../config';
import { tempOwner, writeFolderAtomic } from './atomic-write';
import { CHECKPOINT_FILES, type Checkpoint, type CheckpointParts, type ReadCheckpointOptions, checkpointFiles, readCheckpointFiles, readTrainerState } from './bundle';
import { decodeConfigFile } from './config-file';
import { CheckpointError } from './errors';
import { listCheckpoints, resolveCheckpoint } from './run-folder';

const FILE_NAMES: readonly string[] = Object.values(CHECKPOINT_FILES);

/** The message of a file-system error, with its code. */
function reason(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

function isMissing(error: unknown): boolean {
  return error instanceof Error && (error as NodeJS.ErrnoException).code === 'ENOENT';
}

/** Whether `name` may be replaced when a checkpoint folder is saved again: a checkpoint file or a temp file. */
function isReplaceable(name: string): boolean {
  return FILE_NAMES.includes(name) || tempOwner(name) !== null;
}

/**
 * Writes the checkpoint files `files` (name → bytes) as folder `dir`, all at once: into a temp folder beside it,
 * fsynced, then renamed into place (see `writeFolderAtomic`). An existing `dir` is replaced only when it holds
 * nothing but checkpoint files, so a folder with other things in it (a run folder, a project) is never swapped out.
 * @throws CheckpointError naming `dir`: it is a file, it holds other files, or the system's reason (ENOSPC…);
 * `dir` is then as it was.
 */
export async function writeCheckpointFolder(dir: string, files: Readonly<Record<string, Uint8Array>>): Promise<void> {
  let names: string[] | null = null;
  try {
    names = await readdir(dir);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOTDIR') {
      const isFile = await stat(dir).then((info) => info.isFile(), () => false);
      throw new CheckpointError(`cannot save a checkpoint into ${dir}: ${isFile ? 'it is a file' : 'a folder on its path is a file'}, not a folder`, { part: 'folder' });
    }
    if (code !== 'ENOENT') throw new CheckpointError(`cannot save a checkpoint into ${dir}: ${reason(error)}`, { part: 'folder' });
  }
  const others = (names ?? []).filter((name) => !isReplaceable(name));
  if (others.length > 0) {
    const shown = others.slice(0, 4).join(', ') + (others.length > 4 ? ', …' : '');
    throw new CheckpointError(`cannot save a checkpoint into ${dir}: it holds other things (${shown}); save into a new or empty folder, or into a run folder with saveRunCheckpoint`, { part: 'folder' });
  }
  try {
    await writeFolderAtomic(dir, files, { replace: true });
  } catch (error) {
    throw new CheckpointError(`cannot save a checkpoint into ${dir}: ${reason(error)}`, { part: 'folder' });
  }
}

/**
 * Saves a checkpoint as folder `dir` (created with its parents if needed): model.safetensors, config.json, and
 * tokenizer.json, optimizer.safetensors, trainer_state.json when `parts` has them. The folder is written whole
 * under a temp name and renamed into place, so it holds the old checkpoint or the complete new one, never a mix
 * (see `writeCheckpointFolder`). For checkpoints saved during training use `saveRunCheckpoint`, which keeps the
 * previous checkpoints until the new one is complete.
 * @throws CheckpointError for parts that cannot be saved (see `checkpointFiles`; nothing is written then), or
 * naming the folder when it cannot be written or holds files other than a checkpoint's.
 */
export async function saveCheckpoint(dir: string, parts: CheckpointParts): Promise<void> {
  await writeCheckpointFolder(dir, await checkpointFiles(parts));
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
 * Loads the checkpoint in folder `dir`, or the newest checkpoint of run folder `dir` (see `saveRunCheckpoint`);
 * `readCheckpointFiles` says what is checked and what the options do.
 * tokenizer.json, optimizer.safetensors and trainer_state.json are optional unless `requireTrainingState`.
 * @throws CheckpointError whose message starts with the path of the file at fault (`/run/ckpt/config.json:
 * model.nHead: …`), or says that `dir` is missing or not a folder.
 * @throws BackendError for an unknown backend name or a backend that cannot store the dtype.
 */
export async function loadCheckpoint(dir: string, options: ReadCheckpointOptions = {}): Promise<Checkpoint> {
  const { path, files } = await readCheckpointFolder(dir, FILE_NAMES);
  try {
    return readCheckpointFiles(files, options);
  } catch (error) {
    throw inFolder(path, error);
  }
}

/**
 * The files `names` of the checkpoint that `dir` names (the newest one of a run folder, see `resolveCheckpoint`),
 * with the folder they came from. When a trainer removes that checkpoint while it is read (it keeps only the
 * newest few), the newest one is read again.
 * @throws CheckpointError when the folder is missing or cannot be read.
 */
export async function readCheckpointFolder(
  dir: string,
  names: readonly string[],
): Promise<{
  /** The checkpoint folder the files were read from (`dir`, or its newest `checkpoint-<step>`). */
  path: string;
  /** The bytes of each of `names` present, by name (absent files are left out). */
  files: Record<string, Uint8Array>;
}> {
  for (let attempt = 0; ; attempt++) {
    const path = await resolveCheckpoint(dir);
    const files = await readFolder(path, names);
    const removed = path !== dir && !(await stat(path).then(() => true, () => false));
    if (!removed || attempt === 3) return { path, files };
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
  /** The folder described: `dir` itself, or the newest `checkpoint-<step>` of a run folder. */
  readonly path: string;
  /** The steps of the checkpoints in the run folder, oldest first (empty for a plain checkpoint folder). */
  readonly checkpoints: readonly number[];
  /** Size in bytes of each checkpoint file present, by name. */
  readonly files: Readonly<Record<string, number>>;
  /** The top-level numbers, strings, booleans and nulls of trainer_state.json (e.g. `step`), or null without one. */
  readonly trainerState: Readonly<Record<string, string | number | boolean | null>> | null;
}

/**
 * Describes the checkpoint in folder `dir` (the newest one of a run folder) from config.json, trainer_state.json and the file sizes, without
 * reading any tensor (loadCheckpoint checks those).
 * @throws CheckpointError naming the path when `dir`, config.json or model.safetensors is missing, or
 * config.json or trainer_state.json is malformed.
 */
export async function describeCheckpoint(dir: string): Promise<CheckpointDescription> {
  const { config: configFile, model: modelFile, trainerState: trainerFile } = CHECKPOINT_FILES;
  const checkpoints = (await listCheckpoints(dir)).map((c) => c.step);
  const { path: folder, files } = await readCheckpointFolder(dir, [configFile, trainerFile]);
  const sizes: Record<string, number> = {};
  for (const name of FILE_NAMES) {
    const path = join(folder, name);
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
    return { config, dtype, parameters, quantization, path: folder, checkpoints, files: sizes, trainerState: trainerBytes === undefined ? null : scalarFields(readTrainerState(trainerBytes)) };
  } catch (error) {
    throw inFolder(folder, error);
  }
}

/** The top-level fields of `state` that are JSON scalars. */
function scalarFields(state: object): Record<string, string | number | boolean | null> {
  const isScalar = (value: unknown): value is string | number | boolean | null => value === null || ['string', 'number', 'boolean'].includes(typeof value);
  return Object.fromEntries(Object.entries(state).filter((entry): entry is [string, string | number | boolean | null] => isScalar(entry[1])));
}
