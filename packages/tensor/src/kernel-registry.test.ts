// A kernel beyond the core set, defined as a package would: its type by augmenting `Kernels`, its JS reference and
// metadata through registerKernel. It runs on js directly, on wasm through the fallback, and on a backend that
// implements it itself (one composed over wasm, computing in the wasm memory).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type WasmBackend, createWasmBackend } from './backends/wasm/index';
import { dataOf } from './backends/js/storage';
import { composeBackend } from './compose';
import { tensor } from './create';
import { fallbacks, kernel } from './dispatch';
import { BackendError } from './errors';
import { kernelInfo, kernelNames, registerKernel } from './kernel-registry';
import { findBackend } from './registry';
import type { Tensor } from './tensor';

/** out = alpha · x + y, all contiguous and of one shape. */
interface ScaleAddArgs {
  x: Tensor;
  y: Tensor;
  out: Tensor;
  alpha: number;
}

declare module './backend' {
  interface Kernels {
    scaleAdd(args: ScaleAddArgs): void;
  }
}

function scaleAddReference({ x, y, out, alpha }: ScaleAddArgs): void {
  const [xs, ys, os] = [dataOf(x), dataOf(y), dataOf(out)];
  for (let i = 0; i < out.size; i++) os[out.offset + i] = alpha * xs[x.offset + i]! + ys[y.offset + i]!;
}

let wasm: WasmBackend;
beforeAll(async () => {
  registerKernel('scaleAdd', scaleAddReference, { outputs: ['out'] });
  wasm = await createWasmBackend({ threads: 1 });
});
afterAll(() => {
  wasm.dispose();
});

/** Runs scaleAdd on `backend` over float32 inputs and returns out's values. */
function runScaleAdd(backend: Parameters<typeof kernel>[0]): number[] {
  const x = tensor([1, 2, 3, 4, 5], { backend });
  const y = tensor([10, 20, 30, 40, 50], { backend });
  const out = tensor([0, 0, 0, 0, 0], { backend });
  kernel(backend, 'scaleAdd', 'float32')({ x, y, out, alpha: 0.5 });
  return Array.from(out.toArray());
}

const EXPECTED = [10.5, 21, 31.5, 42, 52.5];

describe('registerKernel', () => {
  it('defines a kernel with its outputs, listed after the core ones', () => {
    expect(kernelNames().at(-1)).toBe('scaleAdd');
    expect(kernelNames()).toContain('matmul');
    expect(kernelInfo('scaleAdd')).toEqual({ outputs: ['out'] });
    expect(kernelInfo('layernormBackward')).toEqual({ outputs: ['dx', 'dweight', 'dbias'] });
  });

  it('runs the reference directly on js', () => {
    expect(runScaleAdd(findBackend('js'))).toEqual(EXPECTED);
    expect(fallbacks().filter((key) => key.includes('scaleAdd'))).toEqual([]);
  });

  it('falls back to the reference on wasm, which lacks it', () => {
    expect(runScaleAdd(wasm)).toEqual(EXPECTED);
    expect(fallbacks()).toContain('wasm:scaleAdd:float32');
  });

  it('runs the own kernel of a backend that implements it', () => {
    let calls = 0;
    const own = composeBackend({
      name: 'wasm-scale-add',
      base: wasm,
      kernels: {
        scaleAdd({ x, y, out, alpha }) {
          calls++;
          const view = (t: Tensor): Float32Array => new Float32Array(wasm.wasmMemory.buffer, wasm.byteAddress(t), t.size);
          const [xs, ys, os] = [view(x), view(y), view(out)];
          for (let i = 0; i < out.size; i++) os[i] = alpha * xs[i]! + ys[i]!;
        },
      },
    });
    expect(runScaleAdd(own)).toEqual(EXPECTED);
    expect(calls).toBe(1);
    expect(fallbacks()).not.toContain('wasm-scale-add:scaleAdd:float32');
  });

  it('rejects a second definition of a name, core or registered, naming it', () => {
    expect(() => {
      registerKernel('scaleAdd', scaleAddReference, { outputs: ['out'] });
    }).toThrow(new BackendError("registerKernel: a kernel named 'scaleAdd' is already defined"));
    expect(() => {
      registerKernel('fill', () => undefined, { outputs: ['out'] });
    }).toThrow(new BackendError("registerKernel: a kernel named 'fill' is already defined"));
  });

  it('rejects a kernel that names no outputs', () => {
    expect(() => {
      registerKernel('nothing' as 'scaleAdd', scaleAddReference, { outputs: [] });
    }).toThrow(new BackendError("registerKernel: 'nothing' must name the tensor arguments it writes in info.outputs, found none"));
  });

  it('names the defined kernels when asked for an unknown one', () => {
    expect(() => kernel(findBackend('js'), 'scaleAddd' as 'scaleAdd', 'float32')).toThrow(
      /^kernel: no kernel named 'scaleAddd'; defined: matmul, binary, .*, quantMatmul, scaleAdd \(registerKernel adds one\)$/,
    );
  });
});
