// Opening WebGPU in the worker: on Dawn (SwiftShader here) the page gets the adapter's name and that it is a
// software adapter; without WebGPU, without an adapter, with a device request that fails or an adapter request
// that never answers, it gets the reason instead, in bounded time.
import { nodeGPU } from '@microgpt/backend-webgpu/node';
import { describe, expect, it } from 'vitest';
import { openWebGPU } from './webgpu';

const real = await nodeGPU();
const hasAdapter = (await real.requestAdapter()) !== null;
if (!hasAdapter) console.warn('playground: no WebGPU adapter in Node here (no Vulkan driver, no SwiftShader); skipping the test that opens one');

/** A GPU whose adapter request answers `adapter` (or never, for undefined). */
const fakeGPU = (adapter: () => Promise<unknown>): GPU => ({ requestAdapter: adapter }) as unknown as GPU;

describe('openWebGPU', () => {
  it.skipIf(!hasAdapter)('opens a backend on a real adapter and names it', async () => {
    const { backend, status } = await openWebGPU(real);
    try {
      expect(backend?.name).toBe('webgpu');
      expect(status).toMatchObject({ available: true, software: true });
      expect(status.available && status.adapter).toMatch(/swiftshader/i);
    } finally {
      backend?.dispose?.();
    }
  });

  it('says why when there is no WebGPU, no adapter, no device, or no answer', async () => {
    expect(await openWebGPU(undefined)).toEqual({ backend: null, status: { available: false, reason: 'this browser has no WebGPU (navigator.gpu is missing)' } });
    expect((await openWebGPU(fakeGPU(() => Promise.resolve(null)))).status).toEqual({ available: false, reason: 'the browser found no WebGPU adapter (no supported GPU, or WebGPU is turned off)' });
    const noDevice = { limits: {}, info: {}, requestDevice: () => Promise.reject(new Error('out of devices')) };
    expect((await openWebGPU(fakeGPU(() => Promise.resolve(noDevice)))).status).toEqual({ available: false, reason: 'requestDevice failed: out of devices' });
    const silent = await openWebGPU(fakeGPU(() => new Promise(() => undefined)), 50);
    expect(silent.status).toEqual({ available: false, reason: 'the browser did not answer the adapter request within 0.05 s' });
  });
});
