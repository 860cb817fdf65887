// Command lists of the wasm backend (Backend.recordCommands). The kernel table (kernels.ts) runs over a recording
// runtime whose exports append each call to a list instead of running it: its command id (KERNEL_COMMAND_IDS,
// generated with the interpreter from assembly/'s export signatures) and its arguments, one f64 slot each. The list is
// then copied into the module's memory, and `run` replays it with one call of the generated interpreter
// (runCommands, assembly/generated/commands.ts), so a pass of a hundred small kernels crosses into wasm once.
// A recorded call is the call the kernel makes now: the recording refuses a call the pool would split across threads
// (and any kernel that reads memory from JavaScript), and a list stops applying when the thread settings change, so a
// replay runs the same exports with the same arguments in the same order as the kernels one by one: the same bits.
import { BackendError, type CommandList, type Kernels, type Tensor } from '../../index';
import { KERNEL_COMMAND_IDS } from '../../generated/kernel-exports';
import { wasmKernels } from './kernels';
import type { Address, KernelExports, KernelName } from './module';
import type { WasmRuntime, WasmStorage } from './runtime';
import type { Pool } from './threads';

/** Thrown inside a recording by a call that cannot be recorded; recordWasmCommands turns it into null. */
class Unrecordable extends Error {}

const COMMAND_IDS: Readonly<Record<string, number>> = KERNEL_COMMAND_IDS;

/**
 * Records the kernel calls `record` makes into a command list over `rt`'s memory (see Backend.recordCommands).
 * @returns the list, or null (nothing kept) when a call needs the host or would split across threads.
 */
export function recordWasmCommands(rt: WasmRuntime, record: (kernels: Partial<Kernels>) => void): CommandList | null {
  const slots: number[] = [];
  let count = 0;
  const storages = new Set<WasmStorage>();
  // Heap blocks the list owns: its metadata (strides) and scratch, which replays read, and the list itself.
  const owned: Address[] = [];
  const alloc = (bytes: number): Address => {
    const at = rt.heap.alloc(bytes) as Address;
    owned.push(at);
    return at;
  };
  const push = (name: KernelName, args: readonly number[]): void => {
    const id = COMMAND_IDS[name];
    if (id === undefined) throw new BackendError(`wasm.recordCommands: export '${name}' returns a value and cannot be a command`);
    slots.push(id, ...args);
    count++;
  };
  // Commands are kept; the exports that return a value (scratch sizes, the matmul tile) are asked now.
  const exports: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(rt.exports as unknown as Record<string, unknown>)) {
    exports[name] = name in COMMAND_IDS
      ? (...args: number[]): void => {
          push(name as KernelName, args);
        }
      : value;
  }
  const pool: Pool = {
    get threads() {
      return rt.pool.threads;
    },
    get minParallelWork() {
      return rt.pool.minParallelWork;
    },
    set minParallelWork(_work: number) {
      throw new BackendError('wasm.recordCommands: minParallelWork cannot change during a recording');
    },
    resize: () => Promise.reject(new BackendError('wasm.recordCommands: threads cannot change during a recording')),
    parts: (total, grain, work) => rt.pool.parts(total, grain, work),
    run(name, total, grain, work, argsFor) {
      if (rt.pool.parts(total, grain, work) > 1) throw new Unrecordable();
      push(name, argsFor(0, total, 0));
    },
    dispose: () => undefined,
  };
  let scratch = { address: 0 as Address, bytes: 0 };
  const unrecordable = (): never => {
    throw new Unrecordable();
  };
  const address = (t: Tensor): Address => {
    const at = rt.address(t);
    storages.add(t.storage as WasmStorage);
    return at;
  };
  const recording: WasmRuntime = {
    exports: exports as unknown as KernelExports,
    memory: rt.memory,
    heap: rt.heap,
    pool,
    address,
    optionalAddress: (t) => (t ? address(t) : (0 as Address)),
    view: unrecordable,
    viewAt: unrecordable,
    copyBytes: unrecordable,
    // The calls run one after another, so they share one scratch block; a larger request takes a new one (the
    // calls recorded before it keep theirs), doubling so a list holds at most about twice its largest need.
    scratch(_thread, bytes) {
      if (scratch.bytes < bytes) {
        const size = Math.max(bytes, 2 * scratch.bytes, 4096);
        scratch = { address: alloc(size), bytes: size };
      }
      return scratch.address;
    },
    // Each call keeps its own metadata block (the runtime's shared one is overwritten by the next kernel).
    meta(arrays) {
      const values = arrays.flat();
      const at = alloc(4 * Math.max(1, values.length));
      rt.viewAt('int32', at, values.length).set(values);
      return at;
    },
  };
  const free = (): void => {
    for (const at of owned) rt.heap.free(at);
    owned.length = 0;
  };
  try {
    record(wasmKernels(recording));
  } catch (error) {
    free();
    if (error instanceof Unrecordable) return null;
    throw error;
  }
  const list = alloc(8 * Math.max(1, slots.length));
  rt.viewAt('float64', list, slots.length).set(slots);
  const threads = rt.pool.threads;
  const minParallelWork = rt.pool.minParallelWork;
  let disposed = false;
  return {
    length: count,
    run() {
      if (disposed || rt.pool.threads !== threads || rt.pool.minParallelWork !== minParallelWork) return false;
      for (const storage of storages) if (storage.freed) return false;
      rt.exports.runCommands(list, count);
      return true;
    },
    dispose() {
      disposed = true;
      free();
    },
  };
}
