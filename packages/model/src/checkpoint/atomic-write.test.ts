// Tests of writeFileAtomic: writing, replacing without a partial state, failure clean-up, concurrent writers.
import { mkdir, mkdtemp, readFile, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeFileAtomic } from './atomic-write';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'microgpt-atomic-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('writeFileAtomic', () => {
  it('writes bytes and strings, leaving no temp file', async () => {
    const path = join(dir, 'a.bin');
    await writeFileAtomic(path, new Uint8Array([1, 2, 3]));
    expect(Array.from(await readFile(path))).toEqual([1, 2, 3]);
    await writeFileAtomic(join(dir, 'b.txt'), 'héllo');
    expect(await readFile(join(dir, 'b.txt'), 'utf8')).toBe('héllo');
    expect((await readdir(dir)).sort()).toEqual(['a.bin', 'b.txt']);
  });

  it('writes a subarray view exactly', async () => {
    const path = join(dir, 'view.bin');
    await writeFileAtomic(path, new Uint8Array([9, 8, 7, 6]).subarray(1, 3));
    expect(Array.from(await readFile(path))).toEqual([8, 7]);
  });

  it('replaces an existing file; readers see only the old or the complete new content', async () => {
    const path = join(dir, 'model.safetensors');
    const old = new Uint8Array(1024).fill(1);
    await writeFile(path, old);
    const next = new Uint8Array(16 * 1024 * 1024).fill(2);
    const writing = writeFileAtomic(path, next);
    const seen = new Set<string>();
    const state = { done: false };
    const finish = () => {
      state.done = true;
    };
    void writing.then(finish, finish);
    while (!state.done) {
      const content = await readFile(path);
      if (content.length === old.length && content.every((b) => b === 1)) seen.add('old');
      else if (content.length === next.length && content[0] === 2 && content[content.length - 1] === 2) seen.add('new');
      else throw new Error(`partial content of ${content.length} bytes`);
    }
    await writing;
    expect(seen.has('old') || seen.has('new')).toBe(true);
    expect((await readFile(path)).length).toBe(next.length);
    expect(await readdir(dir)).toEqual(['model.safetensors']);
  });

  it('fails in a missing directory, leaving no temp file and the old target untouched', async () => {
    await expect(writeFileAtomic(join(dir, 'missing', 'x.bin'), 'data')).rejects.toMatchObject({ code: 'ENOENT' });
    expect(await readdir(dir)).toEqual([]);
  });

  it('removes the temp file when the rename fails', async () => {
    const target = join(dir, 'occupied');
    // A non-empty directory at the target makes rename fail after the temp file is written.
    await mkdir(target);
    await writeFile(join(target, 'keep'), 'k');
    await expect(writeFileAtomic(target, 'data')).rejects.toThrow();
    expect((await readdir(dir)).sort()).toEqual(['occupied']);
    expect(await readFile(join(target, 'keep'), 'utf8')).toBe('k');
  });

  it('concurrent writes to one path leave exactly one complete version', async () => {
    const path = join(dir, 'ckpt.bin');
    const versions = Array.from({ length: 12 }, (_, i) => new Uint8Array(256 * 1024 + i).fill(i + 1));
    await Promise.all(versions.map((v) => writeFileAtomic(path, v)));
    const content = await readFile(path);
    const match = versions.find((v) => v.length === content.length);
    expect(match).toBeDefined();
    expect(content.every((b) => b === match![0])).toBe(true);
    expect(await readdir(dir)).toEqual(['ckpt.bin']);
  });
});
