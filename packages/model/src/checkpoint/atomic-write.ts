// Node-only atomic writes: a file or a whole folder is written under a temp name beside its target, fsynced, and
// renamed into place, so readers (and a process that starts after a crash) see the old state or the complete new
// one, never a partial one. Browser bundles must not import this file (it is for `@microgpt/model/node`).
import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

/** Temp names end in `.tmp-<pid>-<12 hex digits>`: the pid says whether the writer can still be alive. */
const TEMP_NAME = /\.tmp-(\d+)-[0-9a-f]{12}$/;

/** A fresh temp path beside `path`, owned by this process. */
export function tempPathFor(path: string): string {
  return `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
}

/** The pid of the process that made temp file or folder `name`, or null when `name` is not a temp name. */
export function tempOwner(name: string): number | null {
  const match = TEMP_NAME.exec(name);
  return match ? Number(match[1]) : null;
}

/** Fsyncs a directory so a rename in it survives a crash; platforms that cannot open directories are skipped. */
export async function syncDirectory(directory: string): Promise<void> {
  let handle;
  try {
    handle = await open(directory, 'r');
  } catch {
    return; // Windows cannot open a directory for fsync
  }
  try {
    await handle.sync();
  } catch {
    // Some file systems reject fsync on directories (EINVAL, EISDIR, EPERM); the rename itself is still atomic.
  } finally {
    await handle.close();
  }
}

/**
 * Replaces the file at `path` with `data` atomically: readers see either the old content or all of the new,
 * never a partial file. Writes `${path}.tmp-${pid}-${random}` in the same directory, fsyncs it, renames it over
 * `path`, then fsyncs the directory where supported. On any error the temp file is removed and the error rethrown.
 * Strings are written as UTF-8. Node.js only.
 */
export async function writeFileAtomic(path: string, data: Uint8Array | string): Promise<void> {
  await writeAtomically(path, (handle) => handle.writeFile(data));
}

/** Creates file `path` (which must not exist), writes `data` and fsyncs it. */
async function writeNewFile(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const handle = await open(path, 'wx', 0o644);
  try {
    await write(handle);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * `writeFileAtomic` for content written piece by piece (a corpus larger than memory): `write` gets the temp
 * file's handle and writes everything; the file is then fsynced and renamed over `path`. If `write` throws, the
 * temp file is removed and the error rethrown. Node.js only.
 */
export async function writeAtomically(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const temp = tempPathFor(path);
  try {
    await writeNewFile(temp, write);
    await rename(temp, path);
  } catch (error) {
    await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}

/** Whether a rename onto `dir` failed because `dir` is a folder with files in it. */
function isOccupied(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOTEMPTY' || code === 'EEXIST' || code === 'EPERM';
}

/**
 * Writes folder `dir` with `files` (name → bytes) so that it appears complete or not at all: the files go into a
 * temp sibling folder, each fsynced, the folder is fsynced, and one rename gives it its name (parents are
 * created). When `dir` already holds files, `replace` swaps the folders with two renames (the old one is then
 * removed): a crash between those two renames, microseconds apart, leaves the old folder under a temp name
 * beside `dir`. Without `replace` an existing non-empty `dir` is an error and nothing changes. Node.js only.
 * @throws the file-system error (ENOTEMPTY without `replace`, ENOSPC, EACCES, ENOTDIR…); the temp folder is
 * removed first, so a failed write leaves everything as it was.
 */
export async function writeFolderAtomic(dir: string, files: Readonly<Record<string, Uint8Array>>, options: { replace?: boolean } = {}): Promise<void> {
  const parent = dirname(dir);
  await mkdir(parent, { recursive: true });
  const temp = tempPathFor(dir);
  try {
    await mkdir(temp);
    for (const [name, bytes] of Object.entries(files)) {
      if (basename(name) !== name) throw new Error(`writeFolderAtomic: file name ${JSON.stringify(name)} must not contain a path`);
      await writeNewFile(join(temp, name), (handle) => handle.writeFile(bytes));
    }
    await syncDirectory(temp);
    try {
      await rename(temp, dir);
    } catch (error) {
      if (options.replace !== true || !isOccupied(error)) throw error;
      const old = tempPathFor(dir);
      await rename(dir, old);
      try {
        await rename(temp, dir);
      } catch (swapError) {
        await rename(old, dir);
        throw swapError;
      }
      await rm(old, { recursive: true, force: true });
    }
  } catch (error) {
    await rm(temp, { recursive: true, force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(parent);
}
