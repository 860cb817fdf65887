// One trainer per run folder: `train.lock` holds the owner's pid, host, process start and command. A second
// trainer is refused while the owner lives; the lock of a process that died (SIGKILL, a crash, a reboot) is taken
// over with a note. Node.js only.
import { randomBytes } from 'node:crypto';
import { readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { RunFolderError } from './errors';
import { isProcessAlive, processStart } from './process-alive';

/** The lock file's name in a run folder. */
export const LOCK_FILE = 'train.lock';

/** Who holds a run folder's lock. */
export interface LockOwner {
  /** Process id of the owner. */
  readonly pid: number;
  /** Host name of the owner's machine (a lock from another host is never judged stale). */
  readonly host: string;
  /** When the lock was taken (ISO 8601). */
  readonly started: string;
  /** What the owner runs, for people reading the error. */
  readonly command: string;
  /** The owner's process start (boot id and start ticks) where the system tells it, to spot a reused pid. */
  readonly processStart: string | null;
  /** Random, so a lock can tell itself from another one of the same pid. */
  readonly nonce: string;
}

/** A held lock. */
export interface RunLock {
  /** The lock file. */
  readonly path: string;
  /** The dead owner whose lock this one replaced, or null. */
  readonly tookOver: LockOwner | null;
  /** Removes the lock file if it is still this one's (safe to call twice, and from an exit handler). */
  release(): void;
}

function parseOwner(text: string): LockOwner | null {
  try {
    const owner = JSON.parse(text) as Partial<LockOwner>;
    const ok = Number.isSafeInteger(owner.pid) && typeof owner.host === 'string' && typeof owner.started === 'string' && typeof owner.nonce === 'string';
    return ok ? ({ command: '', processStart: null, ...owner } as LockOwner) : null;
  } catch {
    return null;
  }
}

/** Whether `owner` is certainly gone: a process of this host that is no longer running. */
function isStale(owner: LockOwner): boolean {
  return owner.host === hostname() && !isProcessAlive(owner.pid, owner.processStart);
}

function describeOwner(owner: LockOwner): string {
  return `process ${owner.pid} on ${owner.host} since ${owner.started}${owner.command ? ` (${owner.command})` : ''}`;
}

/** Creates the lock file for `owner`; false when one exists. */
async function create(path: string, owner: LockOwner): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'wx', 0o644);
  } catch (error) {
    if ((error as { code?: unknown }).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(`${JSON.stringify(owner, null, 2)}\n`);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function readOwner(path: string): Promise<{ text: string; owner: LockOwner | null } | null> {
  try {
    const text = await readFile(path, 'utf8');
    return { text, owner: parseOwner(text) };
  } catch (error) {
    if ((error as { code?: unknown }).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * Takes the lock of run folder `dir` (created if needed) for this process.
 * @param command what this process runs, shown to a second trainer that is refused.
 * @throws RunFolderError naming the owner (pid, host, start time, command) when a live process, or a process of
 * another host, holds the lock, or when the lock file cannot be read as a lock.
 */
export async function lockRunFolder(dir: string, command: string): Promise<RunLock> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, host: hostname(), started: new Date().toISOString(), command, processStart: processStart(process.pid), nonce: randomBytes(8).toString('hex') };
  let tookOver: LockOwner | null = null;
  for (let attempt = 0; attempt < 5; attempt++) {
    if (await create(path, owner)) {
      const held = parseOwner(readFileSync(path, 'utf8'));
      if (held?.nonce !== owner.nonce) continue; // another process took the stale lock at the same moment
      return { path, tookOver, release: () => { releaseLock(path, owner.nonce); } };
    }
    const found = await readOwner(path);
    if (found === null) continue; // released meanwhile
    if (found.owner === null) throw new RunFolderError(`${path} is not a lock file this version can read; if no training runs in ${dir}, delete it`, dir);
    if (!isStale(found.owner)) {
      const where = found.owner.host === hostname() ? '' : ' (on another machine, so it cannot be checked from here)';
      throw new RunFolderError(`${dir} is in use: ${describeOwner(found.owner)} holds ${path}${where}`, dir);
    }
    // Remove the stale lock only if it is still the one read, so a lock another process just took is kept.
    const again = await readOwner(path);
    if (again?.text === found.text) await unlink(path).catch(() => undefined);
    tookOver = found.owner;
  }
  throw new RunFolderError(`${dir}: could not take ${path}; other processes keep taking it`, dir);
}

/** Removes the lock at `path` if its nonce is `nonce`. Synchronous, so exit handlers can call it. */
function releaseLock(path: string, nonce: string): void {
  try {
    if (parseOwner(readFileSync(path, 'utf8'))?.nonce === nonce) unlinkSync(path);
  } catch {
    // Already gone, or the folder was removed: nothing to release.
  }
}
