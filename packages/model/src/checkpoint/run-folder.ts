// A run folder holds a training run: its checkpoints as complete folders `checkpoint-<step>` (each written under a
// temp name and renamed into place, so a kill or a full disk never leaves a partial one), the newest K kept, plus
// whatever the trainer writes beside them (logs, a loss chart, the lock). Loading a run folder loads its newest
// checkpoint. Node.js only.
import { readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { syncDirectory, tempOwner, tempPathFor, writeFolderAtomic } from './atomic-write';
import { CHECKPOINT_FILES, type CheckpointParts, checkpointFiles } from './bundle';
import { CheckpointError } from './errors';
import { isProcessAlive } from './process-alive';

const CHECKPOINT_NAME = /^checkpoint-(\d+)$/;

/** One checkpoint of a run folder. */
export interface RunCheckpoint {
  /** The folder's name, `checkpoint-<step>`. */
  readonly name: string;
  /** The training step it was saved at. */
  readonly step: number;
  /** The folder's full path. */
  readonly path: string;
}

/** Options of {@link saveRunCheckpoint}. */
export interface SaveRunCheckpointOptions {
  /** The training step the checkpoint holds: its folder is `checkpoint-<step>`. */
  readonly step: number;
  /** How many checkpoints to keep, newest first (default 2; 0 keeps all). */
  readonly keep?: number;
}

/** The name of the checkpoint folder of `step`. */
export function checkpointFolderName(step: number): string {
  return `checkpoint-${step}`;
}

function errorCode(error: unknown): unknown {
  return (error as { code?: unknown } | null)?.code;
}

/**
 * The checkpoints of run folder `dir`, oldest first (by step). A missing folder has none.
 * @throws CheckpointError when `dir` cannot be read (not a folder, no permission).
 */
export async function listCheckpoints(dir: string): Promise<RunCheckpoint[]> {
  let entries;
  try {
    entries = await readdir(dir, { withFileTypes: true });
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return [];
    const what = errorCode(error) === 'ENOTDIR' ? 'is not a folder' : `cannot be read: ${(error as Error).message}`;
    throw new CheckpointError(`checkpoint folder ${dir} ${what}`, { part: 'folder' });
  }
  const found: RunCheckpoint[] = [];
  for (const entry of entries) {
    const match = CHECKPOINT_NAME.exec(entry.name);
    if (match && entry.isDirectory()) found.push({ name: entry.name, step: Number(match[1]), path: join(dir, entry.name) });
  }
  return found.sort((a, b) => a.step - b.step);
}

/**
 * The folder whose files are the checkpoint `dir` names: the newest `checkpoint-<step>` inside `dir` when it is
 * a run folder, else `dir` itself (a plain checkpoint folder, or one saved before run folders existed).
 * @throws CheckpointError when `dir` cannot be read.
 */
export async function resolveCheckpoint(dir: string): Promise<string> {
  const checkpoints = await listCheckpoints(dir);
  return checkpoints.at(-1)?.path ?? dir;
}

/**
 * Removes checkpoint folder `path` by renaming it to a temp name first, so a kill during the removal leaves a temp
 * folder (removed later by {@link removeStaleTemps}) rather than a damaged checkpoint under its real name.
 * @throws the file-system error when it cannot be renamed (nothing is removed then).
 */
export async function removeCheckpointFolder(path: string): Promise<void> {
  const doomed = tempPathFor(path);
  await rename(path, doomed);
  await rm(doomed, { recursive: true, force: true });
}

/**
 * Saves a checkpoint into run folder `runDir` as `checkpoint-<step>`: checked like `checkpointFiles` (nothing is
 * written for parts that cannot be saved), written to a temp folder, fsynced and renamed into place; then all but
 * the newest `keep` checkpoints are removed. Until the rename the previous checkpoints are untouched, so a kill,
 * a crash or a full disk at any moment leaves the newest complete checkpoint loadable. A checkpoint of the same
 * step is replaced.
 * @returns the new checkpoint's folder.
 * @throws CheckpointError for parts that cannot be saved, or naming the folder and the system's reason (ENOSPC:
 * no space left) when it cannot be written; the run folder is then as it was.
 */
export async function saveRunCheckpoint(runDir: string, parts: CheckpointParts, options: SaveRunCheckpointOptions): Promise<string> {
  const { step, keep = 2 } = options;
  if (!Number.isSafeInteger(step) || step < 0) throw new CheckpointError(`saveRunCheckpoint: step must be an integer ≥ 0, found ${step}`, { part: 'arguments' });
  if (!Number.isSafeInteger(keep) || keep < 0) throw new CheckpointError(`saveRunCheckpoint: keep must be an integer ≥ 0, found ${keep}`, { part: 'arguments' });
  const files = await checkpointFiles(parts);
  const path = join(runDir, checkpointFolderName(step));
  try {
    await writeFolderAtomic(path, files, { replace: true });
  } catch (error) {
    throw new CheckpointError(`cannot save checkpoint ${path}: ${(error as Error).message}`, { part: 'folder' });
  }
  if (keep > 0) await pruneCheckpoints(runDir, keep);
  return path;
}

/**
 * Removes all but the newest `keep` checkpoints of `runDir`. Best effort: the new checkpoint is already safe, so
 * a folder that cannot be removed now (a reader on Windows, a permission) is left for the next save to remove.
 */
async function pruneCheckpoints(runDir: string, keep: number): Promise<void> {
  const checkpoints = await listCheckpoints(runDir).catch(() => []);
  for (const old of checkpoints.slice(0, Math.max(0, checkpoints.length - keep))) await removeCheckpointFolder(old.path).catch(() => undefined);
  await syncDirectory(runDir);
}

/**
 * Removes the temp files and folders in `dir` whose writer is dead (a process killed while it saved a checkpoint,
 * wrote a file or removed an old checkpoint). Temp names carry the writer's pid; those of live processes stay.
 * @returns the names removed.
 */
export async function removeStaleTemps(dir: string): Promise<string[]> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return [];
  }
  const stale = names.filter((name) => {
    const pid = tempOwner(name);
    return pid !== null && pid !== process.pid && !isProcessAlive(pid);
  });
  for (const name of stale) await rm(join(dir, name), { recursive: true, force: true });
  return stale;
}

/** What a run folder holds, for deciding whether a new run may use it. */
export interface RunFolderContents {
  /** Its checkpoints, oldest first. */
  readonly checkpoints: readonly RunCheckpoint[];
  /** True when checkpoint files lie directly in it (a plain checkpoint folder, or a run saved before run folders). */
  readonly plainCheckpoint: boolean;
}

/**
 * What `dir` holds: checkpoint folders and loose checkpoint files. A missing folder holds nothing.
 * @throws CheckpointError when `dir` exists but is not a folder or cannot be read.
 */
export async function runFolderContents(dir: string): Promise<RunFolderContents> {
  const checkpoints = await listCheckpoints(dir);
  const plain = await stat(join(dir, CHECKPOINT_FILES.config)).then(
    (s) => s.isFile(),
    () => false,
  );
  return { checkpoints, plainCheckpoint: plain };
}

/**
 * Removes the run saved in `dir` before a new one starts there: its checkpoint folders, loose checkpoint files, and
 * the files named in `extra` (logs, charts). Nothing else in the folder is touched.
 */
export async function clearRunFolder(dir: string, extra: readonly string[] = []): Promise<void> {
  for (const checkpoint of await listCheckpoints(dir)) await removeCheckpointFolder(checkpoint.path);
  // config.json first: a folder with a config.json must hold a complete checkpoint.
  const loose = [CHECKPOINT_FILES.config, ...Object.values(CHECKPOINT_FILES).filter((name) => name !== CHECKPOINT_FILES.config)];
  for (const name of [...loose, ...extra]) await rm(join(dir, name), { force: true });
  await syncDirectory(dir);
}
