// The webgpu backend beside wasm, one row each on the same work: float32 matmul GFLOP/s (n³, up to 1024),
// training ms/step of the shakespeare-cpu and shakespeare-char models (the presets' shapes, a fixed random batch),
// and shakespeare-cpu generation tokens/s through the KV cache. webgpu rows name their adapter; on a software
// adapter (SwiftShader, the GPU's work on the CPU) they are marked correctness-only and the work shrinks so that
// the suite ends in minutes: matmul at 64 and 256 only, no warm-up and one timed run each, shakespeare-cpu at batch
// 1, shakespeare-char at batch 1 and context 16, 16 new tokens (the row names say the batch, context and token
// count), and the wasm rows shrink alike so each pair stays comparable.
import { availableParallelism } from 'node:os';
import { type PresetName, createGPT, disposeGPT, generate, getPreset } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { type Emit, type Measurement, type TimingOptions, progress, timeMedianAsync } from '../harness';
import { type WebGPUTarget, withWebGPU } from '../webgpu';
import type { Suite } from './suite';
import { fixedBatch, stepSeconds } from './train';

/** One training shape: a preset's model at a batch size and context (the preset's own, or less on SwiftShader). */
interface TrainShape {
  readonly preset: PresetName;
  readonly batchSize: number;
  readonly blockSize: number;
}

/** How much work a run does: all of it on a GPU, less on a software adapter. */
interface Plan {
  readonly matmulSizes: readonly number[];
  /** Products per timed call: a GPU's 1024³ takes about a millisecond, so one read-back per product would dominate. */
  readonly matmulReps: number;
  readonly timing: TimingOptions;
  readonly trainShapes: readonly TrainShape[];
  readonly newTokens: number;
}

const GPU_PLAN: Plan = {
  matmulSizes: [256, 512, 1024],
  matmulReps: 10,
  timing: { warmup: 2, minRuns: 3, minSeconds: 1 },
  trainShapes: [
    { preset: 'shakespeare-cpu', batchSize: 12, blockSize: 64 },
    { preset: 'shakespeare-char', batchSize: 64, blockSize: 256 },
  ],
  newTokens: 256,
};
// SwiftShader here (2 loaded cores), even with its software kernel forms: one full shakespeare-cpu step takes about
// 5.5 s of CPU and far longer in wall time under load, so the software plan runs one sequence a step and small
// products, each timed once with no warm-up (its figure includes compiling the step's shaders).
const SOFTWARE_PLAN: Plan = {
  matmulSizes: [64, 256],
  matmulReps: 1,
  timing: { warmup: 0, minRuns: 1, minSeconds: 0 },
  trainShapes: [
    { preset: 'shakespeare-cpu', batchSize: 1, blockSize: 64 },
    { preset: 'shakespeare-char', batchSize: 1, blockSize: 16 },
  ],
  newTokens: 16,
};

/** The fields every row of one backend shares: webgpu rows carry their adapter. */
type RowBase = Pick<Measurement, 'impl' | 'threads' | 'adapter' | 'correctnessOnly'>;

async function matmulRows(backend: T.Backend, base: RowBase, plan: Plan, emit: Emit): Promise<void> {
  for (const n of plan.matmulSizes) {
    const a = T.randn([n, n], { seed: 1, backend });
    const b = T.randn([n, n], { seed: 2, backend });
    const out = T.matmul(a, b);
    // Reading one element waits for every product recorded before it (webgpu); on wasm it costs nothing.
    const seconds = await timeMedianAsync(async () => {
      for (let r = 0; r < plan.matmulReps; r++) T.matmul(a, b, { out });
      await backend.readAsync(out.storage, 0, 1);
    }, plan.timing);
    emit({ suite: 'webgpu', name: `matmul-${n}`, ...base, metric: 'gflops', value: Number(((2 * n ** 3 * plan.matmulReps) / seconds / 1e9).toFixed(3)), unit: 'GFLOP/s' });
    for (const t of [a, b, out]) t.dispose();
  }
}

/** The row name of a training shape: the preset's, with `-b<batch>` and `-t<context>` where they are not its own. */
function shapeName({ preset, batchSize, blockSize }: TrainShape): string {
  const { model, train } = getPreset(preset);
  return `${preset}${batchSize === train.batchSize ? '' : `-b${batchSize}`}${blockSize === model.blockSize ? '' : `-t${blockSize}`}`;
}

async function trainRows(backend: T.Backend, base: RowBase, plan: Plan, emit: Emit): Promise<void> {
  for (const shape of plan.trainShapes) {
    const preset = getPreset(shape.preset);
    const model = createGPT({ ...preset.model, blockSize: shape.blockSize, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend });
    const settings = { ...preset.train, batchSize: shape.batchSize };
    const seconds = await stepSeconds(model, settings, fixedBatch(shape.batchSize, shape.blockSize, 65, 1), plan.timing);
    emit({ suite: 'webgpu', name: shapeName(shape), ...base, metric: 'ms_per_step', value: Number((seconds * 1000).toFixed(2)), unit: 'ms' });
    disposeGPT(model);
  }
}

async function generateRows(backend: T.Backend, base: RowBase, plan: Plan, emit: Emit): Promise<void> {
  const preset = getPreset('shakespeare-cpu');
  const model = createGPT({ ...preset.model, vocabSize: 65 }, { seed: 1, dtype: 'float32', backend });
  const seconds = await timeMedianAsync(() => generate(model, [0], { maxNewTokens: plan.newTokens, seed: 1 }), plan.timing);
  emit({ suite: 'webgpu', name: `generate-shakespeare-cpu-${plan.newTokens}`, ...base, metric: 'tokens_per_s', value: Math.round(plan.newTokens / seconds), unit: 'tokens/s' });
  disposeGPT(model);
}

/** Every row of `plan` on `backend`. */
async function measure(backend: T.Backend, base: RowBase, plan: Plan, emit: Emit): Promise<void> {
  await matmulRows(backend, base, plan, emit);
  await trainRows(backend, base, plan, emit);
  await generateRows(backend, base, plan, emit);
}

async function measureBeside(target: WebGPUTarget, emit: Emit): Promise<void> {
  const plan = target.software ? SOFTWARE_PLAN : GPU_PLAN;
  progress(`bench: webgpu: adapter ${target.adapter}${target.software ? ' (software: correctness-only rows at reduced sizes)' : ''}`);
  await measure(target.backend, { impl: 'webgpu', threads: 1, adapter: target.adapter, correctnessOnly: target.software }, plan, emit);
  target.backend.dispose?.();
  const wasm = (await T.startBackend('wasm')) as T.WasmBackend;
  // wasm on every core the machine has (its thread pool's limit is 16), as a user of that machine would run it.
  const threads = Math.min(availableParallelism(), 16);
  await wasm.setThreads(threads);
  await measure(wasm, { impl: 'wasm', threads }, plan, emit);
}

export const webgpuSuite: Suite = {
  name: 'webgpu',
  description: 'the webgpu backend beside wasm (all cores): matmul GFLOP/s to 1024³, shakespeare-cpu and shakespeare-char ms/step, shakespeare-cpu generation tokens/s; rows name the adapter, SwiftShader rows are correctness-only at reduced sizes; skipped where there is no adapter',
  async run(emit) {
    await withWebGPU('webgpu', emit, (target) => measureBeside(target, emit));
  },
};
