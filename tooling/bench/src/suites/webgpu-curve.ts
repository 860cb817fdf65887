// The correctness run of the webgpu backend at full size, as a command: the first 100 of the shakespeare-cpu preset's
// 2000 steps (its model, settings and stream batches of Tiny Shakespeare, seed 1337, as `microgpt train --preset
// shakespeare-cpu` runs them) on wasm and then on webgpu, and 32 greedily decoded tokens from each trained model.
// Rows: the largest |Δloss| over the steps (the backend's promise: ≤ 1e-3), whether the decoded tokens agree (1 or
// 0), and each backend's seconds. Each webgpu step's losses go to stderr as it runs, so a run stopped early still
// says how far it agreed. A suite rather than a unit test because SwiftShader is far too slow for one (with its
// software kernel forms a step of this model takes 6.5 s of CPU, about an hour for the run on a loaded 2-core
// machine); backend-webgpu's train.test.ts runs the same comparison on a small model in CI.
import { createGPT, createTrainer, disposeGPT, generate, getPreset, memoryTokenSource, streamLoader } from '@microgpt/model';
import * as T from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { type Emit, progress } from '../harness';
import { type WebGPUTarget, withWebGPU } from '../webgpu';
import { datasetText } from './data';
import type { Suite } from './suite';

const STEPS = 100;
const NEW_TOKENS = 32;

/** Trains the preset's first STEPS steps on `backend`, calling `onStep` with each (1-based) step's loss; then decodes greedily. */
async function run(text: string, backend: T.Backend, onStep: (step: number, loss: number) => void): Promise<{ tokens: number[]; seconds: number }> {
  const preset = getPreset('shakespeare-cpu');
  const tokenizer = trainChar(text);
  const source = memoryTokenSource(tokenizer.encode(text), tokenizer.vocabSize);
  const loader = streamLoader(source, { blockSize: preset.model.blockSize, batchSize: preset.train.batchSize, seed: 1337, valFraction: preset.train.valFraction });
  const model = createGPT({ ...preset.model, vocabSize: tokenizer.vocabSize }, { seed: 1337, dtype: 'float32', backend });
  const trainer = createTrainer({ model, settings: preset.train, train: loader });
  const start = performance.now();
  for (let step = 1; step <= STEPS; step++) onStep(step, (await trainer.trainStep()).loss);
  const generated = await generate(model, tokenizer.encode('ROMEO:'), { maxNewTokens: NEW_TOKENS, temperature: 0 });
  const seconds = (performance.now() - start) / 1000;
  trainer.dispose();
  disposeGPT(model);
  return { tokens: generated.ids, seconds };
}

async function compare(text: string, target: WebGPUTarget, emit: Emit): Promise<void> {
  const wasm = await T.createWasmBackend({ sharedMemory: false, threads: 1 });
  const expected: number[] = [];
  const reference = await run(text, wasm, (_, loss) => expected.push(loss));
  wasm.dispose();
  progress(`bench: webgpu-curve: wasm ran ${STEPS} steps in ${reference.seconds.toFixed(1)} s; now webgpu on ${target.adapter}`);
  let worst = 0;
  const start = performance.now();
  const actual = await run(text, target.backend, (step, loss) => {
    const difference = Math.abs(loss - expected[step - 1]!);
    // A NaN loss must count as a failure, never as agreement.
    worst = Number.isNaN(difference) ? Infinity : Math.max(worst, difference);
    progress(`bench: webgpu-curve: step ${step}: webgpu ${loss.toFixed(6)}, wasm ${expected[step - 1]!.toFixed(6)}, |Δ| ${difference.toExponential(2)} (${((performance.now() - start) / 1000).toFixed(0)} s)`);
  });
  target.backend.dispose?.();
  const base = { suite: 'webgpu-curve', name: `shakespeare-cpu-${STEPS}-steps`, threads: 1 };
  const gpu = { ...base, impl: 'webgpu', adapter: target.adapter, correctnessOnly: target.software };
  emit({ ...gpu, metric: 'max_abs_loss_diff', value: worst, unit: 'loss' });
  emit({ ...gpu, metric: 'greedy_tokens_equal', value: actual.tokens.join() === reference.tokens.join() ? 1 : 0, unit: 'bool' });
  emit({ ...gpu, metric: 'seconds', value: Number(actual.seconds.toFixed(1)), unit: 's' });
  emit({ ...base, impl: 'wasm', metric: 'seconds', value: Number(reference.seconds.toFixed(1)), unit: 's' });
}

export const webgpuCurveSuite: Suite = {
  name: 'webgpu-curve',
  onlyWhenNamed: true,
  description: `the webgpu backend's correctness at full size: ${STEPS} steps of the shakespeare-cpu preset on Tiny Shakespeare beside wasm (largest |Δloss|, to be ≤ 1e-3) and ${NEW_TOKENS} greedy tokens (equal or not); about an hour on SwiftShader`,
  async run(emit) {
    const text = datasetText('tinyshakespeare.txt');
    if (!text) return;
    await withWebGPU('webgpu-curve', emit, (target) => compare(text, target, emit));
  },
};
