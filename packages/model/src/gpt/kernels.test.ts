import { CORE_KERNEL_INFO, findBackend, kernel, startProfile } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { kernelSet, liveKernelSet } from './kernels';

describe('kernelSet', () => {
  it("holds every core kernel but quantMatmul, each the backend's own for the dtype", () => {
    const backend = findBackend('js');
    const set = kernelSet(backend, 'float32');
    const expected = Object.keys(CORE_KERNEL_INFO).filter((name) => name !== 'quantMatmul');
    expect(Object.keys(set).sort()).toEqual(expected.sort());
    expect(set.rmsnormBackward).toBe(kernel(backend, 'rmsnormBackward', 'float32'));
  });
});

describe('liveKernelSet', () => {
  it('hands out recording wrappers while a profile runs and the plain kernels again once it stops', () => {
    const backend = findBackend('js');
    const plain = kernel(backend, 'matmul', 'float32');
    const live = liveKernelSet(backend, 'float32');
    expect(live().matmul).toBe(plain);
    const profiler = startProfile();
    try {
      const live2 = liveKernelSet(backend, 'float32');
      expect(live().matmul).not.toBe(plain);
      expect(live2().matmul).toBe(live().matmul);
      profiler.stop();
      // Made inside the profile, it holds no wrapper after it.
      expect(live2().matmul).toBe(plain);
      expect(live2().layernormBackward).toBe(kernel(backend, 'layernormBackward', 'float32'));
      expect(live().matmul).toBe(plain);
    } finally {
      profiler.stop();
    }
  });
});
