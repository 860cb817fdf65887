// Generation speed with the KV cache on the shakespeare-cpu model (4 layers × 128, context 64): tokens/s for
// 256 new tokens after a one-token prompt (the window slides past 64), sampled at temperature 1, on js, and on
// wasm and blas (where a BLAS library loads) at 1 and 2 threads; beside PyTorch generating the nanoGPT way (no cache:
// the whole window every token).
// The weights are a fresh init: speed does not depend on what the model learned.
import { createGPT, disposeGPT, generate, getPreset } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { startBlas } from '../blas';
import { type Emit, timeMedianAsync } from '../harness';
import { bestPytorchRows, hasTorch, runPytorch } from '../peers/pytorch';
import { peakRssMb } from './data';
import type { Suite } from './suite';

const NEW_TOKENS = 256;

async function measure(backend: T.Backend, threads: number, emit: Emit): Promise<void> {
  const preset = getPreset('shakespeare-cpu');
  const model = createGPT({ ...preset.model, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend });
  const run = (): Promise<unknown> => generate(model, [0], { maxNewTokens: NEW_TOKENS, seed: 1 });
  const seconds = await timeMedianAsync(run, { warmup: 1, minRuns: 3, minSeconds: 2 });
  const row = { suite: 'generate', name: 'shakespeare-cpu', impl: backend.name, threads };
  emit({ ...row, metric: 'tokens_per_s', value: Math.round(NEW_TOKENS / seconds), unit: 'tokens/s' });
  emit({ ...row, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
  disposeGPT(model);
}

export const generateSuite: Suite = {
  name: 'generate',
  description: 'shakespeare-cpu generation with the KV cache: tokens/s, js, and wasm and blas at 1 and 2 threads, beside PyTorch without a cache',
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
  },
};
