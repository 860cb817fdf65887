// The whole pipeline on a backend that reads only asynchronously (packages/backend-template: no readSync, as a GPU;
// two kernels of its own, the rest through the core's JS fallback in its work queue): train with clipping and
// dropout, evaluate, save a checkpoint mid-run and resume from it, save and load a checkpoint folder, sample, beam
// search, inspect, and microgpt.py's exact run. A synchronous read anywhere would throw there. Every number, and
// every checkpoint byte, is equal bit for bit to the same run on the js backend, whose kernels the fallback runs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drainPool } from '@microgpt/autograd';
import { createTemplateBackend } from '@microgpt/backend-template';
import { type Backend, createJsBackend, tensor } from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { describe, expect, it } from 'vitest';
import { checkpointFiles, readCheckpointFiles } from './checkpoint/bundle';
import { loadCheckpoint, saveCheckpoint } from './checkpoint/folder';
import { runMicrogpt } from './compat/microgpt';
import { documentIds } from './data/documents';
import { documentLoader } from './data/loaders';
import { memoryTokenSource } from './data/source';
import { NonFiniteLossError } from './errors';
import { generate } from './generate/generate';
import { attentionMaps } from './gpt/attention-maps';
import { forwardLogits } from './gpt/inference';
import { type GPT, createGPT, disposeGPT } from './gpt/model';
import { runTraining } from './train/loop';
import { DEFAULT_TRAIN, type TrainSettings } from './train/settings';
import { lossesOf } from './train/test-steps';
import { type StepReport, type TrainerState, createTrainer } from './train/trainer';

const TEXT = 'emma\nolivia\nava\nisabella\nsophia\ncharlotte\nmia\namelia\nharper\nevelyn\nabigail\nemily\nella\nelizabeth\n';
const tokenizer = trainChar(TEXT.replaceAll('\n', ''), { bos: true });
const BOS = tokenizer.bosId!;
const CONFIG = { vocabSize: tokenizer.vocabSize, blockSize: 8, nLayer: 2, nEmbd: 16, nHead: 2, norm: 'layernorm' as const, normAffine: true, bias: true, dropout: 0.1 };
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 6, batchSize: 3, optimizer: 'adamw', weightDecay: 0.1, schedule: 'cosine', warmupSteps: 2, lr: 0.01, minLr: 0.001, clip: 0.5, evalEvery: 3, ckptEvery: 4, valFraction: 0.25, evalBatches: 2, dtype: 'float32' };

function loader(): ReturnType<typeof documentLoader> {
  const source = memoryTokenSource(documentIds(TEXT, (doc) => tokenizer.encode(doc), BOS), tokenizer.vocabSize);
  return documentLoader(source, { blockSize: CONFIG.blockSize, batchSize: SETTINGS.batchSize, seed: 1, valFraction: SETTINGS.valFraction, bos: BOS });
}

/** Every number the pipeline produces on `backend`, and the bytes of the checkpoint it saves at step 4. */
async function pipeline(backend: Backend, dir: string): Promise<Record<string, unknown>> {
  const model = createGPT(CONFIG, { seed: 7, dtype: 'float32', backend });
  const data = loader();
  const trainer = createTrainer({ model, settings: SETTINGS, train: data, val: () => data.evalBatches(2) });
  const steps: StepReport[] = [];
  const evals: [number, number][] = [];
  let files: Record<string, Uint8Array> = {};
  const run = await runTraining(trainer, {
    onStep: ({ step, loss, lr, gradNorm, tokens }) => void steps.push({ step, loss, lr, gradNorm, tokens }),
    onEval: (step, loss) => void evals.push([step, loss]),
    onCheckpoint: async (t, reason) => {
      if (reason === 'every') files = await checkpointFiles({ model, tokenizer, optimizer: await t.optimizerState(), trainerState: t.state() });
    },
  });

  // Resume from the step-4 checkpoint: the last two steps again, exactly.
  const saved = readCheckpointFiles(files, { backend, requireTrainingState: true });
  const resumed = createTrainer({ model: saved.model, settings: SETTINGS, train: loader() });
  resumed.restore(saved.trainerState as TrainerState, saved.optimizer ?? null);
  const resumedLosses = await lossesOf(resumed, 2);
  resumed.dispose();
  disposeGPT(saved.model);

  await saveCheckpoint(dir, { model, tokenizer, optimizer: await trainer.optimizerState(), trainerState: trainer.state() });
  const valLoss = await trainer.evaluate();
  trainer.dispose();
  disposeGPT(model);
  const loaded = (await loadCheckpoint(dir, { backend })).model;
  const inference = await inspect(loaded);
  disposeGPT(loaded);
  return { steps, evals, run: { ...run, trainSeconds: 0 }, resumedLosses, files, valLoss, ...inference };
}

/** Sampling (the window slides past blockSize), beam search, all logits and the attention maps of `model`. */
async function inspect(model: GPT): Promise<Record<string, unknown>> {
  const sampled = await generate(model, [BOS], { maxNewTokens: 20, temperature: 0.8, topK: 6, topP: 0.95, seed: 3, tokenizer });
  const beams = await generate(model, [BOS], { maxNewTokens: 6, beam: 3, returnBeams: 2, stopTokens: [BOS], tokenizer });
  const ids = tokenizer.encode('ameli');
  return { sampled, beams, logits: await forwardLogits(model, ids, 1, ids.length), attention: await attentionMaps(model, ids) };
}

describe('a backend without readSync (backend-template) runs everything above the tensor package', () => {
  it('trains, evaluates, checkpoints, resumes, loads and samples exactly as the js backend does', async () => {
    const template = createTemplateBackend();
    expect('readSync' in template).toBe(false);
    const start = template.memory().liveStorages;
    const dir = await mkdtemp(join(tmpdir(), 'microgpt-async-'));
    try {
      const onTemplate = await pipeline(template, join(dir, 'template'));
      const onJs = await pipeline(createJsBackend(), join(dir, 'js'));
      expect(onTemplate).toEqual(onJs);
      expect(onTemplate.steps).toHaveLength(6);
      expect((onTemplate.steps as StepReport[]).every((s) => Number.isFinite(s.loss) && Number.isFinite(s.gradNorm))).toBe(true);
      expect(onTemplate.evals).toHaveLength(2);
      expect(onTemplate.resumedLosses).toEqual((onTemplate.steps as StepReport[]).slice(4).map((s) => s.loss));
      expect(Object.keys(onTemplate.files as object).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json']);
      expect((onTemplate.sampled as { ids: number[] }).ids.length).toBeGreaterThan(0);
      expect((onTemplate.beams as { beams: unknown[] }).beams).toHaveLength(2);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
    // Everything was freed but the probe: frees run in the backend's queue, and the probe's read waits for them.
    drainPool(template);
    const probe = tensor([0], { backend: template });
    await probe.toArrayAsync();
    expect(template.memory().liveStorages).toBe(start + 1);
    probe.dispose();
  });

  it('stops at a non-finite loss before anything is updated', async () => {
    const template = createTemplateBackend();
    const model = createGPT({ ...CONFIG, dropout: 0 }, { seed: 7, dtype: 'float32', backend: template });
    const trainer = createTrainer({ model, settings: SETTINGS, train: loader() });
    await trainer.trainStep();
    const lnf = model.params['h.1.ln_2.weight']!.value;
    template.write(lnf.storage, lnf.offset, new Float32Array(lnf.size).fill(Number.NaN));
    const before = await model.flat.toArrayAsync();
    await expect(trainer.trainStep()).rejects.toThrow(NonFiniteLossError);
    expect(await model.flat.toArrayAsync()).toEqual(before);
    expect(trainer.step).toBe(1);
    trainer.dispose();
    disposeGPT(model);
  });

  it('runs microgpt.py exactly as on the js backend', async () => {
    const settings = { nLayer: 1, nEmbd: 8, nHead: 2, blockSize: 8, steps: 5, samples: 3 };
    const onTemplate = await runMicrogpt(TEXT, settings, {}, createTemplateBackend());
    const onJs = await runMicrogpt(TEXT, settings, {}, createJsBackend());
    expect({ ...onTemplate, trainSeconds: 0 }).toEqual({ ...onJs, trainSeconds: 0 });
    expect(onTemplate.losses).toHaveLength(5);
    expect(onTemplate.samples).toHaveLength(3);
  });
});
