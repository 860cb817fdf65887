import { BackendError, BackendMemoryError, add, copy, createJsBackend, embeddingBackward, fallbacks, fill, kernelNames, matmul, quantMatmul, registerBackend, resetBackends, setBackend, softmax, tensor, zeros } from '@microgpt/tensor';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { WebGPUDeviceLostError, createWebGPUBackend, webgpuAdapterOf } from './index';
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
    expect(Array.from(await matmul(a, a).toArrayAsync())).toEqual([7, 10, 15, 22]);
    // int8 codes 1, -1 (row 0) and 2, 3 (row 1), one group per row, scale 0.5: x · Ŵᵀ.
    const weights = { codes: tensor(Uint8Array.from([1, 255, 2, 3]), { backend }), scales: tensor([[0.5], [0.5]], { backend }), offsets: null, format: 'int8' as const, groupSize: 2 };
    expect(Array.from(await quantMatmul(a, weights).toArrayAsync())).toEqual([-0.5, 4, -0.5, 9]);
    expect(fallbacks().filter((key) => key.startsWith('webgpu-own:'))).toEqual([]);
    backend.dispose?.();
  });

  it('runs every core kernel natively in float32, and fill and copy in int32 too', async () => {
    const backend = await testBackend();
    const native = kernelNames().filter((name) => name in backend.kernels && backend.supports!(name, 'float32'));
    expect(native.sort()).toEqual([...kernelNames()].sort());
    expect(kernelNames().filter((name) => name in backend.kernels && backend.supports!(name, 'int32')).sort()).toEqual(['copy', 'fill']);
  });

  it('sums the gradient rows of repeated ids in row order, as the reference does', async () => {
    const backend = await testBackend();
    const js = createJsBackend();
    const ids = Int32Array.from({ length: 300 }, (_, i) => [2, 0, 2, 1, 2][i % 5]!);
    const dout = Float32Array.from({ length: 300 * 3 }, (_, i) => Math.fround(Math.sin(i) * 0.5));
    const results = await Promise.all([backend, js].map(async (b) => {
      const dweight = tensor(new Float32Array(4 * 3).fill(0.25), { shape: [4, 3], backend: b });
      embeddingBackward(tensor(ids, { backend: b }), tensor(dout, { shape: [300, 3], backend: b }), dweight);
      return Array.from(await dweight.toArrayAsync());
    }));
    results[0]!.forEach((value, i) => {
      expect(value).toBeCloseTo(results[1]![i]!, 4);
    });
    expect(results[0]!.slice(9)).toEqual([0.25, 0.25, 0.25]);
  });

  it('runs more rows than one dimension of a dispatch grid holds (65535)', async () => {
    const backend = await testBackend();
    const rows = 70_000;
    const x = tensor(Float32Array.from({ length: rows * 2 }, (_, i) => (i % 2) * Math.log(3)), { shape: [rows, 2], backend });
    const y = await softmax(x).toArrayAsync();
    expect(y[0]).toBeCloseTo(0.25, 6);
    expect(y[2 * rows - 1]).toBeCloseTo(0.75, 6);
    x.dispose();
    // 70,000 workgroups on SwiftShader took over 60 s on a loaded 2-core machine: the bound only catches a hang.
  }, 300_000);

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
    const limit = webgpuAdapterOf(backend)!.maxBufferSize;
    expect(() => backend.alloc('float32', limit / 4 + 1)).toThrow(BackendMemoryError);
    expect(() => backend.alloc('float32', limit / 4 + 1)).toThrow(/webgpu\.alloc: .* at most \d+ bytes/);
  });

  it('refuses every call after dispose with a WebGPUDeviceLostError instead of hanging', async () => {
    const backend = await createNodeWebGPUBackend({ name: 'webgpu-disposed' });
    const x = tensor([1, 2], { backend });
    backend.dispose!();
    expect(() => backend.alloc('float32', 4)).toThrow(WebGPUDeviceLostError);
    expect(() => fill(x, 3)).toThrow(/webgpu-disposed\.dispatch: the backend was disposed/);
    await expect(x.toArrayAsync()).rejects.toThrow(WebGPUDeviceLostError);
  });

  it('says where WebGPU is missing instead of failing later', async () => {
    await expect(createWebGPUBackend({ gpu: undefined })).rejects.toThrow(/webgpu: no WebGPU here/);
    const noAdapter = { requestAdapter: () => Promise.resolve(null) } as unknown as GPU;
    await expect(createWebGPUBackend({ gpu: noAdapter })).rejects.toThrow(/requestAdapter\(\) found no GPU adapter/);
    expect(await nodeGPU()).toBe(await nodeGPU());
  });
});

if (!available) it.skip('webgpu backend: no WebGPU adapter here', () => {});
