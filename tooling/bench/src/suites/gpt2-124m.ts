// The GPT-2 124M shape in microgpt: random weights from our own init (speed does not depend on what a model
// learned), generating through the KV cache on the wasm backend, and a 1,024-token prompt evaluated in one pass;
// beside PyTorch running the same weights, exported once as a Hugging Face folder, with its KV cache, and beside
// ONNX Runtime running that folder exported to ONNX by the PyTorch peer, with the cache as graph inputs/outputs.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createGPT, createSession, disposeGPT, generate, getPreset } from '@microgpt/model';
import { saveHuggingFaceFolder } from '@microgpt/model/node';
import type * as T from '@microgpt/tensor';
import { type Emit, progress, timeMedianAsync } from '../harness';
import { ONNXRUNTIME_IMPL, exportOnnx, greedyOnnx, loadOnnxRuntime, openOnnxGpt } from '../peers/onnxruntime';
import { bestPytorchRows, hasTorch, runPytorch } from '../peers/pytorch';
import { peakRssMb } from './data';

/** New tokens a timed generation makes, after a one-token prompt (GPT-2's <|endoftext|>, id 50256). */
export const GPT2_NEW_TOKENS = 32;
/** The prompt evaluated in one pass: GPT-2's whole context. */
export const GPT2_PROMPT_TOKENS = 1024;

/** The 1,024-token prompt (the same ids in every implementation). */
function gpt2Prompt(vocabSize: number): number[] {
  return Array.from({ length: GPT2_PROMPT_TOKENS }, (_, i) => (i * 7919) % vocabSize);
}

/**
 * ONNX Runtime's rows for HF folder `hfDir` (exported to `onnxPath`), at each of `threads` intra-op threads:
 * tokens/s generating GPT2_NEW_TOKENS greedily through the cache (median of 3) and the seconds of one 1,024-token
 * prompt pass. Skipped with one line when the export (torch) or onnxruntime-node is missing.
 */
async function measureOnnxRuntime(hfDir: string, onnxPath: string, threads: readonly number[], emit: Emit): Promise<void> {
  const ort = await loadOnnxRuntime();
  if (typeof ort === 'string') {
    progress(`bench: skipping onnxruntime gpt2-124m: ${ort}`);
    return;
  }
  progress('bench: generate: exporting the gpt2-124m folder to ONNX with PyTorch');
  const graph = exportOnnx(hfDir, onnxPath);
  if (typeof graph === 'string') {
    progress(`bench: skipping onnxruntime gpt2-124m: ${graph}`);
    return;
  }
  for (const n of threads) {
    const model = await openOnnxGpt(ort, graph, n);
    const row = { suite: 'generate', name: 'gpt2-124m', impl: ONNXRUNTIME_IMPL, threads: n };
    const seconds = await timeMedianAsync(() => greedyOnnx(model, [50256], GPT2_NEW_TOKENS), { warmup: 1, minRuns: 3, minSeconds: 0 });
    emit({ ...row, metric: 'tokens_per_s', value: Number((GPT2_NEW_TOKENS / seconds).toFixed(2)), unit: 'tokens/s' });
    const start = performance.now();
    await model.step(gpt2Prompt(graph.vocab_size), model.emptyCache());
    emit({ ...row, metric: 'prefill_1024_seconds', value: Number(((performance.now() - start) / 1000).toFixed(3)), unit: 's' });
    await model.release();
  }
}

/**
 * Measures the gpt2 preset's shape on `wasm` at each of `threads`: tokens/s generating GPT2_NEW_TOKENS with the KV
 * cache (median of 3), the seconds of one 1,024-token prefill, peak RSS; then exports the weights once and runs
 * PyTorch's rows on the same folder, and ONNX Runtime's on its ONNX export (both skipped with a note without torch).
 */
export async function measureGpt2(wasm: T.WasmBackend, threads: readonly number[], emit: Emit): Promise<void> {
  const preset = getPreset('gpt2');
  const model = createGPT({ ...preset.model, vocabSize: preset.vocabSize! }, { seed: 1, dtype: 'float32', backend: wasm });
  const dir = mkdtempSync(join(tmpdir(), 'microgpt-bench-gpt2-'));
  try {
    for (const n of threads) {
      await wasm.setThreads(n);
      const row = { suite: 'generate', name: 'gpt2-124m', impl: wasm.name, threads: n };
      const seconds = await timeMedianAsync(() => generate(model, [50256], { maxNewTokens: GPT2_NEW_TOKENS, seed: 1 }), { warmup: 1, minRuns: 3, minSeconds: 0 });
      emit({ ...row, metric: 'tokens_per_s', value: Number((GPT2_NEW_TOKENS / seconds).toFixed(2)), unit: 'tokens/s' });
      const session = createSession(model);
      const prompt = gpt2Prompt(preset.vocabSize!);
      const start = performance.now();
      await session.feed(prompt, GPT2_PROMPT_TOKENS);
      emit({ ...row, metric: 'prefill_1024_seconds', value: Number(((performance.now() - start) / 1000).toFixed(3)), unit: 's' });
      session.dispose();
      emit({ ...row, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
    }
    if (!hasTorch()) {
      progress('bench: skipping pytorch and onnxruntime gpt2-124m: no python3 with torch (apt-get install python3-torch, or set PYTORCH_PYTHON)');
      return;
    }
    progress('bench: generate: exporting the gpt2-124m weights for PyTorch');
    await saveHuggingFaceFolder(join(dir, 'hf'), { model, tokenizer: null });
    const settings = threads.map((n) => ({ torch: n, blas: n }));
    for (const row of bestPytorchRows(runPytorch('gpt2-124m', { threads: settings, modelPath: join(dir, 'hf') }))) emit(row);
    await measureOnnxRuntime(join(dir, 'hf'), join(dir, 'gpt2-124m.onnx'), threads, emit);
  } finally {
    disposeGPT(model);
    rmSync(dir, { recursive: true, force: true });
  }
}
