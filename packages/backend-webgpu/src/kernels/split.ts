// Work split where one dispatch cannot do it: a tensor in a buffer larger than one binding may span
// (maxStorageBufferBindingSize) is bound a window at a time, each part of the work touching only its windows; and
// a dispatch never passes maxComputeWorkgroupsPerDimension along a dimension of its grid.
import { BackendMemoryError, type Tensor } from '@microgpt/tensor';
import { windowClusters } from '../bind-slots';
import type { Binding, GpuRuntime, Window } from '../runtime';
import { WORKGROUP_SIZE } from '../wgsl';

/** Ranges [start, start + count) covering [0, n) in order, each at most `most` long. */
export function parts(n: number, most: number): (readonly [start: number, count: number])[] {
  const out: (readonly [number, number])[] = [];
  for (let start = 0; start < n; start += most) out.push([start, Math.min(most, n - start)]);
  return out;
}

/** Whether any of `tensors` lies in a buffer that every dispatch must bind through a window. */
export function needsWindows(rt: GpuRuntime, tensors: readonly Tensor[]): boolean {
  return tensors.some((t) => rt.needsWindow(t.storage));
}

/** Most threads one dispatch of a one-dimensional shader runs: its two-dimensional grid at the limit. */
export function maxThreads(rt: GpuRuntime): number {
  return rt.limits.maxComputeWorkgroupsPerDimension ** 2 * WORKGROUP_SIZE;
}

/**
 * The storage elements a strided view touches while its elements `start` … `start + count - 1` (row-major) are
 * walked: a window holding all of them (exact for a contiguous view, otherwise an outer bound).
 */
export function touchedWindow(offset: number, shape: readonly number[], strides: readonly number[], start: number, count: number): Window {
  let size = 1;
  const contiguous = shape.every((_, d) => {
    const r = shape.length - 1 - d;
    const ok = shape[r] === 1 || strides[r] === size;
    size *= shape[r]!;
    return ok;
  });
  if (contiguous) return { first: offset + start, count };
  const coordinates = (k: number): number[] => {
    const c: number[] = new Array<number>(shape.length);
    for (let d = shape.length - 1; d >= 0; d--) {
      c[d] = k % shape[d]!;
      k = Math.floor(k / shape[d]!);
    }
    return c;
  };
  const from = coordinates(start);
  const to = coordinates(start + count - 1);
  // Dimensions before the first that differs stay fixed; that one runs between its two ends; the rest may take
  // every value.
  const split = from.findIndex((c, d) => c !== to[d]);
  let low = offset;
  let high = offset;
  shape.forEach((size, d) => {
    const stride = strides[d]!;
    const [a, b] = split < 0 || d < split ? [from[d]!, from[d]!] : d === split ? [from[d]!, to[d]!] : [0, size - 1];
    low += Math.min(a * stride, b * stride);
    high += Math.max(a * stride, b * stride);
  });
  return { first: low, count: high - low + 1 };
}

/**
 * Dispatches a one-dimensional shader that reads and writes its tensors at `offset + i` for i < n: at once where
 * it can, else in parts of consecutive elements, each binding the windows of its tensors that it touches and
 * getting its parameter block from `params(start, count)` (offsets moved on by `start`, count elements).
 */
export function dispatchContiguous(rt: GpuRuntime, code: string, tensors: readonly (readonly [name: string, tensor: Tensor])[], n: number, params: (start: number, count: number) => ArrayBuffer): void {
  const windowed = needsWindows(rt, tensors.map(([, t]) => t));
  const most = Math.min(maxThreads(rt), windowed ? rt.windowElements : Infinity);
  for (const [start, count] of n === 0 ? [[0, 0] as const] : parts(n, most)) {
    const bindings: Binding[] = tensors.map(([name, t]) => [name, t.storage, 'f32', windowed ? { first: t.offset + start, count } : undefined]);
    rt.dispatch(code, params(start, count), bindings, count);
  }
}

/** Most rows one dispatch of a row kernel (one workgroup per row) covers: its two-dimensional grid at the limit. */
export function maxRows(rt: GpuRuntime): number {
  return rt.limits.maxComputeWorkgroupsPerDimension ** 2;
}

/**
 * The bands of consecutive rows a row kernel runs in: every row at once where it can, else as many rows a dispatch
 * as the grid allows and, where a buffer needs windows, as fit one binding at `rowElements` elements a row (the
 * most any tensor of the kernel touches per row).
 * @throws {BackendMemoryError} `<name>.<kernel>: one row … passes maxStorageBufferBindingSize` when a single row
 * does not fit one binding.
 */
export function rowBands(rt: GpuRuntime, kernel: string, rows: number, rowElements: number, windowed: boolean): (readonly [start: number, count: number])[] {
  let most = maxRows(rt);
  if (windowed) {
    most = Math.min(most, Math.floor(rt.windowElements / Math.max(rowElements, 1)));
    if (most === 0) throw tooLarge(rt, kernel, `one row of ${rowElements} elements`, rowElements * 4);
  }
  return rows === 0 ? [] : parts(rows, most);
}

/** The BackendMemoryError for a unit of work (`what`, `bytes` long) that no split brings under one binding. */
export function tooLarge(rt: GpuRuntime, kernel: string, what: string, bytes: number): BackendMemoryError {
  return new BackendMemoryError(
    `${rt.name}.${kernel}: ${what} (${bytes} bytes) passes maxStorageBufferBindingSize (${rt.limits.maxStorageBufferBindingSize} bytes; a window holds ${rt.windowElements * 4}) and cannot be split further`,
  );
}

/** A window of `count` elements of `t` from its element `first` (relative to its offset), or none when unwindowed. */
export function windowOf(windowed: boolean, t: Tensor, first: number, count: number): Window | undefined {
  return windowed ? { first: t.offset + first, count } : undefined;
}

/**
 * Whether every buffer that needs windows is touched by `bindings` within bindings the runtime can make: the
 * windows of one buffer (several tensors of one arena) that overlap are bound together (bind-slots.ts), so each
 * such cluster must fit one binding.
 */
export function windowsFit(rt: GpuRuntime, bindings: readonly Binding[]): boolean {
  const byOwner = new Map<Binding[1], Window[]>();
  for (const [, owner, , window] of bindings) if (window && ownerNeedsWindow(rt, owner)) byOwner.set(owner, [...(byOwner.get(owner) ?? []), window]);
  const align = rt.device.limits.minStorageBufferOffsetAlignment / 4;
  return [...byOwner.values()].every((windows) => windowClusters(windows, align).every(({ first, end }) => (end - first) * 4 <= rt.limits.maxStorageBufferBindingSize));
}

/** Whether a binding's buffer (a storage's, or a runtime buffer) passes one binding, so that it needs windows. */
export function ownerNeedsWindow(rt: GpuRuntime, owner: Binding[1]): boolean {
  return 'dtype' in owner ? rt.needsWindow(owner) : owner.size > rt.limits.maxStorageBufferBindingSize;
}
