// Sections of a pass replayed as command lists. A section is a run of kernel calls on planned buffers whose numbers
// (sizes, scales, op codes) stay the same from call to call of the same key; on a backend that records kernel calls
// (the optional `Backend.recordCommands`: wasm) it is recorded the first time and then replayed with one call, so a
// small model's hundred kernels a step cost one crossing into the backend instead of a hundred argument objects.
// Anything else runs the same calls one by one: other backends, a profile in progress (so it sees every kernel),
// a section the backend refuses to record (a kernel large enough for threads).
import { type Backend, type CommandList, type FloatDType, type Kernels, profiling } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { type KernelSet, PASS_KERNELS } from './kernels';

/** Runs sections of a pass through command lists where the backend can record them. */
export interface Replay {
  /**
   * Runs `calls` on `kernels`, or replays its recording for `key` (recording it first). `calls` must make only kernel
   * calls on the kernel set it is given, with the same tensors and numbers for the same key; null runs it directly.
   */
  run(key: string | null, kernels: KernelSet, calls: (kernels: KernelSet) => void): void;
  /** Frees the recorded lists. */
  dispose(): void;
}

/** The kernel set of a recording: the backend's recording kernels, every pass kernel required. */
function recordingSet(recorded: Partial<Kernels>): KernelSet {
  const set: Partial<Record<string, unknown>> = {};
  for (const name of PASS_KERNELS) {
    const found = recorded[name];
    if (!found) throw new ModelError(`pass: the backend's recordCommands offered no '${name}' kernel`);
    set[name] = found;
  }
  return set as KernelSet;
}

/** A replay over `backend` for tensors of `dtype`; direct calls when the backend cannot record or lacks a pass kernel for `dtype`. */
export function createReplay(backend: Backend, dtype: FloatDType): Replay {
  const lists = new Map<string, CommandList | null>();
  const canRecord =
    backend.recordCommands !== undefined && PASS_KERNELS.every((name) => backend.kernels[name] !== undefined && (backend.supports?.(name, dtype) ?? true));
  return {
    run(key, kernels, calls) {
      if (key === null || !canRecord || profiling()) {
        calls(kernels);
        return;
      }
      const known = lists.get(key);
      if (known?.run()) return;
      if (known === null) {
        // Refused before (a kernel that splits across threads): stays one by one.
        calls(kernels);
        return;
      }
      // First time, or a list that no longer applies (thread settings changed): record it (again).
      known?.dispose();
      const list = backend.recordCommands!((recorded) => {
        calls(recordingSet(recorded));
      });
      lists.set(key, list);
      if (!list?.run()) calls(kernels);
    },
    dispose() {
      for (const list of lists.values()) list?.dispose();
      lists.clear();
    },
  };
}
