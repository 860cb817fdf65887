import { CORE_KERNEL_INFO, findBackend, kernel } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { kernelSet } from './kernels';

describe('kernelSet', () => {
  it("holds every core kernel but quantMatmul, each the backend's own for the dtype", () => {
    const backend = findBackend('js');
    const set = kernelSet(backend, 'float32');
    const expected = Object.keys(CORE_KERNEL_INFO).filter((name) => name !== 'quantMatmul');
    expect(Object.keys(set).sort()).toEqual(expected.sort());
    expect(set.rmsnormBackward).toBe(kernel(backend, 'rmsnormBackward', 'float32'));
  });
});
