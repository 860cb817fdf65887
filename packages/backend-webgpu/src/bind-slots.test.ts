import { BackendMemoryError } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { bindSlots, windowClusters } from './bind-slots';

describe('windowClusters', () => {
  it('groups windows whose aligned ranges overlap and keeps the others apart', () => {
    // Alignment of 64 elements: 100 starts its range at 64, inside the first window's [0, 80).
    expect(windowClusters([{ first: 0, count: 80 }, { first: 1000, count: 10 }, { first: 100, count: 5 }], 64)).toEqual([
      { first: 0, end: 105, members: [0, 2] },
      { first: 960, end: 1010, members: [1] },
    ]);
  });
});

describe('bindSlots', () => {
  const big = { size: 1 << 20 };
  const small = { size: 4096 };
  it('binds a buffer whole when one use has no window, and the far ends of a large one apart', () => {
    const { slots, bound } = bindSlots('webgpu', [[big, { first: 0, count: 100 }], [small, undefined], [big, { first: 200_010, count: 100 }], [small, undefined]], 256, 65536);
    expect(slots).toEqual([0, 2, 1, 2]);
    expect(bound).toEqual([
      { buffer: big, range: { offset: 0, size: 400 } },
      { buffer: big, range: { offset: 800_000, size: 440 } },
      { buffer: small, range: null },
    ]);
  });

  it('refuses a buffer bound whole or a cluster past one binding, naming the sizes', () => {
    expect(() => bindSlots('webgpu', [[big, undefined]], 256, 65536)).toThrow(BackendMemoryError);
    expect(() => bindSlots('webgpu', [[big, undefined]], 256, 65536)).toThrow('webgpu.dispatch: a buffer of 1048576 bytes passes maxStorageBufferBindingSize (65536) and this kernel does not split its work');
    expect(() => bindSlots('webgpu', [[big, { first: 0, count: 10_000 }], [big, { first: 9000, count: 10_000 }]], 256, 65536)).toThrow('webgpu.dispatch: a window of 76000 bytes passes maxStorageBufferBindingSize (65536)');
  });
});
