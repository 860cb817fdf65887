// Quantization on a trained model: shakespeare-cpu after its 2000 iterations on Tiny Shakespeare, quantized with
// every scheme. For each: the validation loss (nanoGPT's 20 fixed batches) and its ratio to float32's, the size
// of model.safetensors and its ratio to float32's, and generation speed (256 tokens with the KV cache, wasm,
// 1 thread, every model timed in turn). The targets: int8 loss within 1% and file ≤ 30%; int4 within 5% and ≤ 17%; int8 tokens/s ≥
// float32's.
import { type Batch, type GPT, checkpointFiles, createTrainer, disposeGPT, generate, getPreset } from '@microgpt/model';
import { type Scheme, quantizeModel, quantizedCheckpointFiles } from '@microgpt/quant';
import * as T from '@microgpt/tensor';
import { type Emit, median } from '../harness';
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
async function valLoss(model: GPT, val: Batch[]): Promise<number> {
  const settings = getPreset('shakespeare-cpu').train;
  const trainer = createTrainer({ model, settings, train: { next: () => val[0]!, state: () => 0, restore: () => undefined }, val: () => val });
  const loss = await trainer.evaluate();
  trainer.dispose();
  return loss;
}

/** Generation rounds per model: each round times every model once, in turn. */
const ROUNDS = 9;

/**
 * Tokens/s of each model generating NEW_TOKENS after one token (the window slides past the context of 64): the
 * median over ROUNDS rounds, each round timing every model once in turn, so a slow spell on the shared machine
 * lands on all of them rather than on whichever ran during it.
 */
async function interleavedTokensPerSecond(models: ReadonlyMap<string, GPT>): Promise<Map<string, number>> {
  const seconds = new Map<string, number[]>([...models.keys()].map((label) => [label, []]));
  const run = async (model: GPT): Promise<void> => {
    await generate(model, [0], { maxNewTokens: NEW_TOKENS, seed: 1 });
  };
  for (const model of models.values()) await run(model); // warm-up
  for (let round = 0; round < ROUNDS; round++) {
    for (const [label, model] of models) {
      const t0 = performance.now();
      await run(model);
      seconds.get(label)!.push((performance.now() - t0) / 1000);
    }
  }
  return new Map([...seconds].map(([label, times]) => [label, Math.round(NEW_TOKENS / median(times))]));
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
    const { model, trainer, val } = await trainShakespeareCpu(text, wasm, 'quant');
    trainer.dispose();
    const floatBytes = (await checkpointFiles({ model, tokenizer: null }))['model.safetensors']!.length;
    const floatLoss = await valLoss(model, val);
    const measured = new Map<string, { loss: number; bytes: number }>();
    const models = new Map<string, GPT>([['float32', model]]);
    const quantizedModels = [];
    for (const { scheme, perTensor, label } of SCHEMES) {
      const quantized = await quantizeModel(model, { scheme, perTensor: perTensor === true });
      measured.set(label, { loss: await valLoss(quantized.model, val), bytes: (await quantizedCheckpointFiles({ quantized, tokenizer: null }))['model.safetensors']!.length });
      models.set(label, quantized.model);
      quantizedModels.push(quantized);
    }
    await wasm.setThreads(1);
    const tokens = await interleavedTokensPerSecond(models);
    report(emit, 'shakespeare-cpu-float32', { loss: floatLoss, floatLoss, bytes: floatBytes, floatBytes, tokens: tokens.get('float32')! });
    for (const { label } of SCHEMES) report(emit, `shakespeare-cpu-${label}`, { ...measured.get(label)!, floatLoss, floatBytes, tokens: tokens.get(label)! });
    for (const quantized of quantizedModels) {
      quantized.dispose();
      disposeGPT(quantized.model);
    }
    disposeGPT(model);
  },
};
