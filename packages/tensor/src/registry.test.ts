import { afterEach, describe, expect, it } from 'vitest';
import { zeros } from './create';
import { BackendError } from './errors';
import { findBackend, getBackend, listBackends, ready, registerBackend, resetBackends, setBackend, startBackend } from './registry';
import { createStorageOnlyBackend } from './testing/storage-only-backend';

afterEach(() => {
  resetBackends();
});

describe('backend registry', () => {
  it('starts with js as the current backend', () => {
    expect(getBackend().name).toBe('js');
    expect(listBackends()).toEqual([
      { name: 'wasm', priority: 10, started: false },
      { name: 'js', priority: 0, started: true },
    ]);
  });

  it('rejects a duplicate name and lists registered names for an unknown one', async () => {
    expect(() => {
      registerBackend('js', () => createStorageOnlyBackend('js'));
    }).toThrow(new BackendError("registerBackend: backend 'js' is already registered"));
    registerBackend('other', () => createStorageOnlyBackend('other'), 3);
    await expect(setBackend('gpu')).rejects.toThrow(new BackendError("backend 'gpu' is not registered; registered: js, wasm, other"));
  });

  it('setBackend starts an async backend once and new tensors go to it', async () => {
    let starts = 0;
    registerBackend('slow', async () => {
      starts++;
      await new Promise((resolve) => setTimeout(resolve, 1));
      return createStorageOnlyBackend('slow');
    });
    expect(() => findBackend('slow')).toThrow(/starts asynchronously: await startBackend\('slow'\)/);
    const [a, b] = await Promise.all([startBackend('slow'), setBackend('slow')]);
    expect(a).toBe(b);
    expect(starts).toBe(1);
    expect(zeros([2]).backend.name).toBe('slow');
    expect(zeros([2], { backend: 'js' }).backend.name).toBe('js');
  });

  it('ready() picks the highest priority backend that starts, skipping one that fails', async () => {
    registerBackend('broken', () => {
      throw new Error('no SIMD here');
    }, 30);
    registerBackend('good', () => createStorageOnlyBackend('good'), 20);
    expect((await ready()).name).toBe('good');
    expect(getBackend().name).toBe('good');
    await expect(setBackend('broken')).rejects.toThrow("backend 'broken' failed to start: Error: no SIMD here");
    expect(listBackends().map((b) => [b.name, b.started])).toEqual([['broken', false], ['good', true], ['wasm', false], ['js', false]]);
  });

  it('resetBackends disposes started backends', async () => {
    let disposed = false;
    registerBackend('temp', () => ({ ...createStorageOnlyBackend('temp'), dispose: () => (disposed = true) }));
    await setBackend('temp');
    resetBackends();
    expect(disposed).toBe(true);
    expect(getBackend().name).toBe('js');
  });
});
