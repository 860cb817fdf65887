// Tests of checkpoint folders on disk: save → load round trip, describe, atomic and ordered writes (no temp
// files, stale files removed), and errors naming the path.
import { mkdir, mkdtemp, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { tokenizerFromJSON } from '@microgpt/tokenizer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { disposeGPT } from '../gpt/model';
import { CheckpointError } from './errors';
import { describeCheckpoint, loadCheckpoint, saveCheckpoint } from './folder';
import { fullParts, parameterBytes, testModel, testTokenizer } from './test-checkpoint';

let root = '';
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'microgpt-checkpoint-'));
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

async function rejection(promise: Promise<unknown>): Promise<CheckpointError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw new Error(`expected a CheckpointError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a CheckpointError, nothing was thrown');
}

const ALL_FILES = ['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json'];

describe('saveCheckpoint / loadCheckpoint', () => {
  it('round trips everything bit for bit into a new nested folder, leaving no temp files', async () => {
    const dir = join(root, 'runs', 'step-2');
    const parts = await fullParts();
    await saveCheckpoint(dir, parts);
    expect((await readdir(dir)).sort()).toEqual(ALL_FILES);
    const loaded = await loadCheckpoint(dir, { backend: 'js', requireTrainingState: true });
    expect(loaded.model.config).toEqual(parts.model.config);
    expect(parameterBytes(loaded.model)).toEqual(parameterBytes(parts.model));
    expect(tokenizerFromJSON(loaded.tokenizer).encode('cafe')).toEqual(testTokenizer().encode('cafe'));
    expect(loaded.optimizer).toEqual(parts.optimizer);
    expect(loaded.trainerState).toEqual(parts.trainerState);
    expect(loaded.metadata).toEqual(parts.metadata);
    const converted = await loadCheckpoint(dir, { backend: 'js', dtype: 'float64' });
    expect(converted.model.dtype).toBe('float64');
    for (const m of [parts.model, loaded.model, converted.model]) disposeGPT(m);
  });

  it('overwrites a checkpoint, removing optional files the new one lacks', async () => {
    const parts = await fullParts();
    await saveCheckpoint(root, parts);
    const model = testModel('float32', 99);
    await saveCheckpoint(root, { model, tokenizer: null });
    expect((await readdir(root)).sort()).toEqual(['config.json', 'model.safetensors']);
    const loaded = await loadCheckpoint(root, { backend: 'js' });
    expect(parameterBytes(loaded.model)).toEqual(parameterBytes(model));
    expect(loaded.tokenizer).toBeNull();
    expect(loaded.optimizer).toBeUndefined();
    for (const m of [parts.model, model, loaded.model]) disposeGPT(m);
  });

  it('writes nothing when the parts cannot be saved', async () => {
    const dir = join(root, 'never');
    const model = testModel();
    const error = await rejection(saveCheckpoint(dir, { model, tokenizer: null, trainerState: [] }));
    expect(error.message).toMatch(/^trainer_state\.json: cannot save: expected a JSON object/);
    await expect(stat(dir)).rejects.toThrow();
    disposeGPT(model);
  });

  it('fails clearly when the folder is a file or lies under a file', async () => {
    const file = join(root, 'taken');
    await writeFile(file, 'not a folder');
    const model = testModel();
    expect((await rejection(saveCheckpoint(file, { model, tokenizer: null }))).message).toBe(`cannot save a checkpoint into ${file}: it is a file, not a folder`);
    const under = join(file, 'sub');
    expect((await rejection(saveCheckpoint(under, { model, tokenizer: null }))).message).toBe(`cannot save a checkpoint into ${under}: a folder on its path is a file, not a folder`);
    expect(await readFile(file, 'utf8')).toBe('not a folder');
    expect(await readdir(root)).toEqual(['taken']);
    disposeGPT(model);
  });

  it('names the path of a missing model.safetensors or config.json', async () => {
    const model = testModel();
    await saveCheckpoint(root, { model, tokenizer: null });
    await rm(join(root, 'model.safetensors'));
    const missingModel = await rejection(loadCheckpoint(root, { backend: 'js' }));
    expect(missingModel.message).toMatch(new RegExp(`^${escape(join(root, 'model.safetensors'))}: missing`));
    expect(missingModel.details.part).toBe('model.safetensors');
    await saveCheckpoint(root, { model, tokenizer: null });
    await rm(join(root, 'config.json'));
    expect((await rejection(loadCheckpoint(root))).message).toMatch(new RegExp(`^${escape(join(root, 'config.json'))}: missing`));
    const required = await rejection(loadCheckpoint(root, { requireTrainingState: true }));
    expect(required.message).toContain('a checkpoint needs model.safetensors, config.json, optimizer.safetensors, trainer_state.json');
    disposeGPT(model);
  });

  it('names the path of a malformed file', async () => {
    const model = testModel();
    await saveCheckpoint(root, { model, tokenizer: null });
    const bytes = await readFile(join(root, 'model.safetensors'));
    await writeFile(join(root, 'model.safetensors'), bytes.subarray(0, bytes.length - 4));
    const truncated = await rejection(loadCheckpoint(root, { backend: 'js' }));
    expect(truncated.message).toMatch(new RegExp(`^${escape(join(root, 'model.safetensors'))}: safetensors: `));
    await writeFile(join(root, 'config.json'), '{"format": "microgpt-model", "version": 1, "model": {}}');
    const config = await rejection(loadCheckpoint(root, { backend: 'js' }));
    expect(config.message).toBe(`${join(root, 'config.json')}: model.vocabSize: missing`);
    disposeGPT(model);
  });

  it('fails clearly for a missing folder or a file given as the folder', async () => {
    expect((await rejection(loadCheckpoint(join(root, 'nope')))).message).toBe(`checkpoint folder ${join(root, 'nope')} does not exist`);
    await writeFile(join(root, 'file'), '');
    expect((await rejection(loadCheckpoint(join(root, 'file')))).message).toBe(`checkpoint folder ${join(root, 'file')} is not a folder`);
    await mkdir(join(root, 'ck', 'model.safetensors'), { recursive: true });
    expect((await rejection(loadCheckpoint(join(root, 'ck')))).message).toMatch(/^cannot read .*model\.safetensors: EISDIR/);
  });
});

describe('describeCheckpoint', () => {
  it('reports the config, parameter count, dtype, file sizes and trainer state fields', async () => {
    const parts = await fullParts('float64');
    await saveCheckpoint(root, parts);
    const info = await describeCheckpoint(root);
    expect(info.config).toEqual(parts.model.config);
    expect(info.dtype).toBe('float64');
    expect(info.parameters).toBe(parts.model.flat.size);
    expect(Object.keys(info.files).sort()).toEqual(ALL_FILES);
    for (const name of ALL_FILES) expect(info.files[name]).toBe((await stat(join(root, name))).size);
    expect(info.files['model.safetensors']).toBeGreaterThan(parts.model.flat.size * 8);
    expect(info.trainerState).toEqual({ step: 2, note: 'test' });
    disposeGPT(parts.model);
  });

  it('reports no trainer state without one, and names missing or malformed files', async () => {
    const model = testModel();
    await saveCheckpoint(root, { model, tokenizer: null });
    expect((await describeCheckpoint(root)).trainerState).toBeNull();
    await writeFile(join(root, 'trainer_state.json'), '"step 3"');
    expect((await rejection(describeCheckpoint(root))).message).toBe(`${join(root, 'trainer_state.json')}: expected a JSON object, found "step 3"`);
    await rm(join(root, 'model.safetensors'));
    expect((await rejection(describeCheckpoint(root))).message).toMatch(new RegExp(`^${escape(join(root, 'model.safetensors'))}: missing`));
    expect((await rejection(describeCheckpoint(join(root, 'nope')))).message).toMatch(/does not exist/);
    disposeGPT(model);
  });
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
