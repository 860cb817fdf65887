// A composed backend as a BLAS backend would be: the wasm backend's storage and kernels, plus one kernel of its own
// (an elementwise `binary` written in JS over the wasm memory), run through the whole conformance suite.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Backend, BinaryArgs } from './backend';
import { BINARY_OP_DEFINITIONS } from './backends/js/elementwise';
import { type WasmBackend, createWasmBackend } from './backends/wasm/index';
import { composeBackend } from './compose';
import { randn, tensor } from './create';
import { fallbacks, sameBackend } from './dispatch';
import { BackendError } from './errors';
import { add, binary } from './ops/elementwise';
import { matmul } from './ops/matmul';
import type { Tensor } from './tensor';
import { runConformance } from './testing/conformance';

/** `binary` over tensors in `wasm`'s memory, any strides (broadcast included), computed in float64 and rounded. */
function binaryInWasmMemory(wasm: WasmBackend, counter: { calls: number }): (args: BinaryArgs) => void {
  const elements = (t: Tensor): Float32Array | Float64Array => {
    const span = t.size === 0 ? 0 : 1 + t.shape.reduce((sum, d, i) => sum + (d - 1) * t.strides[i]!, 0);
    const View = t.dtype === 'float32' ? Float32Array : Float64Array;
    return new View(wasm.wasmMemory.buffer, wasm.byteAddress(t), span);
  };
  return ({ op, a, b, out }) => {
    counter.calls++;
    const [as, bs, os] = [elements(a), elements(b), elements(out)];
    const { apply } = BINARY_OP_DEFINITIONS[op];
    for (let i = 0; i < out.size; i++) {
      let ia = 0;
      let ib = 0;
      for (let d = out.rank - 1, rest = i; d >= 0; d--) {
        const coordinate = rest % out.shape[d]!;
        rest = Math.floor(rest / out.shape[d]!);
        ia += coordinate * a.strides[d]!;
        ib += coordinate * b.strides[d]!;
      }
      os[i] = apply(as[ia]!, bs[ib]!);
    }
  };
}

let wasm: WasmBackend;
let composed: Backend;
const counter = { calls: 0 };
beforeAll(async () => {
  wasm = await createWasmBackend({ threads: 1 });
  composed = composeBackend({ name: 'wasm+binary', base: wasm, kernels: { binary: binaryInWasmMemory(wasm, counter) } });
});
afterAll(() => {
  wasm.dispose();
});

describe('conformance: wasm composed with its own binary kernel', () => {
  runConformance(() => composed, { describe, it });
});

describe('composeBackend', () => {
  it('runs its own kernel, and the base\'s kernels for the rest, on the base\'s storage', () => {
    const before = counter.calls;
    const liveBefore = wasm.memory().liveStorages;
    const a = randn([3, 5], { seed: 1, backend: composed });
    const b = randn([5], { seed: 2, backend: composed });
    expect(a.backend).toBe(composed);
    expect(wasm.memory().liveStorages).toBe(liveBefore + 2);
    expect(Array.from(wasm.readSync(a.storage, 0, 15))).toEqual(Array.from(a.toArray()));
    const sum = add(a, b);
    expect(counter.calls).toBe(before + 1);
    const onWasm = [a, b].map((t) => tensor(t.toArray(), { shape: t.shape, backend: wasm })) as [Tensor, Tensor];
    const sumOnWasm = binary('add', ...onWasm);
    expect(sum.toArray()).toEqual(sumOnWasm.toArray());
    const products = [matmul(a, a, { transB: true }), matmul(onWasm[0], onWasm[0], { transB: true })];
    expect(products[0]!.toArray()).toEqual(products[1]!.toArray());
    expect(fallbacks().filter((key) => key.startsWith('wasm+binary:'))).toEqual([]);
    for (const t of [a, b, sum, ...onWasm, sumOnWasm, ...products]) t.dispose();
    expect(wasm.memory().liveStorages).toBe(liveBefore);
  });

  it('keeps its tensors apart from the base\'s', () => {
    const mine = randn([2], { seed: 3, backend: composed });
    const base = randn([2], { seed: 3, backend: wasm });
    expect(() => sameBackend('add', [mine, base])).toThrow(new BackendError("add: tensors are on backends 'wasm+binary' and 'wasm'; move one with .to()"));
  });

  it('shares the base\'s limits and dtypes', () => {
    expect(composed.maxBytes).toBe(wasm.maxBytes);
    expect(composed.dtypes).toBe(wasm.dtypes);
    expect(typeof composed.readSync).toBe('function');
  });
});
