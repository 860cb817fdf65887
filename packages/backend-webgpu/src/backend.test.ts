import { BackendError, BackendMemoryError, add, copy, fallbacks, fill, matmul, registerBackend, resetBackends, setBackend, tensor, zeros } from '@microgpt/tensor';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { createWebGPUBackend, webgpuAdapterOf } from './index';
import { createNodeWebGPUBackend, nodeGPU } from './node';
import { hasAdapter, testBackend } from './test-backend';

const available = await hasAdapter();

describe.runIf(available)('webgpu backend', () => {
  afterEach(() => {
    resetBackends();
  });
  afterAll(async () => (await testBackend()).dispose?.());

  it('is registered explicitly and becomes the backend new tensors go to', async () => {
    // resetBackends disposes what the registry started, so this backend is its own.
    registerBackend('webgpu-registered', () => createNodeWebGPUBackend({ name: 'webgpu-registered' }), 5);
    const backend = await setBackend('webgpu-registered');
    const x = zeros([2, 3]);
    expect(x.backend).toBe(backend);
    fill(x, 1.5);
    expect(await x.toListAsync()).toEqual([[1.5, 1.5, 1.5], [1.5, 1.5, 1.5]]);
  });

  it('names its adapter and the limits it opened the device with', async () => {
    const adapter = webgpuAdapterOf(await testBackend())!;
    expect(adapter.vendor.length + adapter.architecture.length).toBeGreaterThan(0);
    expect(adapter.maxStorageBufferBindingSize).toBeGreaterThanOrEqual(128 * 1024 * 1024);
  });

  it('runs its native kernels itself and the others through the JS fallback', async () => {
    const backend = await createNodeWebGPUBackend({ name: 'webgpu-own' });
    const a = tensor([[1, 2], [3, 4]], { backend });
    const ints = tensor(Int32Array.from([5, -6]), { backend });
    const asFloat = zeros([2], { backend });
    copy(ints, asFloat);
    expect(Array.from(await add(a, tensor([10, 20], { backend })).toArrayAsync())).toEqual([11, 22, 13, 24]);
    expect(Array.from(await asFloat.toArrayAsync())).toEqual([5, -6]);
    const own = fallbacks().filter((key) => key.startsWith('webgpu-own:'));
    expect(own).toEqual([]);
    expect(Array.from(await matmul(a, a).toArrayAsync())).toEqual([7, 10, 15, 22]);
    backend.dispose?.();
  });

  it('writes uint8 ranges that do not start or end on a 4-byte word', async () => {
    const backend = await testBackend();
    const bytes = tensor(new Uint8Array(11), { backend });
    backend.write(bytes.storage, 3, Uint8Array.from([250, 7, 9]));
    backend.write(bytes.storage, 9, Uint8Array.from([1]));
    expect(Array.from(await bytes.toArrayAsync())).toEqual([0, 0, 0, 250, 7, 9, 0, 0, 0, 1, 0]);
    bytes.dispose();
  });

  it('reads only asynchronously and refuses storage it does not own or has freed', async () => {
    const backend = await testBackend();
    expect('readSync' in backend).toBe(false);
    const one = tensor([1], { backend });
    expect(() => one.toArray()).toThrow(BackendError);
    one.dispose();
    const storage = backend.alloc('float32', 4);
    backend.free(storage);
    await expect(backend.readAsync(storage, 0, 4)).rejects.toThrow(/webgpu\.readAsync: storage is freed or not from this backend/);
  });

  it('refuses a buffer larger than the device allows before allocating it', async () => {
    const backend = await testBackend();
    const limit = webgpuAdapterOf(backend)!.maxStorageBufferBindingSize;
    expect(() => backend.alloc('float32', limit / 4 + 1)).toThrow(BackendMemoryError);
    expect(() => backend.alloc('float32', limit / 4 + 1)).toThrow(/webgpu\.alloc: .* at most \d+ bytes/);
  });

  it('says where WebGPU is missing instead of failing later', async () => {
    await expect(createWebGPUBackend({ gpu: undefined })).rejects.toThrow(/webgpu: no WebGPU here/);
    const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
    await expect(createWebGPUBackend({ gpu: noAdapter })).rejects.toThrow(/requestAdapter\(\) found no GPU adapter/);
    expect(await nodeGPU()).toBe(await nodeGPU());
  });
});

if (!available) it.skip('webgpu backend: no WebGPU adapter here', () => {});
