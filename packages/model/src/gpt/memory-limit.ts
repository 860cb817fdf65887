// The guard every allocating entry point runs first: the memory estimate against the backend's limit (wasm: its
// 4 GiB address space), a limit the caller gives (the CLI: the machine's free memory) and the longest typed
// array an engine makes, so a size that cannot fit fails at once with the numbers, not after minutes of paging.
import type { Backend } from '@microgpt/tensor';
import { ModelError } from '../errors';
import type { MemoryEstimate } from './memory-estimate';
import { thousands } from '../thousands';

/**
 * The longest typed array the JavaScript engines we run on make (V8, in Node.js 20 and Chrome: 2^32 elements).
 * Host arrays and the js backend's storages are typed arrays.
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 32;

/** What memory may be used. */
export interface MemoryLimits {
  /** The backend the storages go to; its `maxBytes`, when it has one, bounds them. */
  readonly backend?: Backend | undefined;
  /** Bytes the work may use in all, backend storages and host arrays together (e.g. the machine's free memory). */
  readonly memoryLimit?: number | undefined;
  /** How messages name `memoryLimit`, completing "… but": `this machine has 3.2 GiB free` (default: `the memory limit is 3.2 GiB`). */
  readonly memoryLimitSource?: string | undefined;
}

/** Work that does not fit in memory; the message gives the estimate, its largest part and the limit. */
export class MemoryLimitError extends ModelError {
  /** Always `'MemoryLimitError'`, so a caller can tell "too big" from other model errors without `instanceof`. */
  override readonly name = 'MemoryLimitError';
  /** The estimate that did not fit. */
  readonly estimate: MemoryEstimate;
  /** What was compared with the limit (bytes, or elements of one array). */
  readonly needed: number;
  /** The limit it passed. */
  readonly limit: number;

  /** An error for `estimate`, whose `needed` passed `limit`. */
  constructor(message: string, estimate: MemoryEstimate, needed: number, limit: number) {
    super(message);
    this.estimate = estimate;
    this.needed = needed;
    this.limit = limit;
  }
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/** `5.6 GiB`, `512 MiB`, `4 GiB`, `100 bytes`: binary units, two or three significant digits. */
export function formatBytes(bytes: number): string {
  if (!(bytes >= 1024)) return `${bytes} bytes`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < UNITS.length - 1) {
    value /= 1024;
    unit++;
  }
  const digits = value < 10 ? value.toFixed(1).replace(/\.0$/, '') : thousands(Math.round(value));
  return `${digits} ${UNITS[unit]!}`;
}

/**
 * Throws unless `estimate` fits: its backend bytes within the backend's `maxBytes`, its total within
 * `memoryLimit`, and its longest array within {@link MAX_ARRAY_ELEMENTS}. Storages already live on the backend
 * are not counted (the backend still refuses an allocation past its limit).
 * @param what the work, for the message: `training`, `the model`, `an inference session of 4 sequences`.
 * @throws {MemoryLimitError} `memory: training needs about 5.6 GiB (activations 5.1 GiB for batch 12 × context
 * 100,000,000 × 1 layer) but the wasm backend holds at most 4 GiB`.
 */
export function checkMemory(estimate: MemoryEstimate, what: string, limits: MemoryLimits = {}): void {
  const part = estimate.largestPart;
  const largest = `${part} ${formatBytes(estimate.parts[part])} for ${estimate.sizedBy[part]}`;
  const fail = (needed: number, limit: number, because: string): never => {
    throw new MemoryLimitError(`memory: ${what} needs about ${formatBytes(needed)} (${largest}) but ${because}`, estimate, needed, limit);
  };
  const { backend, memoryLimit } = limits;
  const maxBytes = backend?.maxBytes;
  if (backend && maxBytes !== undefined && !(estimate.backendBytes <= maxBytes)) {
    fail(estimate.backendBytes, maxBytes, `the ${backend.name} backend holds at most ${formatBytes(maxBytes)}`);
  }
  if (memoryLimit !== undefined && !(estimate.total <= memoryLimit)) {
    fail(estimate.total, memoryLimit, limits.memoryLimitSource ?? `the memory limit is ${formatBytes(memoryLimit)}`);
  }
  const array = estimate.largestArray;
  if (!(array.elements <= MAX_ARRAY_ELEMENTS)) {
    throw new MemoryLimitError(
      `memory: ${what} needs an array of ${thousands(array.elements)} elements (${array.part}, for ${estimate.sizedBy[array.part]}) but a typed array holds at most ${thousands(MAX_ARRAY_ELEMENTS)}`,
      estimate,
      array.elements,
      MAX_ARRAY_ELEMENTS,
    );
  }
}
