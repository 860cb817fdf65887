// Which bindings one dispatch declares. WebGPU refuses two overlapping writable bindings of one buffer, and a
// model's tensors are views of a few arenas: so the tensors of one buffer share a binding where they overlap, and
// get one each where they lie apart (two ends of an arena larger than one binding need not fit one binding together).
import { BackendMemoryError } from '@microgpt/tensor';
import type { Window } from './runtime';

/** A run of overlapping windows of one buffer, in 4-byte elements: from `first` (aligned down) to `end`. */
export interface Cluster {
  readonly first: number;
  readonly end: number;
  /** Indices of the windows in it. */
  readonly members: readonly number[];
}

/** `windows` of one buffer grouped where their bound ranges (each from its start aligned down to `align` elements) overlap. */
export function windowClusters(windows: readonly Window[], align: number): Cluster[] {
  const order = windows.map((_, k) => k).sort((a, b) => windows[a]!.first - windows[b]!.first);
  const out: { first: number; end: number; members: number[] }[] = [];
  for (const k of order) {
    const first = Math.floor(windows[k]!.first / align) * align;
    const end = windows[k]!.first + windows[k]!.count;
    const last = out.at(-1);
    if (last && first < last.end) {
      last.end = Math.max(last.end, end);
      last.members.push(k);
    } else out.push({ first, end, members: [k] });
  }
  return out;
}

/** One binding of a dispatch: a buffer, whole (range null) or the byte range of one cluster of its windows. */
export interface Slot<B> {
  readonly buffer: B;
  readonly range: { readonly offset: number; readonly size: number } | null;
}

/**
 * The slots a dispatch binds for `uses` (each tensor's buffer, of `size` bytes, and its window) and each use's
 * slot: one per buffer that some use binds whole, else one per cluster of its windows, in order of first use.
 * @throws {BackendMemoryError} `<name>.dispatch: …` when a buffer bound whole, or a cluster, passes `maxBinding` bytes.
 */
export function bindSlots<B extends { readonly size: number }>(name: string, uses: readonly (readonly [buffer: B, window: Window | undefined])[], alignment: number, maxBinding: number): { slots: number[]; bound: Slot<B>[] } {
  const slots = uses.map(() => -1);
  const bound: Slot<B>[] = [];
  uses.forEach(([buffer], at) => {
    if (slots[at] !== -1) return;
    const mine = uses.flatMap(([other], k) => (other === buffer ? [k] : []));
    const windows = mine.map((k) => uses[k]![1]);
    if (windows.some((window) => !window)) {
      if (buffer.size > maxBinding) throw new BackendMemoryError(`${name}.dispatch: a buffer of ${buffer.size} bytes passes maxStorageBufferBindingSize (${maxBinding}) and this kernel does not split its work`);
      for (const k of mine) slots[k] = bound.length;
      bound.push({ buffer, range: null });
      return;
    }
    for (const { first, end, members } of windowClusters(windows as Window[], alignment / 4)) {
      const size = Math.max(Math.min(end * 4, buffer.size) - first * 4, 4);
      if (size > maxBinding) throw new BackendMemoryError(`${name}.dispatch: a window of ${size} bytes passes maxStorageBufferBindingSize (${maxBinding})`);
      for (const m of members) slots[mine[m]!] = bound.length;
      bound.push({ buffer, range: { offset: first * 4, size } });
    }
  });
  return { slots, bound };
}
