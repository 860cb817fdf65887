import { describe, expect, it } from 'vitest';
import { defaultBackend, webgpuNote } from './backend';

describe('the compute choice', () => {
  it('names the adapter, or says why the page trains on WebAssembly', () => {
    expect(webgpuNote(null)).toBe('Looking for a WebGPU adapter…');
    expect(webgpuNote({ available: true, adapter: 'nvidia ampere', software: false })).toBe('WebGPU adapter: nvidia ampere.');
    expect(webgpuNote({ available: true, adapter: 'google swiftshader', software: true })).toBe('WebGPU adapter: google swiftshader. It is a CPU implementation of WebGPU: correct, but slower than WebAssembly here.');
    expect(webgpuNote({ available: false, reason: 'the GPU device was lost' })).toBe('WebGPU is not available here: the GPU device was lost. Training runs on WebAssembly.');
  });

  it('chooses WebGPU by default on a hardware adapter only', () => {
    expect(defaultBackend({ available: true, adapter: 'nvidia ampere', software: false })).toBe('webgpu');
    expect(defaultBackend({ available: true, adapter: 'google swiftshader', software: true })).toBe('wasm');
    expect(defaultBackend({ available: false, reason: 'no adapter' })).toBe('wasm');
  });
});
