// Tests of the run-folder lock: one owner at a time, a live owner (or one on another host) refuses a second,
// the lock of a dead process (or of a reused pid) is taken over, and release removes only one's own lock. Racing
// trainers are tested through the CLI (apps/cli/test/run-folder.test.ts).
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RunFolderError } from './errors';
import { processStart } from './process-alive';
import { LOCK_FILE, type LockOwner, lockRunFolder } from './run-lock';

let root = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'microgpt-lock-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

function owner(fields: Partial<LockOwner>): string {
  return JSON.stringify({ pid: process.pid, host: hostname(), started: '2026-01-01T00:00:00.000Z', command: 'microgpt train', processStart: null, nonce: '00', ...fields });
}

describe('lockRunFolder', () => {
  it('creates the folder and a lock naming this process, refuses a second owner, and releases', async () => {
    const dir = join(root, 'run');
    const lock = await lockRunFolder(dir, 'microgpt train --out run');
    expect(lock.tookOver).toBeNull();
    const written = JSON.parse(await readFile(join(dir, LOCK_FILE), 'utf8')) as LockOwner;
    expect(written).toMatchObject({ pid: process.pid, host: hostname(), command: 'microgpt train --out run' });
    const error = await lockRunFolder(dir, 'again').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RunFolderError);
    expect((error as Error).message).toBe(`${dir} is in use: process ${process.pid} on ${hostname()} since ${written.started} (microgpt train --out run) holds ${join(dir, LOCK_FILE)}`);
    lock.release();
    lock.release();
    expect(await readdir(dir)).toEqual([]);
    (await lockRunFolder(dir, 'third')).release();
  });

  it('takes over the lock of a dead process, and of a live pid that belongs to another process now', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await writeFile(join(root, LOCK_FILE), owner({ pid: dead }));
    const lock = await lockRunFolder(root, 'x');
    expect(lock.tookOver?.pid).toBe(dead);
    lock.release();
    if (processStart(process.pid) !== null) {
      // Our own pid with another start time: the process that wrote the lock is gone and the pid was reused.
      await writeFile(join(root, LOCK_FILE), owner({ processStart: 'another-boot:1' }));
      const reused = await lockRunFolder(root, 'x');
      expect(reused.tookOver?.processStart).toBe('another-boot:1');
      reused.release();
    }
  });

  it('refuses a lock held on another host (it cannot be checked) and a file that is not a lock', async () => {
    await writeFile(join(root, LOCK_FILE), owner({ host: 'elsewhere', pid: 1 }));
    await expect(lockRunFolder(root, 'x')).rejects.toThrow('(on another machine, so it cannot be checked from here)');
    await writeFile(join(root, LOCK_FILE), 'garbage');
    await expect(lockRunFolder(root, 'x')).rejects.toThrow(`${join(root, LOCK_FILE)} is not a lock file this version can read; if no training runs in ${root}, delete it`);
  });

  it('does not remove a lock that another owner holds', async () => {
    const lock = await lockRunFolder(root, 'x');
    await writeFile(join(root, LOCK_FILE), owner({ nonce: 'someone-else' }));
    lock.release();
    expect(await readdir(root)).toEqual([LOCK_FILE]);
  });
});
