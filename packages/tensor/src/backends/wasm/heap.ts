// The allocator of the wasm backend: blocks of WebAssembly memory in size classes, reused through free lists,
// so a training step that frees and allocates the same shapes every time stops growing after its first run.
// Blocks are never split or merged; memory grows in whole pages up to the 4 GiB limit of 32-bit wasm.
import { BackendError, BackendMemoryError } from '../../index';

const PAGE_BYTES = 65536;
/** 32-bit WebAssembly addresses end here. */
export const MAX_MEMORY_BYTES = 4 * 1024 * 1024 * 1024;
const ALIGN = 64;

/**
 * The size class a request of `bytes` falls into: multiples of 64 bytes up to 4 KiB, then four classes per
 * doubling (so at most 25% of a large block is slack).
 */
export function sizeClass(bytes: number): number {
  const aligned = Math.max(ALIGN, Math.ceil(bytes / ALIGN) * ALIGN);
  if (aligned <= 4096) return aligned;
  const step = 2 ** (Math.floor(Math.log2(aligned)) - 2);
  return Math.ceil(aligned / step) * step;
}

/** Live counters of a heap. */
export interface HeapStats {
  liveBlocks: number;
  liveBytes: number;
  totalAllocations: number;
  /** Bytes of memory the heap has claimed (live + free blocks). */
  reservedBytes: number;
}

/** A heap over `memory` starting at byte `base`. */
export interface Heap {
  /** Byte address of a new block of at least `bytes` bytes (zero-filled), 64-byte aligned. */
  alloc(bytes: number): number;
  /** Returns the block at `address` to its free list. */
  free(address: number): void;
  /** The size class of the live block at `address`. */
  capacity(address: number): number;
  stats(): HeapStats;
}

/**
 * Creates a heap that claims memory from `base` upwards, growing `memory` as needed.
 * @throws {BackendMemoryError} from alloc when the request would pass the memory's maximum (4 GiB at most), or
 * the memory cannot grow (the machine refuses).
 */
export function createHeap(memory: WebAssembly.Memory, base: number, maxBytes = MAX_MEMORY_BYTES): Heap {
  let top = Math.ceil(base / ALIGN) * ALIGN;
  const freeLists = new Map<number, number[]>();
  const liveSizes = new Map<number, number>();
  const stats: HeapStats = { liveBlocks: 0, liveBytes: 0, totalAllocations: 0, reservedBytes: 0 };

  const claim = (size: number): number => {
    const end = top + size;
    if (end > maxBytes) {
      throw new BackendMemoryError(
        `wasm: allocating ${size} bytes would pass the WebAssembly memory limit of ${maxBytes / 2 ** 20} MiB (${top} bytes already claimed)`,
      );
    }
    const have = memory.buffer.byteLength;
    if (end > have) {
      try {
        memory.grow(Math.ceil((end - have) / PAGE_BYTES));
      } catch (error) {
        throw new BackendMemoryError(`wasm: cannot grow the WebAssembly memory to ${end} bytes for an allocation of ${size} bytes: ${String(error)}`, { cause: error });
      }
    }
    const address = top;
    top = end;
    stats.reservedBytes += size;
    return address;
  };

  return {
    alloc(bytes) {
      const size = sizeClass(bytes);
      const reused = freeLists.get(size)?.pop();
      const address = reused ?? claim(size);
      if (reused !== undefined) new Uint8Array(memory.buffer, address, size).fill(0);
      liveSizes.set(address, size);
      stats.liveBlocks++;
      stats.liveBytes += size;
      stats.totalAllocations++;
      return address;
    },
    free(address) {
      const size = liveSizes.get(address);
      if (size === undefined) throw new BackendError(`wasm: free of address ${address}, which is not a live block`);
      liveSizes.delete(address);
      let list = freeLists.get(size);
      if (!list) freeLists.set(size, (list = []));
      list.push(address);
      stats.liveBlocks--;
      stats.liveBytes -= size;
    },
    capacity(address) {
      const size = liveSizes.get(address);
      if (size === undefined) throw new BackendError(`wasm: address ${address} is not a live block`);
      return size;
    },
    stats: () => ({ ...stats }),
  };
}
