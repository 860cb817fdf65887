// The worker's logic on WebGPU in Node (Dawn from the `webgpu` package; SwiftShader here, found through the
// environment vitest.config.ts sets): a names run follows the same run on wasm within 1e-3 a step and its model
// samples; a checkpoint imports onto WebGPU; a device lost while training ends the run with a named error and
// turns WebGPU off (the page then falls back to wasm), never a hang; and a run asked on WebGPU where there is none
// is refused by name. Without an adapter, one line says so and the tests skip.
import { createWebGPUBackend } from '@microgpt/backend-webgpu';
import { nodeGPU } from '@microgpt/backend-webgpu/node';
import { type Backend, type WasmBackend, createWasmBackend } from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunSpec, WorkerEvent } from '../protocol';
import { createController } from './controller';
import { namesRun } from './test-runs';

const NAMES = 'emma\nolivia\nava\nisabella\nsophia\nmia\ncharlotte\namelia\nharper\nevelyn\nabigail\nemily\nella\nelizabeth\ncamila\nluna\n'.repeat(10);

const RUN: RunSpec = namesRun(NAMES, { steps: 20, sampleEvery: 10 });

/** A WebGPU backend on Dawn, with its device kept so that a test can destroy it (a lost device, for real). */
async function backendWithDevice(): Promise<{ backend: Backend; device: () => GPUDevice }> {
  const real = await nodeGPU();
  let device: GPUDevice | null = null;
  const gpu = {
    async requestAdapter(options?: GPURequestAdapterOptions) {
      const adapter = await real.requestAdapter(options);
      if (!adapter) return null;
      return new Proxy(adapter, {
        get(target, key) {
          if (key === 'requestDevice') return async (descriptor?: GPUDeviceDescriptor) => (device = await target.requestDevice(descriptor));
          const value: unknown = Reflect.get(target, key);
          return typeof value === 'function' ? (value as (...args: unknown[]) => unknown).bind(target) : value;
        },
      });
    },
  } as unknown as GPU;
  const backend = await createWebGPUBackend({ gpu });
  return { backend, device: () => device! };
}

/** A controller over wasm and `webgpu`, whose events are collected. */
function harness(wasm: WasmBackend, webgpu: Backend | null): { handle: (request: Parameters<ReturnType<typeof createController>['handle']>[0]) => Promise<void>; events: WorkerEvent[]; of: <T extends WorkerEvent['type']>(type: T) => Extract<WorkerEvent, { type: T }>[] } {
  const events: WorkerEvent[] = [];
  const controller = createController(wasm, (event) => events.push(event), 1, Promise.resolve(webgpu));
  const of = <T extends WorkerEvent['type']>(type: T) => events.filter((e): e is Extract<WorkerEvent, { type: T }> => e.type === type);
  return { handle: (request) => controller.handle(request), events, of };
}

const losses = (events: readonly WorkerEvent[]): number[] => events.flatMap((e) => (e.type === 'step' ? e.losses.map(([, loss]) => loss) : []));

const adapter = await (await nodeGPU()).requestAdapter();
if (!adapter) console.warn('playground: no WebGPU adapter in Node here (no Vulkan driver, no SwiftShader); skipping the controller’s WebGPU tests');

describe.skipIf(!adapter)('worker controller on WebGPU', () => {
  let wasm: WasmBackend;
  beforeAll(async () => {
    wasm = await createWasmBackend({ threads: 1 });
  });
  afterAll(() => {
    wasm.dispose();
  });

  it('trains a names run with the losses of the same run on wasm, samples from it, and exports its backend', async () => {
    const { backend } = await backendWithDevice();
    try {
      const onWasm = harness(wasm, backend);
      await onWasm.handle({ type: 'start', run: RUN });
      const onGpu = harness(wasm, backend);
      await onGpu.handle({ type: 'start', run: { ...RUN, backend: 'webgpu' } });
      expect(onGpu.of('error')).toEqual([]);
      expect(onGpu.of('status').map((e) => e.status)).toEqual(['training', 'ready']);
      const expected = losses(onWasm.events);
      const actual = losses(onGpu.events);
      expect(actual).toHaveLength(RUN.steps);
      for (const [i, loss] of actual.entries()) expect(Math.abs(loss - expected[i]!), `step ${i + 1}`).toBeLessThanOrEqual(1e-3);
      expect(onGpu.of('samples').map((s) => s.step)).toEqual([10, 20]);
      expect(onGpu.of('samples').at(-1)!.texts.join('')).toMatch(/^[a-z]+$/);
      // The CPU profiler's table would time the queueing of GPU work, so a WebGPU run has none.
      expect(onGpu.of('profile')).toEqual([]);
      await onGpu.handle({ type: 'export' });
      const files = onGpu.of('files')[0]!.files;
      expect(JSON.parse(new TextDecoder().decode(files['trainer_state.json']))).toMatchObject({ backend: 'webgpu', step: RUN.steps });
      // The checkpoint imports onto WebGPU and generates there.
      const imported = harness(wasm, backend);
      await imported.handle({ type: 'import', files, backend: 'webgpu' });
      await imported.handle({ type: 'generate', prompt: '', sampling: { temperature: 0, maxTokens: 10, seed: 1, count: 1, beam: 1 } });
      expect(imported.of('error')).toEqual([]);
      expect(imported.of('generated')).toHaveLength(1);
    } finally {
      backend.dispose?.();
    }
  });

  it('ends a run whose device is lost with a named error, turns WebGPU off, and trains on wasm afterwards', async () => {
    const { backend, device } = await backendWithDevice();
    const { handle, of } = harness(wasm, backend);
    const started = handle({ type: 'start', run: { ...RUN, backend: 'webgpu', steps: 100_000, sampleEvery: 0 } });
    while (of('step').length === 0 && of('error').length === 0) await new Promise((resolve) => setTimeout(resolve, 5));
    device().destroy();
    await started;
    const [error] = of('error');
    expect(error).toMatchObject({ request: 'start' });
    expect(error!.message).toMatch(/^WebGPUDeviceLostError: webgpu\.\w+: the GPU device was lost/);
    expect(of('webgpu')).toEqual([{ type: 'webgpu', status: { available: false, reason: expect.stringMatching(/the GPU device was lost/) as unknown } }]);
    // The run's weights were on the lost device: there is no model left to sample.
    expect(of('status').at(-1)!.status).toBe('empty');
    await handle({ type: 'start', run: { ...RUN, backend: 'webgpu' } });
    expect(of('error').at(-1)!.message).toBe('WebGPU is not available in this page; choose WebAssembly');
    await handle({ type: 'start', run: { ...RUN, steps: 5, sampleEvery: 0 } });
    expect(of('status').at(-1)!.status).toBe('ready');
    expect(of('error')).toHaveLength(2);
  });
});

describe('worker controller without WebGPU', () => {
  it('refuses a run or an import on WebGPU by name, and keeps training on wasm', async () => {
    const wasm = await createWasmBackend({ threads: 1 });
    try {
      const { handle, of } = harness(wasm, null);
      await handle({ type: 'start', run: { ...RUN, backend: 'webgpu' } });
      await handle({ type: 'import', files: {}, backend: 'webgpu' });
      expect(of('error').map((e) => [e.request, e.message])).toEqual([
        ['start', 'WebGPU is not available in this page; choose WebAssembly'],
        ['import', 'WebGPU is not available in this page; choose WebAssembly'],
      ]);
      expect(of('status')).toEqual([]);
      await handle({ type: 'start', run: { ...RUN, steps: 5, sampleEvery: 0 } });
      expect(of('status').map((e) => e.status)).toEqual(['training', 'ready']);
    } finally {
      wasm.dispose();
    }
  });
});
