// Training speed of @microgpt/model beside its peers, one row per (name, impl, threads):
// - microgpt-py: microgpt.py's run (1,000 steps of one names.txt document, float64, exact mode): seconds of the
//   training loop, beside PyTorch eager running the same model;
// - names: the `names` preset (8 documents a step, float32): tokens/s, beside the same step in plain C (peers/c,
//   built with `cc -O3 -march=native` when a compiler exists);
// - shakespeare-cpu: nanoGPT's CPU model (4 × 128, B 12, T 64, AdamW, clip): ms per step on wasm and blas (native
//   BLAS matmuls, where a BLAS library loads), beside PyTorch;
// - one-block: one GPT block (V 64, T 64, B 16, C 128, MLP 512, one head, RMSNorm, ReLU, Adam): ms per step,
//   beside jax-js and TensorFlow.js on wasm, which run the same model.
// Each row is followed by `rss_mb`, the process's peak resident memory so far.
import {
  type Batch,
  type BatchLoader,
  DEFAULT_TRAIN,
  createGPT,
  createTrainer,
  disposeGPT,
  documentIds,
  documentLoader,
  memoryTokenSource,
  getPreset,
  runMicrogpt,
  type GPT,
  type TrainSettings,
} from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { startBlas } from '../blas';
import { type Emit, type TimingOptions, median, progress, timeMedianAsync } from '../harness';
import { jaxOneBlock } from '../peers/jax-one-block';
import { ONE_BLOCK } from '../peers/one-block-model';
import { C_IMPL, runCNames } from '../peers/c';
import { bestPytorchRows, hasTorch, runPytorch } from '../peers/pytorch';
import { tfjsOneBlock } from '../peers/tfjs-one-block';
import { datasetPath, datasetText, peakRssMb } from './data';
import type { Suite } from './suite';

type Row = { name: string; impl: string; threads: number };

function emitRow(emit: Emit, row: Row, metric: string, value: number, unit: string): void {
  emit({ suite: 'train', ...row, metric, value, unit });
  emit({ suite: 'train', ...row, metric: 'rss_mb', value: peakRssMb(), unit: 'MB' });
}

/** The same random batch every step: timing does not depend on the data. */
export function fixedBatch(B: number, Tn: number, V: number, seed: number): BatchLoader {
  const rng = new T.PythonRandom(seed);
  const x = Int32Array.from({ length: B * Tn }, () => rng.randbelow(V));
  const y = Int32Array.from({ length: B * Tn }, () => rng.randbelow(V));
  const batch: Batch = { x, y, B, T: Tn };
  return { next: () => batch, state: () => null, restore: () => undefined };
}

/** Median seconds of one training step of `model` on `loader` with `settings` (after a warm-up; default 3 steps, then at least 5). */
export async function stepSeconds(model: GPT, settings: TrainSettings, loader: BatchLoader, timing: TimingOptions): Promise<number> {
  const trainer = createTrainer({ model, settings, train: loader });
  const seconds = await timeMedianAsync(() => trainer.trainStep(), { warmup: 3, minRuns: 5, ...timing });
  trainer.dispose();
  return seconds;
}

async function microgptRows(emit: Emit, wasm: T.WasmBackend): Promise<void> {
  const text = datasetText('names.txt');
  if (!text) return;
  // wasm first: once the js backend has run, the model's kernel call sites are polymorphic and wasm pays for it.
  await wasm.setThreads(1);
  for (const backend of [wasm, T.findBackend('js')]) {
    // A fresh process pays the JIT warm-up once; report the median of 5 whole runs after a first one.
    const runs: number[] = [];
    for (let i = 0; i < 6; i++) runs.push((await runMicrogpt(text, { samples: 0 }, {}, backend)).trainSeconds);
    progress(`bench: microgpt-py on ${backend.name}: first run ${runs[0]!.toFixed(3)} s`);
    emitRow(emit, { name: 'microgpt-py', impl: backend.name, threads: 1 }, 'train_seconds', Number(median(runs.slice(1)).toFixed(4)), 's');
  }
  if (hasTorch()) {
    const rows = runPytorch('microgpt-py', { dataPath: datasetPath('names.txt')!, threads: [{ torch: 1, blas: 1 }] });
    for (const row of bestPytorchRows(rows)) emit(row);
  }
}

async function namesRows(emit: Emit, wasm: T.WasmBackend): Promise<void> {
  const text = datasetText('names.txt');
  if (!text) return;
  const preset = getPreset('names');
  const tokenizer = trainChar(text.replace(/\n/g, ''), { bos: true });
  const source = memoryTokenSource(documentIds(text, (doc) => tokenizer.encode(doc), tokenizer.bosId!), tokenizer.vocabSize);
  const options = { blockSize: preset.model.blockSize, batchSize: preset.train.batchSize, seed: 1, valFraction: preset.train.valFraction, bos: tokenizer.bosId! };
  for (const [backend, threads] of [[wasm, 1], [wasm, 2], [T.findBackend('js'), 1]] as const) {
    if (backend === wasm) await wasm.setThreads(threads);
    const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 1, dtype: 'float32', backend });
    const trainer = createTrainer({ model, settings: { ...preset.train, steps: 1_000_000 }, train: documentLoader(source, options) });
    for (let i = 0; i < 200; i++) await trainer.trainStep();
    // Tokens/s counts predicted targets (padding excluded): the mean per step over every timed step, times the
    // steps of a run, over the median run time.
    const STEPS = 500;
    let tokens = 0;
    let steps = 0;
    const cpu = process.cpuUsage();
    const seconds = await timeMedianAsync(async () => {
      for (let i = 0; i < STEPS; i++) tokens += (await trainer.trainStep()).tokens;
      steps += STEPS;
    }, { warmup: 0, minRuns: 5, minSeconds: 2 });
    const used = process.cpuUsage(cpu);
    const cpuSeconds = (used.user + used.system) / 1e6;
    emitRow(emit, { name: 'names', impl: backend.name, threads }, 'tokens_per_s', Math.round(((tokens / steps) * STEPS) / seconds), 'tokens/s');
    // CPU time moves less than wall time when other work shares the machine; with 2 threads it counts the worker too.
    emit({ suite: 'train', name: 'names', impl: backend.name, threads, metric: 'tokens_per_cpu_s', value: Math.round(tokens / cpuSeconds), unit: 'tokens/s' });
    trainer.dispose();
    disposeGPT(model);
  }
  // The C peer (names-step.c): 200 warm-up steps, then the median of six 500-step chunks, in its own process.
  const c = runCNames(datasetPath('names.txt')!, 3200, 1);
  if (c) {
    progress(`bench: names on c: loss ${c.firstLoss.toFixed(3)} at step 1, ${c.lastLoss.toFixed(3)} over the last 100 of 3200`);
    emit({ suite: 'train', name: 'names', impl: C_IMPL, threads: 1, metric: 'tokens_per_s', value: Math.round(c.tokensPerSecond), unit: 'tokens/s' });
    emit({ suite: 'train', name: 'names', impl: C_IMPL, threads: 1, metric: 'tokens_per_cpu_s', value: Math.round(c.tokensPerCpuSecond), unit: 'tokens/s' });
  }
}

async function shakespeareRows(emit: Emit, wasm: T.WasmBackend): Promise<void> {
  const preset = getPreset('shakespeare-cpu');
  const blas = await startBlas();
  for (const backend of blas ? [wasm, blas] : [wasm]) {
    for (const threads of [1, 2]) {
      await backend.setThreads(threads);
      const model = createGPT({ ...preset.model, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend });
      const seconds = await stepSeconds(model, preset.train, fixedBatch(preset.train.batchSize, preset.model.blockSize, 65, 1), { minSeconds: 3 });
      emitRow(emit, { name: 'shakespeare-cpu', impl: backend.name, threads }, 'ms_per_step', Number((seconds * 1000).toFixed(2)), 'ms');
      disposeGPT(model);
    }
  }
  if (hasTorch()) for (const row of bestPytorchRows(runPytorch('shakespeare-cpu'))) emit(row);
}

async function oneBlockRows(emit: Emit, wasm: T.WasmBackend): Promise<void> {
  const { V, T: Tn, B, C, hidden } = ONE_BLOCK;
  const config = { vocabSize: V, nLayer: 1, nHead: 1, nEmbd: C, blockSize: Tn, mlpRatio: hidden / C, embedNorm: false };
  const settings: TrainSettings = { ...DEFAULT_TRAIN, batchSize: B, schedule: 'constant', ...ONE_BLOCK.adam, dtype: 'float32' };
  for (const threads of [1, 2]) {
    await wasm.setThreads(threads);
    const model = createGPT(config, { seed: 1, dtype: 'float32', backend: wasm });
    const seconds = await stepSeconds(model, settings, fixedBatch(B, Tn, V, 1), { minSeconds: 2 });
    emitRow(emit, { name: 'one-block', impl: 'wasm', threads }, 'ms_per_step', Number((seconds * 1000).toFixed(2)), 'ms');
    disposeGPT(model);
  }
  for (const [impl, make] of [['jax-js-wasm', jaxOneBlock], ['tfjs-wasm', tfjsOneBlock]] as const) {
    const peer = await make();
    const seconds = await timeMedianAsync(() => peer.step(), { warmup: 2, minRuns: 5, minSeconds: 2 });
    emitRow(emit, { name: 'one-block', impl, threads: peer.threads }, 'ms_per_step', Number((seconds * 1000).toFixed(2)), 'ms');
    peer.dispose();
  }
}

export const trainSuite: Suite = {
  name: 'train',
  description: 'training speed: microgpt.py run (s), names tokens/s, shakespeare-cpu (wasm and blas) and one-block ms/step; beside PyTorch, jax-js, tfjs',
  async run(emit) {
    const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
    await microgptRows(emit, wasm);
    await namesRows(emit, wasm);
    await shakespeareRows(emit, wasm);
    await oneBlockRows(emit, wasm);
  },
};
