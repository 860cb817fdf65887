// Test helper: runs a describe block once per backend (js, and a one-thread wasm backend started for it), so
// every op's tests and gradient checks cover both. Used only by *.test.ts files.
import { type Backend, type WasmBackend, createWasmBackend, findBackend } from '@microgpt/tensor';
import { afterAll, beforeAll, describe } from 'vitest';

/** `describe(`${name} on js|wasm`, …)` with `backendOf()` giving that backend inside the tests. */
export function describeOnBackends(name: string, body: (backendOf: () => Backend) => void): void {
  let wasm: WasmBackend | undefined;
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => {
    wasm?.dispose();
  });
  describe.each([
    ['js', (): Backend => findBackend('js')],
    ['wasm', (): Backend => wasm!],
  ])(`${name} on %s`, (_, backendOf) => {
    body(backendOf);
  });
}

/** Backend memory counters recorded after each step, to check that repeated steps stop allocating. */
export interface MemoryTrace {
  live: number[];
  allocations: number[];
  /** Records the backend's counters now (call at the end of a step). */
  readonly record: () => void;
}

/** A {@link MemoryTrace} of `backend`. */
export function traceMemory(backend: Backend): MemoryTrace {
  const live: number[] = [];
  const allocations: number[] = [];
  const record = (): void => {
    const memory = backend.memory();
    live.push(memory.liveStorages);
    allocations.push(memory.totalAllocations);
  };
  return { live, allocations, record };
}
