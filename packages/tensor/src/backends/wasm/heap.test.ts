import { describe, expect, it } from 'vitest';
import { BackendMemoryError } from '../../index';
import { createHeap, sizeClass } from './heap';

describe('wasm heap', () => {
  it('rounds to 64 bytes up to 4 KiB, then to quarter steps of a power of two', () => {
    expect([1, 64, 65, 4096].map(sizeClass)).toEqual([64, 64, 128, 4096]);
    expect(sizeClass(4097)).toBe(5120);
    expect(sizeClass(1_000_000)).toBe(1_048_576);
    expect(sizeClass(600_000)).toBe(655_360);
  });

  it('reuses freed blocks of the same class, zero-filled, so a repeated step claims nothing new', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 100 });
    const heap = createHeap(memory, 1024);
    const step = (): number[] => [heap.alloc(100), heap.alloc(5000), heap.alloc(100)];
    const first = step();
    new Uint8Array(memory.buffer, first[0], 100).fill(7);
    first.forEach((a) => {
      heap.free(a);
    });
    const reserved = heap.stats().reservedBytes;
    for (let i = 0; i < 100; i++) {
      const blocks = step();
      expect(new Uint8Array(memory.buffer, blocks[2], 100).every((b) => b === 0)).toBe(true);
      blocks.forEach((a) => {
        heap.free(a);
      });
    }
    expect(heap.stats()).toMatchObject({ reservedBytes: reserved, liveBlocks: 0, totalAllocations: 303 });
  });

  it('grows memory by pages and refuses to pass its limit with a clear error', () => {
    const memory = new WebAssembly.Memory({ initial: 1, maximum: 16 });
    const heap = createHeap(memory, 0, 16 * 65536);
    heap.alloc(300_000);
    expect(memory.buffer.byteLength).toBeGreaterThanOrEqual(300_000);
    expect(() => heap.alloc(900_000)).toThrow(BackendMemoryError);
    expect(() => heap.alloc(900_000)).toThrow(
      new BackendMemoryError('wasm: allocating 917504 bytes would pass the WebAssembly memory limit of 1 MiB (327680 bytes already claimed)'),
    );
    expect(() => {
      heap.free(12345);
    }).toThrow('wasm: free of address 12345, which is not a live block');
  });
});
