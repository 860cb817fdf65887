import { afterEach, describe, expect, it } from 'vitest';
import { tensor, zeros } from './create';
import { fallbacks, kernel, onNote, sameBackend } from './dispatch';
import { BackendError } from './errors';
import { concat, copy, fill } from './ops/layout';
import { findBackend, registerBackend, resetBackends, setBackend } from './registry';
import { createStorageOnlyBackend } from './testing/storage-only-backend';

afterEach(() => {
  resetBackends();
});

describe('kernel dispatch', () => {
  it('runs a missing kernel on the js reference, writes results back, and notes it once', async () => {
    const notes: string[] = [];
    const previous = onNote((m) => notes.push(m));
    registerBackend('bare', () => createStorageOnlyBackend('bare'));
    const bare = await setBackend('bare');
    const a = tensor([[1, 2, 3], [4, 5, 6]]);
    expect(a.backend).toBe(bare);
    const t = a.transpose().contiguous();
    expect(t.toList()).toEqual([[1, 4], [2, 5], [3, 6]]);
    fill(a.slice(1, 1, 2), 9);
    expect(a.toList()).toEqual([[1, 9, 3], [4, 9, 6]]);
    expect(concat([a, a], 0).toList()).toEqual([[1, 9, 3], [4, 9, 6], [1, 9, 3], [4, 9, 6]]);
    expect(notes).toEqual([
      "backend 'bare' has no float32 'copy' kernel; using the js reference (copies each call)",
      "backend 'bare' has no float32 'fill' kernel; using the js reference (copies each call)",
    ]);
    expect(fallbacks()).toContain('bare:copy:float32');
    onNote(previous);
  });

  it('falls back per dtype when a backend declares partial support', () => {
    let ownCalls = 0;
    const js = findBackend('js');
    const partial = createStorageOnlyBackend('partial', {
      fill: (args) => {
        ownCalls++;
        js.kernels.fill!(args);
      },
    });
    const withSupport = { ...partial, supports: (_: string, dtype: string) => dtype === 'float32' };
    expect(kernel(withSupport, 'fill', 'float32')).toBe(partial.kernels.fill);
    expect(kernel(withSupport, 'fill', 'float64')).not.toBe(partial.kernels.fill);
    expect(ownCalls).toBe(0);
  });

  it('hands out a backend\'s own kernel itself, looked up once', () => {
    const js = findBackend('js');
    expect(kernel(js, 'matmul', 'float32')).toBe(js.kernels.matmul);
    expect(kernel(js, 'matmul', 'float64')).toBe(js.kernels.matmul);
    const bare = createStorageOnlyBackend('bare');
    expect(kernel(bare, 'softmax', 'float32')).toBe(kernel(bare, 'softmax', 'float32'));
  });

  it('refuses tensors on different backends and disposed tensors', async () => {
    const a = zeros([2]);
    registerBackend('bare', () => createStorageOnlyBackend('bare'));
    await setBackend('bare');
    const b = zeros([2]);
    expect(() => copy(a, b)).toThrow(new BackendError("copy: tensors are on backends 'js' and 'bare'; move one with .to()"));
    b.dispose();
    expect(() => sameBackend('add', [b])).toThrow(new BackendError('add: a tensor float32 [2] on bare was disposed'));
  });
});
