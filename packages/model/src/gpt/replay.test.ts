import * as T from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registerActivation } from '../activations';
import { DEFAULT_CONFIG, type GPTConfig } from '../config';
import { DEFAULT_TRAIN, type TrainSettings } from '../train/settings';
import { lossesOf } from '../train/test-steps';
import { randomWindows } from '../train/test-windows';
import { createTrainer } from '../train/trainer';
import { createGPT, disposeGPT, parameterTensors } from './model';

// A training step on wasm runs its forward and backward as command lists (replay.ts); the same step one kernel at a
// time (the wasm kernels through a backend composed over wasm, which cannot record) must give the same bits: the
// same kernels run in the same order. Each case trains through the trainer and compares every loss and weight.
const TEXT = 'emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\n'.repeat(6);
const CHARS = [...new Set(TEXT)].sort();
const IDS = Array.from(TEXT, (ch) => CHARS.indexOf(ch));

/** A model config with the vocabulary and context these tests need. */
type Config = Partial<GPTConfig> & { vocabSize: number; blockSize: number };

/** `names`' model (16 wide, 4 heads, 1 layer, RMSNorm, ReLU) and a 2-layer nanoGPT-like one (LayerNorm, biases, GELU). */
const NAMES: Config = { ...DEFAULT_CONFIG, vocabSize: CHARS.length, blockSize: 16 };
const TWO_LAYERS: Config = { vocabSize: CHARS.length, blockSize: 12, nEmbd: 24, nHead: 3, nLayer: 2, norm: 'layernorm', normAffine: true, bias: true, activation: 'gelu', finalNorm: true };
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 6, batchSize: 4, lr: 0.01, schedule: 'cosine', warmupSteps: 2, minLr: 0.001, clip: 1, optimizer: 'adamw', weightDecay: 0.1, dtype: 'float32' };

let wasm: T.WasmBackend;
/** The wasm kernels one by one: composed over wasm with nothing of its own, so it has no recordCommands. */
let perKernel: T.Backend;
/** Successful replays of the lists the wasm backend recorded (to check the replay really ran). */
let replays = 0;
let counting: T.Backend;

beforeAll(async () => {
  wasm = await T.createWasmBackend({ threads: 2 });
  perKernel = T.composeBackend({ name: 'wasm-per-kernel', base: wasm, kernels: {} });
  counting = T.composeBackend({ name: 'wasm-counting', base: wasm, kernels: wasm.kernels });
  Object.assign(counting, {
    recordCommands(record: (kernels: Partial<T.Kernels>) => void): T.CommandList | null {
      const list = wasm.recordCommands(record);
      if (!list) return null;
      return {
        length: list.length,
        run: () => {
          const ran = list.run();
          if (ran) replays++;
          return ran;
        },
        dispose: () => {
          list.dispose();
        },
      };
    },
  });
});

afterAll(() => {
  wasm.dispose();
});

interface Run {
  losses: number[];
  weights: number[][];
}

async function train(backend: T.Backend, config: Config, settings: TrainSettings, steps = settings.steps): Promise<Run> {
  const model = createGPT(config, { seed: 3, dtype: 'float32', backend });
  const trainer = createTrainer({ model, settings, train: randomWindows(IDS, settings.batchSize, config.blockSize, 5) });
  try {
    const losses = await lossesOf(trainer, steps);
    return { losses, weights: Object.values(parameterTensors(model)).map((t) => Array.from(t.toArray())) };
  } finally {
    trainer.dispose();
    disposeGPT(model);
  }
}

describe('training steps as command lists (wasm)', () => {
  const cases: [string, Config, Partial<TrainSettings>][] = [
    ['names-sized, no dropout', NAMES, {}],
    ['names-sized, dropout 0.1', { ...NAMES, dropout: 0.1 }, {}],
    ['2 layers, dropout 0.2, gradient accumulation 2', { ...TWO_LAYERS, dropout: 0.2 }, { gradAccum: 2 }],
    ['2 layers, no dropout, no clipping, adam', TWO_LAYERS, { clip: 0, optimizer: 'adam' }],
  ];
  for (const [name, config, overrides] of cases) {
    it(`gives the bits of the per-kernel path: ${name}`, async () => {
      await wasm.setThreads(1);
      const settings = { ...SETTINGS, ...overrides };
      const before = replays;
      const replayed = await train(counting, config, settings);
      // Two lists (forward, backward) per micro-batch per step.
      expect(replays - before).toBe(2 * settings.steps * (settings.gradAccum ?? 1));
      const direct = await train(perKernel, config, settings);
      expect(replayed.losses.every(Number.isFinite)).toBe(true);
      expect(replayed.losses).toEqual(direct.losses);
      expect(replayed.weights).toEqual(direct.weights);
    });
  }

  it('with two threads, small kernels are recorded too; kernels that split make the pass run them one by one', async () => {
    await wasm.setThreads(2);
    const before = replays;
    const threaded = await train(counting, NAMES, SETTINGS, 3);
    expect(replays - before).toBe(6);
    wasm.minParallelWork = 1;
    try {
      const splitBefore = replays;
      const split = await train(counting, NAMES, SETTINGS, 3);
      expect(replays - splitBefore).toBe(0);
      const direct = await train(perKernel, NAMES, SETTINGS, 3);
      expect(split.losses).toEqual(direct.losses);
    } finally {
      wasm.minParallelWork = 32768;
    }
    expect(threaded.losses).toEqual((await train(perKernel, NAMES, SETTINGS, 3)).losses);
    await wasm.setThreads(1);
  });

  it('runs kernel by kernel while a profile records, so the profile sees every kernel', async () => {
    await wasm.setThreads(1);
    const before = replays;
    const profiler = T.startProfile();
    let profile: T.Profile;
    let run: Run;
    try {
      run = await train(counting, NAMES, SETTINGS, 2);
    } finally {
      profile = profiler.stop();
    }
    expect(replays - before).toBe(0);
    expect(profile.totals.matmul?.calls).toBeGreaterThan(0);
    expect(profile.totals.attentionBackward?.calls).toBe(2);
    expect(run.losses).toEqual((await train(perKernel, NAMES, SETTINGS, 2)).losses);
  });

  it('runs kernel by kernel with a registered activation (its tensor ops are not kernel calls of the pass)', async () => {
    await wasm.setThreads(1);
    registerActivation('replay-test-relu', {
      forward: (x, out) => {
        T.kernel(x.backend, 'unary', x.dtype)({ op: 'relu', x, out, param: 0 });
      },
      backward: (x, dout, dx) => {
        T.kernel(x.backend, 'unaryBackward', x.dtype)({ op: 'relu', x, dout, dx, param: 0 });
      },
    });
    const config = { ...NAMES, activation: 'replay-test-relu' };
    const before = replays;
    const custom = await train(counting, config, SETTINGS, 3);
    expect(replays - before).toBe(0);
    expect(custom.losses).toEqual((await train(counting, NAMES, SETTINGS, 3)).losses);
  });
});
