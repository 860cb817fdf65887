// Quantization on a trained model: shakespeare-cpu after its 2000 iterations on Tiny Shakespeare, quantized with
// every scheme. For each: the validation loss (nanoGPT's 20 fixed batches) and its ratio to float32's, the size
// of model.safetensors and its ratio to float32's, and generation speed (256 tokens with the KV cache, wasm,
// 1 thread). The targets: int8 loss within 1% and file ≤ 30%; int4 within 5% and ≤ 17%; int8 tokens/s ≥
// float32's.
import { type Batch, type GPT, checkpointFiles, createTrainer, disposeGPT, generate, getPreset } from '@microgpt/model';
import { type Scheme, quantizeModel, quantizedCheckpointFiles } from '@microgpt/quant';
import * as T from '@microgpt/tensor';
import { type Emit, timeMedian } from '../harness';
import { datasetText, peakRssMb } from './data';
import { trainShakespeareCpu } from './shakespeare';
import type { Suite } from './suite';

const NEW_TOKENS = 256;
const SCHEMES: readonly { scheme: Scheme; perTensor?: boolean; label: string }[] = [
  { scheme: 'int8', label: 'int8' },
  { scheme: 'int8', perTensor: true, label: 'int8-per-tensor' },
  { scheme: 'int8-asym', label: 'int8-asym' },
  { scheme: 'int4', label: 'int4' },
  { scheme: 'int4-asym', label: 'int4-asym' },
  { scheme: 'fp16', label: 'fp16' },
  { scheme: 'bf16', label: 'bf16' },
];

/** Mean loss of `model` on the fixed validation batches. */
function valLoss(model: GPT, val: Batch[]): number {
  const settings = getPreset('shakespeare-cpu').train;
  const trainer = createTrainer({ model, settings, train: { next: () => val[0]!, state: () => 0, restore: () => undefined }, val: () => val });
  const loss = trainer.evaluate();
  trainer.dispose();
  return loss;
}

/** Tokens/s generating NEW_TOKENS after one token (the window slides past the context of 64). */
function tokensPerSecond(model: GPT): number {
  return Math.round(NEW_TOKENS / timeMedian(() => {
    generate(model, [0], { maxNewTokens: NEW_TOKENS, seed: 1 });
  }, { warmup: 1, minRuns: 5, minSeconds: 2 }));
}

function report(emit: Emit, name: string, values: { loss: number; floatLoss: number; bytes: number; floatBytes: number; tokens: number }): void {
  const row = { suite: 'quant', name, impl: 'wasm' };
  emit({ ...row, threads: 2, metric: 'val_loss', value: Number(values.loss.toFixed(4)), unit: 'nats' });
  emit({ ...row, threads: 2, metric: 'val_loss_ratio', value: Number((values.loss / values.floatLoss).toFixed(4)), unit: '×' });
  emit({ ...row, threads: 1, metric: 'weights_bytes', value: values.bytes, unit: 'B' });
  emit({ ...row, threads: 1, metric: 'weights_ratio', value: Number((values.bytes / values.floatBytes).toFixed(4)), unit: '×' });
  emit({ ...row, threads: 1, metric: 'tokens_per_s', value: values.tokens, unit: 'tokens/s' });
  emit({ ...row, threads: 1, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
}

export const quantSuite: Suite = {
  name: 'quant',
  description: 'shakespeare-cpu trained on Tiny Shakespeare, then int8/int4/fp16/bf16: val loss, weights file size, generation tokens/s beside float32 (minutes; wasm)',
  async run(emit: Emit) {
    const text = datasetText('tinyshakespeare.txt');
    if (!text) return;
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    await wasm.setThreads(2);
    const { model, trainer, val } = trainShakespeareCpu(text, wasm, 'quant');
    trainer.dispose();
    const floatBytes = checkpointFiles({ model, tokenizer: null })['model.safetensors']!.length;
    const floatLoss = valLoss(model, val);
    const measured = new Map<string, { loss: number; bytes: number }>();
    for (const { scheme, perTensor, label } of SCHEMES) {
      const quantized = quantizeModel(model, { scheme, perTensor: perTensor === true });
      measured.set(label, { loss: valLoss(quantized.model, val), bytes: quantizedCheckpointFiles({ quantized, tokenizer: null })['model.safetensors']!.length });
      quantized.dispose();
      disposeGPT(quantized.model);
    }
    await wasm.setThreads(1);
    report(emit, 'shakespeare-cpu-float32', { loss: floatLoss, floatLoss, bytes: floatBytes, floatBytes, tokens: tokensPerSecond(model) });
    for (const { scheme, perTensor, label } of SCHEMES) {
      const quantized = quantizeModel(model, { scheme, perTensor: perTensor === true });
      report(emit, `shakespeare-cpu-${label}`, { ...measured.get(label)!, floatLoss, floatBytes, tokens: tokensPerSecond(quantized.model) });
      quantized.dispose();
      disposeGPT(quantized.model);
    }
    disposeGPT(model);
  },
};
