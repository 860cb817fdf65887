// Saving a checkpoint while the disk fails: every file-system call of a save is made to fail in turn (ENOSPC, as
// a full disk does, then EIO), and each time the previous checkpoint must still load, unchanged, with no temp
// files left; once no call fails, the new checkpoint is what loads.
import type * as FsPromises from 'node:fs/promises';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { GPT } from '../gpt/model';
import { disposeGPT } from '../gpt/model';
import { CheckpointError } from './errors';
import { loadCheckpoint, saveCheckpoint } from './folder';
import { saveRunCheckpoint } from './run-folder';
import { fullParts, parameterBytes, testModel } from './test-checkpoint';

/** The call to fail (0-based, counting every mutating call) and the error code to fail it with. */
const faults = vi.hoisted(() => ({ failAt: -1, calls: 0, code: 'ENOSPC' }));

function injected(what: string): void {
  if (faults.calls++ === faults.failAt) throw Object.assign(new Error(`${faults.code}: injected failure, ${what}`), { code: faults.code });
}

vi.mock('node:fs/promises', async (importOriginal) => {
  const fs = await importOriginal<typeof FsPromises>();
  const open: typeof fs.open = async (path, flags, mode) => {
    const writing = typeof flags === 'string' && /[wa+]/.test(flags);
    if (writing) injected(`open ${String(path)}`);
    const handle = await fs.open(path, flags, mode);
    if (!writing) return handle;
    return Object.assign(Object.create(handle) as typeof handle, {
      writeFile: async (data: Uint8Array | string) => {
        injected('write');
        await handle.writeFile(data);
      },
      sync: async () => {
        injected('fsync');
        await handle.sync();
      },
      close: () => handle.close(),
    });
  };
  return {
    ...fs,
    open,
    mkdir: async (...args: Parameters<typeof fs.mkdir>) => {
      injected('mkdir');
      return fs.mkdir(...args);
    },
    rename: async (...args: Parameters<typeof fs.rename>) => {
      injected('rename');
      return fs.rename(...args);
    },
  };
});

let root = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'microgpt-faults-'));
  faults.failAt = -1;
});
afterEach(async () => {
  faults.failAt = -1;
  await rm(root, { recursive: true, force: true });
});

/**
 * Runs `save` with call k failing, for k = 0, 1, … until a save makes fewer than k + 1 calls (nothing failed);
 * checks the folder after each with whether the save threw and whether the fault was hit at all.
 */
async function failEachCall(save: () => Promise<unknown>, check: (failed: boolean, hit: boolean) => Promise<void>): Promise<number> {
  for (let k = 0; ; k++) {
    faults.failAt = k;
    faults.calls = 0;
    let failed = false;
    try {
      await save();
    } catch (error) {
      failed = true;
      expect(error).toBeInstanceOf(CheckpointError);
      expect((error as Error).message).toContain(`${faults.code}: injected failure`);
    }
    faults.failAt = -1;
    const hit = faults.calls > k;
    await check(failed, hit);
    if (!hit) return k;
  }
}

const hasTemp = (names: string[]): boolean => names.some((name) => name.includes('.tmp-'));

describe.each(['ENOSPC', 'EIO'])('a save that fails with %s at any call', (code) => {
  it('keeps the previous run checkpoint loadable and unchanged', async () => {
    faults.code = code;
    const before = await fullParts();
    const after = testModel('float32', 99);
    await saveRunCheckpoint(root, before, { step: 1 });
    const loaded: GPT[] = [];
    let step = 1;
    let newest = ['checkpoint-1'];
    const calls = await failEachCall(
      () => saveRunCheckpoint(root, { ...before, model: after }, { step: ++step, keep: 1 }),
      async (failed, hit) => {
        const names = (await readdir(root)).sort();
        expect(hasTemp(names)).toBe(false);
        const checkpoint = await loadCheckpoint(root, { backend: 'js', requireTrainingState: true });
        loaded.push(checkpoint.model);
        expect(parameterBytes(checkpoint.model)).toEqual(parameterBytes(failed && newest[0] === 'checkpoint-1' ? before.model : after));
        if (failed) {
          expect(names).toEqual(newest);
          return;
        }
        // Removing the old checkpoint is best effort once the new one is safe: a failure there leaves it for the next save.
        expect(names).toContain(`checkpoint-${step}`);
        if (hit) for (const name of names) expect([...newest, `checkpoint-${step}`]).toContain(name);
        else expect(names).toEqual([`checkpoint-${step}`]);
        newest = names;
      },
    );
    expect(calls).toBeGreaterThan(10); // every file's open, write, fsync, the folder's mkdir, fsync and rename
    for (const m of [before.model, after, ...loaded]) disposeGPT(m);
  });

  it('keeps a plain checkpoint folder whole when replacing it fails', async () => {
    faults.code = code;
    const dir = join(root, 'plain');
    const before = await fullParts();
    const after = testModel('float32', 99);
    await saveCheckpoint(dir, before);
    const loaded: GPT[] = [];
    await failEachCall(
      () => saveCheckpoint(dir, { model: after, tokenizer: null }),
      async (failed) => {
        expect(hasTemp(await readdir(root))).toBe(false);
        expect(await readdir(dir)).not.toHaveLength(0);
        const checkpoint = await loadCheckpoint(dir, { backend: 'js' });
        loaded.push(checkpoint.model);
        expect(parameterBytes(checkpoint.model)).toEqual(parameterBytes(failed ? before.model : after));
        expect(checkpoint.optimizer === undefined).toBe(!failed);
      },
    );
    for (const m of [before.model, after, ...loaded]) disposeGPT(m);
  });
});
