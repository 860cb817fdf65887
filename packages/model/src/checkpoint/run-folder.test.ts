// Tests of run folders: checkpoints saved as complete `checkpoint-<step>` folders, the newest K kept, loading the
// newest, stale temp files of dead writers removed (live ones kept), and clearing a run for a new one.
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disposeGPT } from '../gpt/model';
import { CheckpointError } from './errors';
import { describeCheckpoint, loadCheckpoint, saveCheckpoint } from './folder';
import { clearRunFolder, listCheckpoints, removeStaleTemps, resolveCheckpoint, runFolderContents, saveRunCheckpoint } from './run-folder';
import { parameterBytes, testModel } from './test-checkpoint';

let root = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'microgpt-run-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

/** The pid of a process that has exited (so it is certainly not alive). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid;
}

describe('saveRunCheckpoint', () => {
  it('saves checkpoint-<step> folders, keeps the newest two, and loading picks the newest', async () => {
    const models = [1, 2, 3, 4].map((seed) => testModel('float32', seed));
    for (const [i, model] of models.entries()) {
      const path = await saveRunCheckpoint(root, { model, tokenizer: null, trainerState: { step: (i + 1) * 10 } }, { step: (i + 1) * 10 });
      expect(path).toBe(join(root, `checkpoint-${(i + 1) * 10}`));
    }
    expect((await readdir(root)).sort()).toEqual(['checkpoint-30', 'checkpoint-40']);
    expect((await listCheckpoints(root)).map((c) => c.step)).toEqual([30, 40]);
    expect(await resolveCheckpoint(root)).toBe(join(root, 'checkpoint-40'));
    const loaded = await loadCheckpoint(root, { backend: 'js' });
    expect(parameterBytes(loaded.model)).toEqual(parameterBytes(models[3]!));
    expect(loaded.trainerState).toEqual({ step: 40 });
    const described = await describeCheckpoint(root);
    expect(described.path).toBe(join(root, 'checkpoint-40'));
    expect(described.checkpoints).toEqual([30, 40]);
    expect(described.trainerState).toEqual({ step: 40 });
    for (const m of [...models, loaded.model]) disposeGPT(m);
  });

  it('orders checkpoints by step, not by name, and keeps all with keep 0', async () => {
    const model = testModel();
    for (const step of [9, 100, 10]) await saveRunCheckpoint(root, { model, tokenizer: null }, { step, keep: 0 });
    expect((await listCheckpoints(root)).map((c) => c.name)).toEqual(['checkpoint-9', 'checkpoint-10', 'checkpoint-100']);
    await saveRunCheckpoint(root, { model, tokenizer: null }, { step: 101, keep: 1 });
    expect(await readdir(root)).toEqual(['checkpoint-101']);
    disposeGPT(model);
  });

  it('replaces a checkpoint of the same step', async () => {
    const first = testModel('float32', 1);
    const second = testModel('float32', 2);
    await saveRunCheckpoint(root, { model: first, tokenizer: null }, { step: 5 });
    await saveRunCheckpoint(root, { model: second, tokenizer: null }, { step: 5 });
    expect(await readdir(root)).toEqual(['checkpoint-5']);
    const loaded = await loadCheckpoint(root, { backend: 'js' });
    expect(parameterBytes(loaded.model)).toEqual(parameterBytes(second));
    for (const m of [first, second, loaded.model]) disposeGPT(m);
  });

  it('checks the parts and the options before writing anything', async () => {
    const model = testModel();
    await expect(saveRunCheckpoint(root, { model, tokenizer: null, trainerState: [] }, { step: 1 })).rejects.toThrow(/^trainer_state\.json: cannot save/);
    await expect(saveRunCheckpoint(root, { model, tokenizer: null }, { step: -1 })).rejects.toThrow('saveRunCheckpoint: step must be an integer ≥ 0, found -1');
    await expect(saveRunCheckpoint(root, { model, tokenizer: null }, { step: 1, keep: 1.5 })).rejects.toThrow('saveRunCheckpoint: keep must be an integer ≥ 0, found 1.5');
    expect(await readdir(root)).toEqual([]);
    disposeGPT(model);
  });

  it('names the folder when the run folder lies under a file', async () => {
    const file = join(root, 'file');
    await writeFile(file, 'x');
    const model = testModel();
    const error = await saveRunCheckpoint(join(file, 'run'), { model, tokenizer: null }, { step: 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CheckpointError);
    expect((error as Error).message).toMatch(new RegExp(`^cannot save checkpoint ${join(file, 'run', 'checkpoint-1').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: ENOTDIR`));
    disposeGPT(model);
  });
});

describe('saveCheckpoint into an existing folder', () => {
  it('refuses a folder that holds anything but a checkpoint, and changes nothing', async () => {
    const model = testModel();
    await saveRunCheckpoint(root, { model, tokenizer: null }, { step: 1 });
    await writeFile(join(root, 'notes.txt'), 'mine');
    const error = await saveCheckpoint(root, { model, tokenizer: null }).catch((e: unknown) => e);
    expect((error as Error).message).toBe(`cannot save a checkpoint into ${root}: it holds other things (checkpoint-1, notes.txt); save into a new or empty folder, or into a run folder with saveRunCheckpoint`);
    expect((await readdir(root)).sort()).toEqual(['checkpoint-1', 'notes.txt']);
    disposeGPT(model);
  });

  it('fills an empty folder', async () => {
    const model = testModel();
    const dir = join(root, 'empty');
    await mkdir(dir);
    await saveCheckpoint(dir, { model, tokenizer: null });
    expect((await readdir(dir)).sort()).toEqual(['config.json', 'model.safetensors']);
    disposeGPT(model);
  });
});

describe('removeStaleTemps', () => {
  it('removes the temp files and folders of dead processes and keeps those of live ones', async () => {
    const dead = deadPid();
    const stale = [`checkpoint-3.tmp-${dead}-0123456789ab`, `loss.svg.tmp-${dead}-abcdefabcdef`];
    const live = [`checkpoint-4.tmp-${process.pid}-0123456789ab`, `model.tmp-${process.ppid}-0123456789ab`];
    await mkdir(join(root, stale[0]!));
    await writeFile(join(root, stale[0]!, 'model.safetensors'), 'partial');
    await writeFile(join(root, stale[1]!), 'partial');
    for (const name of live) await writeFile(join(root, name), 'in flight');
    await writeFile(join(root, 'notes.tmp-1-xyz'), 'not a temp name');
    expect((await removeStaleTemps(root)).sort()).toEqual(stale.sort());
    expect((await readdir(root)).sort()).toEqual([...live, 'notes.tmp-1-xyz'].sort());
    expect(await removeStaleTemps(join(root, 'missing'))).toEqual([]);
  });
});

describe('runFolderContents / clearRunFolder', () => {
  it('sees checkpoint folders and loose checkpoint files, and clears only what a run wrote', async () => {
    expect(await runFolderContents(join(root, 'none'))).toEqual({ checkpoints: [], plainCheckpoint: false });
    const model = testModel();
    await saveRunCheckpoint(root, { model, tokenizer: null }, { step: 7 });
    const plain = join(root, 'plain');
    await saveCheckpoint(plain, { model, tokenizer: null });
    expect((await runFolderContents(root)).checkpoints.map((c) => c.step)).toEqual([7]);
    expect(await runFolderContents(plain)).toEqual({ checkpoints: [], plainCheckpoint: true });
    await writeFile(join(root, 'metrics.jsonl'), '{}\n');
    await writeFile(join(root, 'keep.txt'), 'user file');
    await clearRunFolder(root, ['metrics.jsonl']);
    expect((await readdir(root)).sort()).toEqual(['keep.txt', 'plain']);
    await clearRunFolder(plain);
    expect(await readdir(plain)).toEqual([]);
    disposeGPT(model);
  });

  it('rejects a run folder path that is a file', async () => {
    const file = join(root, 'f');
    await writeFile(file, 'x');
    await expect(listCheckpoints(file)).rejects.toThrow(`checkpoint folder ${file} is not a folder`);
  });
});
