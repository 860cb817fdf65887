// Generation speed with the KV cache on the shakespeare-cpu model (4 layers × 128, context 64): tokens/s for
// 256 new tokens after a one-token prompt (the window slides past 64), sampled at temperature 1, on js, and on
// wasm and blas (where a BLAS library loads) at 1 and 2 threads, for one sequence (`shakespeare-cpu`) and for 16
// decoded together (`shakespeare-cpu-x16`, tokens/s counting every sequence's); beside PyTorch with a KV cache (impl
// `pytorch-kv-cache`, both rows) and generating the nanoGPT way (impl `pytorch`: no cache, the whole window every
// token). The weights are a fresh init: speed does not depend on what the model learned. Then the GPT-2 124M shape
// (gpt2-124m.ts), beside PyTorch with its KV cache on the same weights and ONNX Runtime on their ONNX export.
import { createGPT, disposeGPT, generate, generateBatch, getPreset } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { startBlas } from '../blas';
import { type Emit, timeMedianAsync } from '../harness';
import { bestPytorchRows, hasTorch, runPytorch } from '../peers/pytorch';
import { peakRssMb } from './data';
import { measureGpt2 } from './gpt2-124m';
import type { Suite } from './suite';

const NEW_TOKENS = 256;

const SEQUENCES = [
  { name: 'shakespeare-cpu', count: 1 },
  { name: 'shakespeare-cpu-x16', count: 16 },
] as const;

async function measure(backend: T.Backend, threads: number, emit: Emit): Promise<void> {
  const preset = getPreset('shakespeare-cpu');
  const model = createGPT({ ...preset.model, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend });
  for (const { name, count } of SEQUENCES) {
    const run = (): Promise<unknown> => (count === 1 ? generate(model, [0], { maxNewTokens: NEW_TOKENS, seed: 1 }) : generateBatch(model, [0], { maxNewTokens: NEW_TOKENS, seed: 1, count }));
    const seconds = await timeMedianAsync(run, { warmup: 1, minRuns: 3, minSeconds: 2 });
    const row = { suite: 'generate', name, impl: backend.name, threads };
    emit({ ...row, metric: 'tokens_per_s', value: Math.round((count * NEW_TOKENS) / seconds), unit: 'tokens/s' });
    emit({ ...row, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
  }
  disposeGPT(model);
}

export const generateSuite: Suite = {
  name: 'generate',
  description: 'shakespeare-cpu generation with the KV cache, 1 and 16 sequences: tokens/s, js, and wasm and blas at 1 and 2 threads, beside PyTorch with and without a cache; the GPT-2 124M shape (wasm, 1 and 2 threads) beside PyTorch with its KV cache on the same exported weights and ONNX Runtime on their ONNX export (cached too), and a 1,024-token prompt pass',
  async run(emit) {
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    const blas = await startBlas();
    for (const backend of blas ? [wasm, blas] : [wasm]) {
      for (const threads of [1, 2]) {
        await backend.setThreads(threads);
        await measure(backend, threads, emit);
      }
    }
    await measure(T.findBackend('js'), 1, emit);
    if (hasTorch()) for (const row of bestPytorchRows(runPytorch('generate'))) emit(row);
    await measureGpt2(wasm, [1, 2], emit);
  },
};
