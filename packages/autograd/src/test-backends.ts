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
