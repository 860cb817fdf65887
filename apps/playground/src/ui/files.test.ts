import { describe, expect, it } from 'vitest';
import { readPicked, zipCheckpoint } from './files';

const FILES = { 'config.json': new TextEncoder().encode('{"a":1}'), 'model.safetensors': Uint8Array.from({ length: 300 }, (_, i) => i & 255) };

describe('checkpoint files', () => {
  it('a zip of the folder reads back to the same files', async () => {
    const zip = new File([zipCheckpoint(FILES) as Uint8Array<ArrayBuffer>], 'run.zip');
    expect(await readPicked([zip])).toEqual(FILES);
  });

  it('picked files are taken by name', async () => {
    const picked = Object.entries(FILES).map(([name, bytes]) => new File([bytes], name));
    expect(await readPicked(picked)).toEqual(FILES);
  });

  it('refuses two files of the same name', async () => {
    const zip = new File([zipCheckpoint(FILES) as Uint8Array<ArrayBuffer>], 'run.zip');
    await expect(readPicked([zip, new File(['{}'], 'config.json')])).rejects.toThrow('the picked files: holds config.json twice; pick the files of one checkpoint');
  });
});
