// The memory estimate against what the backends really hold (their live byte counters), and its closed form:
// the same numbers for nLayer = 1e9 as the per-layer tables would give, at once.
import { drainPool } from '@microgpt/autograd';
import * as T from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GPTConfig, resolveConfig } from '../config';
import { documentLoader } from '../data/loaders';
import { memoryTokenSource } from '../data/source';
import { getPreset } from '../presets';
import { DEFAULT_TRAIN } from '../train/settings';
import { createTrainer } from '../train/trainer';
import { planElements, planShapes } from './buffers';
import { createSession } from './inference';
import { estimateMemory } from './memory-estimate';
import { createGPT, disposeGPT } from './model';
import { parameterCounts, parameterSpecs } from './params';

const CONFIGS: [string, Partial<GPTConfig> & { vocabSize: number }][] = [
  ['microgpt.py shape', { vocabSize: 27 }],
  ['gpt-2 style: layernorm, biases, tied head, final norm, dropout', { vocabSize: 30, nLayer: 3, nEmbd: 24, nHead: 3, blockSize: 12, norm: 'layernorm', normAffine: true, bias: true, tiedHead: true, embedNorm: false, finalNorm: true, dropout: 0.1, activation: 'gelu' }],
  ['no positions, mlpRatio 2, affine rmsnorm', { vocabSize: 11, nLayer: 2, nEmbd: 8, nHead: 1, blockSize: 7, posEmb: 'none', mlpRatio: 2, normAffine: true }],
];

let wasm: T.WasmBackend;
beforeAll(async () => {
  wasm = await T.createWasmBackend({ threads: 1 });
});
afterAll(() => {
  wasm.dispose();
});

/** Documents of ids 1…V-1 between BOS (0) tokens, long enough to fill every block (so every batch has T = blockSize). */
function loaderFor(config: GPTConfig, B: number): ReturnType<typeof documentLoader> {
  const V = config.vocabSize;
  const ids: number[] = [];
  for (let d = 0; d < 40; d++) {
    ids.push(0);
    for (let i = 0; i < config.blockSize + 3; i++) ids.push(1 + ((d * 7 + i * 3) % (V - 1)));
  }
  ids.push(0);
  return documentLoader(memoryTokenSource(ids, V), { blockSize: config.blockSize, batchSize: B, seed: 1, valFraction: 0.5, bos: 0, pad: 'block' });
}

describe('estimateMemory against the backends', () => {
  for (const backendName of ['js', 'wasm'] as const) {
    for (const [label, overrides] of CONFIGS) {
      for (const dtype of ['float32', 'float64'] as const) {
        it(`${backendName}, ${dtype}, ${label}: model, trainer (after a step and an evaluation) and session hold exactly the estimate`, async () => {
          const backend = backendName === 'js' ? T.createJsBackend() : wasm;
          drainPool(backend);
          const config = resolveConfig(overrides);
          const live = (): number => backend.memory().liveBytes;
          const start = live();

          const model = createGPT(config, { seed: 3, dtype, backend });
          const parameters = estimateMemory(config, { dtype }).backendBytes;
          expect(live() - start).toBe(parameters);

          const B = 4;
          const settings = { ...DEFAULT_TRAIN, batchSize: B, optimizer: 'adamw' as const, clip: 1, evalBatches: 2, dtype };
          const loader = loaderFor(config, B);
          const trainer = createTrainer({ model, settings, train: loader, val: () => loader.evalBatches(2) });
          await trainer.trainStep();
          await trainer.evaluate();
          const training = estimateMemory(config, { dtype, training: { batchSize: B, optimizer: 'adamw', clip: true }, evaluation: { batchSize: B, batches: 2 } });
          expect(live() - start).toBe(training.backendBytes);
          trainer.dispose();
          drainPool(backend);
          // The gradients belong to the model (disposeGPT frees them).
          const gradients = training.parts.gradients;
          expect(live() - start).toBe(parameters + gradients);

          const session = createSession(model, 3);
          await session.feed([1, 2, 3], 1);
          expect(live() - start).toBe(estimateMemory(config, { dtype, session: { sequences: 3 } }).backendBytes + gradients);
          session.dispose();
          disposeGPT(model);
          expect(live()).toBe(start);
        });
      }
    }
  }
});

describe('estimateMemory in closed form', () => {
  it('counts parameters as the table lists them, for every kind of parameter', () => {
    for (const [, overrides] of CONFIGS) {
      const config = resolveConfig(overrides);
      const specs = parameterSpecs(config);
      const size = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);
      expect(parameterCounts(config)).toEqual({
        total: specs.reduce((n, s) => n + size(s.shape), 0),
        matrices: specs.filter((s) => s.shape.length === 2).reduce((n, s) => n + size(s.shape), 0),
        tensors: specs.length,
      });
    }
  });

  it('grows linearly in nLayer, so a billion layers are estimated without a billion of anything', () => {
    const base = resolveConfig({ vocabSize: 65, nLayer: 1, nEmbd: 16, nHead: 4, blockSize: 16, dropout: 0.1 });
    const options = { dtype: 'float32' as const, training: { batchSize: 8, optimizer: 'adamw' as const, clip: true }, evaluation: { batchSize: 8, batches: 20 }, session: { sequences: 4 } };
    const at = (nLayer: number): ReturnType<typeof estimateMemory> => estimateMemory({ ...base, nLayer }, options);
    const one = at(1);
    const two = at(2);
    const billion = at(1e9);
    for (const part of ['parameters', 'gradients', 'optimizer', 'activations', 'kvCache'] as const) {
      expect(billion.parts[part]).toBe(one.parts[part] + (1e9 - 1) * (two.parts[part] - one.parts[part]));
      expect(billion.parts[part]).toBeGreaterThan(1e9 * 1000);
    }
    expect(billion.parts.logits).toBe(one.parts.logits);
    expect(billion.parameters).toBe(parameterCounts({ ...base, nLayer: 1e9 }).total);
  });

  it('sizes a plan with the layout the planner uses: the arena of a real plan', () => {
    const backend = T.createJsBackend();
    const config = resolveConfig(CONFIGS[1]![1]);
    const shape = planShapes.training(config, 5);
    const elements = planElements(config, shape, 'float32');
    const before = backend.memory().liveBytes;
    const model = createGPT(config, { dtype: 'float32', backend });
    const afterModel = backend.memory().liveBytes;
    expect(afterModel - before).toBe(4 * parameterCounts(config).total);
    const estimate = estimateMemory(config, { dtype: 'float32', forward: { batchSize: 2, T: 9 } });
    const forward = planElements(config, planShapes.forward(2, 9), 'float32');
    expect(estimate.parts.activations).toBe(4 * forward.activations);
    // logits: the arena's (N, V) buffers and losses, plus the float32 copy read out and its float64 widening.
    expect(estimate.parts.logits).toBe(4 * forward.logits + (4 + 8) * 2 * 9 * config.vocabSize);
    expect(elements.rows).toBe(5 * config.blockSize);
    expect(elements.activations).toBeGreaterThan(0);
    disposeGPT(model);
  });

  it('names the largest part and what it grows with', () => {
    const config = resolveConfig({ ...getPreset('names').model, vocabSize: 27, blockSize: 100_000_000 });
    const estimate = estimateMemory(config, { dtype: 'float32', training: { batchSize: 8, optimizer: 'adam', clip: false } });
    expect(estimate.largestPart).toBe('activations');
    expect(estimate.sizedBy.activations).toBe('batch 8 × context 100,000,000 × 1 layer');
    expect(estimate.sizedBy.parameters).toBe(`${estimate.parameters.toLocaleString('en-US')} parameters`);
    expect(estimate.total).toBe(estimate.backendBytes + estimate.hostBytes);
    // The attention probabilities alone: (8, 4, 1e8, 1e8) float32.
    expect(estimate.parts.activations).toBeGreaterThan(4 * 8 * 4 * 1e16);
    expect(estimate.largestArray).toEqual({ part: 'activations', elements: (estimate.parts.activations + estimate.parts.logits) / 4 });
  });
});
