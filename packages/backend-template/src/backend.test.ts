import { BackendError, add, fallbacks, fill, matmul, registerBackend, resetBackends, setBackend, tensor, zeros } from '@microgpt/tensor';
import { afterEach, describe, expect, it } from 'vitest';
import { createTemplateBackend } from './index';

afterEach(() => {
  resetBackends();
});

describe('template backend', () => {
  it('is registered explicitly and becomes the backend new tensors go to', async () => {
    registerBackend('template', createTemplateBackend, 5);
    const backend = await setBackend('template');
    const x = zeros([2, 3]);
    expect(x.backend).toBe(backend);
    fill(x, 1.5);
    expect(await x.toListAsync()).toEqual([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]);
  });

  it('runs fill and binary itself and the other kernels through the JS fallback', async () => {
    const backend = createTemplateBackend({ name: 'template-own' });
    const a = tensor([[1, 2], [3, 4]], { backend });
    const b = tensor([10, 20], { backend });
    expect(Array.from(await add(a, b).toArrayAsync())).toEqual([11, 22, 13, 24]);
    expect(Array.from(await matmul(a, a).toArrayAsync())).toEqual([7, 10, 15, 22]);
    const own = fallbacks().filter((key) => key.startsWith('template-own:'));
    expect(own).toEqual(['template-own:matmul:float32']);
  });

  it('reads only asynchronously', () => {
    const backend = createTemplateBackend();
    expect('readSync' in backend).toBe(false);
    expect(() => tensor([1], { backend }).toArray()).toThrow(BackendError);
  });
});
