// The quantized matmul kernel beside the float32 matmul the model uses otherwise (x · Wᵀ), on the linear
// layers of the shakespeare-cpu model: M = 1 (a token while generating) and M = 64 (a prompt), int8 and int4,
// float and int16 activations; microseconds a call (medians of batches of calls), wasm at 1 thread, js once.
import { type Backend, type QuantMatmulArgs, type Tensor, type WasmBackend, findBackend, kernel, randn, startBackend, tensor } from '@microgpt/tensor';
import { type Emit, timeMedian } from '../harness';
import type { Suite } from './suite';

/** (N, K) of the shakespeare-cpu linears: qkv, attention out, fc1, fc2, head. */
const LAYERS: readonly (readonly [string, number, number])[] = [['qkv', 384, 128], ['attn-o', 128, 128], ['fc1', 512, 128], ['fc2', 128, 512], ['head', 65, 128]];

/** Calls per timed sample, so a sample is well above the timer's resolution. */
const CALLS = 50;

function time(call: () => void): number {
  return (timeMedian(() => {
    for (let i = 0; i < CALLS; i++) call();
  }, { warmup: 3, minRuns: 7, minSeconds: 0.3 }) / CALLS) * 1e6;
}

function measure(backend: Backend, M: number, emit: Emit): void {
  const row = { suite: 'quant-matmul', impl: backend.name, threads: 1, metric: 'us_per_call', unit: 'µs' };
  for (const [layer, N, K] of LAYERS) {
    const x = randn([1, M, K], { seed: 1, backend });
    const w = randn([1, N, K], { seed: 2, backend });
    const out = randn([1, M, N], { seed: 3, backend });
    const matmul = kernel(backend, 'matmul', 'float32');
    emit({ ...row, name: `${layer}-M${M}-float32`, value: time(() => {
      matmul({ a: x, b: w, out, transA: false, transB: true, accumulate: false });
    }) });
    for (const format of ['int8', 'int4'] as const) {
      const G = format === 'int8' ? K : 32;
      const codes = tensor(Uint8Array.from({ length: format === 'int8' ? N * K : (N * K) / 2 }, (_, i) => (i * 37) & 255), { backend });
      const scales = tensor(new Float32Array((N * K) / G).fill(0.01), { shape: [N, K / G], backend });
      const offsets = format === 'int4' ? tensor(new Float32Array((N * K) / G).fill(-0.08), { shape: [N, K / G], backend }) : null;
      const quantMatmul = kernel(backend, 'quantMatmul', 'float32');
      for (const activations of ['float', 'int16'] as const) {
        const args: QuantMatmulArgs = { x: x.reshape([M, K]), codes, scales, offsets, format, groupSize: G, activations, out: out.reshape([M, N]) };
        emit({ ...row, name: `${layer}-M${M}-${format}-${activations}`, value: time(() => {
          quantMatmul(args);
        }) });
      }
      for (const t of [codes, scales, offsets] as (Tensor | null)[]) t?.dispose();
    }
    for (const t of [x, w, out]) t.dispose();
  }
}

export const quantMatmulSuite: Suite = {
  name: 'quant-matmul',
  description: 'quantMatmul (int8, int4 × float, int16 activations) beside float32 x·Wᵀ on the shakespeare-cpu layers, M = 1 and 64: µs a call, wasm 1 thread and js',
  async run(emit) {
    const wasm = (await startBackend('wasm')) as WasmBackend;
    await wasm.setThreads(1);
    for (const M of [1, 64]) measure(wasm, M, emit);
    measure(findBackend('js'), 1, emit);
  },
};
