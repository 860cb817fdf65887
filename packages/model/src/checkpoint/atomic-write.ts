// Node-only atomic file replacement: write a temp file beside the target, fsync it, rename it over the target.
// Browser bundles must not import this file; it is meant for a `@microgpt/model/node` entry point.
import { randomBytes } from 'node:crypto';
import { type FileHandle, open, rename, rm } from 'node:fs/promises';
import { dirname } from 'node:path';

/** Fsyncs a directory so a rename in it survives a crash; platforms that cannot open directories are skipped. */
async function syncDirectory(directory: string): Promise<void> {
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

/**
 * `writeFileAtomic` for content written piece by piece (a corpus larger than memory): `write` gets the temp
 * file's handle and writes everything; the file is then fsynced and renamed over `path`. If `write` throws, the
 * temp file is removed and the error rethrown. Node.js only.
 */
export async function writeAtomically(path: string, write: (handle: FileHandle) => Promise<void>): Promise<void> {
  const temp = `${path}.tmp-${process.pid}-${randomBytes(6).toString('hex')}`;
  let created = false;
  try {
    const handle = await open(temp, 'wx', 0o644);
    created = true;
    try {
      await write(handle);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, path);
    created = false;
  } catch (error) {
    if (created) await rm(temp, { force: true }).catch(() => undefined);
    throw error;
  }
  await syncDirectory(dirname(path));
}
