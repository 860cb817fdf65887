// The run folder of `microgpt train`: one trainer at a time (a lock file), never a saved run replaced by accident
// (`--overwrite` says so on purpose), temp files of killed runs cleaned up, and checkpoints saved so that a kill
// or a full disk always leaves the last complete one.
import { rmdirSync } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename, dirname } from 'node:path';
import { CheckpointError, type CheckpointParts } from '@microgpt/model';
import { type RunCheckpoint, clearRunFolder, listCheckpoints, lockRunFolder, removeCheckpointFolder, removeStaleTemps, runFolderContents, saveRunCheckpoint } from '@microgpt/model/node';
import { runtimeError, usageError } from '../errors';
import type { Output } from '../output';

/** Files a run writes beside its checkpoints, removed with it by `--overwrite`. */
export const RUN_FILES: readonly string[] = ['loss.svg', 'metrics.jsonl'];

/** A run folder this process holds. */
export interface ClaimedRunFolder {
  readonly dir: string;
  /** Its checkpoints when it was claimed, oldest first. */
  readonly checkpoints: readonly RunCheckpoint[];
  /** True when it held a run (checkpoints, or checkpoint files saved before run folders). */
  readonly holdsRun: boolean;
  /** Lets go of the lock (also done when the process exits). */
  release(): void;
}

/**
 * The run folder a resumed run continues in: the run folder itself, or the run folder around a `checkpoint-<step>`
 * folder given to `--resume`.
 */
export async function resumeFolder(resume: string): Promise<string> {
  if (!/^checkpoint-\d+$/.test(basename(resume))) return resume;
  const parent = dirname(resume);
  const siblings = await listCheckpoints(parent).catch(() => []);
  return siblings.some((c) => c.name === basename(resume)) ? parent : resume;
}

function rmdirSyncIfEmpty(dir: string): void {
  try {
    rmdirSync(dir);
  } catch {
    // Not empty (the run saved something) or already gone.
  }
}

/** Says, for a refusal, what the folder holds: `checkpoint-300 (and 1 older)`. */
function describeRun(checkpoints: readonly RunCheckpoint[]): string {
  const newest = checkpoints.at(-1);
  if (newest === undefined) return 'a checkpoint';
  return `a run saved at step ${newest.step} (${newest.name}${checkpoints.length > 1 ? ` and ${checkpoints.length - 1} older` : ''})`;
}

/**
 * Takes run folder `dir` for a training run: refuses a path that is a file, takes the lock (a live trainer there
 * is an error; the lock of a dead one is taken over with a note), removes temp files of dead writers, and refuses
 * a folder that holds a run unless this is `resume` or `overwrite` is set.
 * @throws CliError for a file path or an occupied folder (exit 2); RunFolderError when another trainer holds it.
 */
export async function claimRunFolder(dir: string, options: { resume: boolean; overwrite: boolean; suggest: string }, out: Output): Promise<ClaimedRunFolder> {
  const info = await stat(dir).catch(() => null);
  if (info !== null && !info.isDirectory()) throw usageError(`--out ${dir} is a file, not a folder`, 'give --out a folder (it is created when missing)');
  const lock = await lockRunFolder(dir, `microgpt ${process.argv.slice(2).join(' ')}`);
  const release = (): void => {
    process.off('exit', release);
    lock.release();
    // A run that never started leaves no empty folder behind.
    if (info === null) rmdirSyncIfEmpty(dir);
  };
  process.on('exit', release);
  try {
    if (lock.tookOver !== null) out.note(`note: took over ${lock.path} from process ${lock.tookOver.pid}, which is no longer running`);
    const stale = await removeStaleTemps(dir);
    if (stale.length > 0) out.note(`note: removed ${stale.length} unfinished file${stale.length > 1 ? 's' : ''} of an interrupted run from ${dir}`);
    const { checkpoints, plainCheckpoint } = await runFolderContents(dir);
    const holdsRun = checkpoints.length > 0 || plainCheckpoint;
    if (holdsRun && !options.resume && !options.overwrite) {
      throw usageError(`${dir} holds ${describeRun(checkpoints)}; a new run there would replace it`, `continue it with --resume ${dir}, train into another folder with --out ${options.suggest}, or replace it with --overwrite`);
    }
    return { dir, checkpoints, holdsRun, release };
  } catch (error) {
    release();
    throw error;
  }
}

/**
 * Makes the claimed folder ready for the first step of a run that starts (or resumes) at `step`: with
 * `overwrite`, a new run removes the run saved there, and a resumed one removes checkpoints after `step`; without
 * it, checkpoints after a resumed `step` (a later point of the run than the one resumed) are an error. Runs after
 * setup, so a run that fails to start changes nothing.
 * @throws CliError (exit 2) when a resumed run would mix with later checkpoints and `overwrite` is not set.
 */
export async function prepareRunFolder(folder: ClaimedRunFolder, options: { resumedStep: number | null; overwrite: boolean }, out: Output): Promise<void> {
  const { dir, checkpoints } = folder;
  if (options.resumedStep === null) {
    if (!folder.holdsRun) return;
    await clearRunFolder(dir, RUN_FILES);
    out.note(`note: --overwrite: removed the run that was saved in ${dir}`);
    return;
  }
  const resumed = options.resumedStep;
  const later = checkpoints.filter((c) => c.step > resumed);
  if (later.length === 0) return;
  const names = later.map((c) => c.name).join(', ');
  if (!options.overwrite) throw usageError(`${dir} has checkpoints after step ${resumed}, where this run resumes (${names})`, `resume into another folder with --out DIR, or discard them with --overwrite`);
  for (const checkpoint of later) await removeCheckpointFolder(checkpoint.path);
  out.note(`note: --overwrite: removed ${names} from ${dir}`);
}

/**
 * Saves a training checkpoint into the run folder (see saveRunCheckpoint), after `before` (the metrics log's
 * flush).
 * @throws CliError (exit 1) naming the reason and the last complete checkpoint, which is kept, when either fails
 * for a reason outside the program (a full disk, a permission).
 */
export async function saveTrainingCheckpoint(dir: string, before: () => Promise<void>, parts: CheckpointParts, step: number, keep: number, resumeCommand: string): Promise<void> {
  try {
    await before();
    await saveRunCheckpoint(dir, parts, { step, keep });
  } catch (error) {
    const systemError = typeof (error as { code?: unknown } | null)?.code === 'string';
    if (!(error instanceof CheckpointError) && !systemError) throw error;
    const last = (await listCheckpoints(dir).catch(() => [])).at(-1);
    const kept = last === undefined ? 'no earlier checkpoint exists' : `the last complete checkpoint, ${last.path} (step ${last.step}), is kept`;
    const space = (error as Error).message.includes('ENOSPC') ? 'free some disk space (or train into a folder on another disk with --out), then ' : '';
    throw runtimeError(`${(error as Error).message}; ${kept}`, last === undefined ? `${space}start the run again` : `${space}continue with: ${resumeCommand}`);
  }
}
