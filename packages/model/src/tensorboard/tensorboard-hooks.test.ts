// The trainer's gradient tap and the TensorBoard hooks: a tapped run trains exactly as an untapped one, the
// tapped gradients are the step's (their norm is the norm the trainer clipped by), and a run recorded through
// the hooks decodes with protobufjs into every scalar, histogram, text and hyper-parameter it should hold.
import { describe, expect, it } from 'vitest';
import { type GPT, createGPT, disposeGPT } from '../gpt/model';
import { parameterSpecs } from '../gpt/params';
import { runTraining } from '../train/loop';
import { DEFAULT_TRAIN, type TrainSettings } from '../train/settings';
import { lossesOf } from '../train/test-steps';
import { randomWindows } from '../train/test-windows';
import { createTrainer } from '../train/trainer';
import { decodeEvents, decodeSessionStart } from './decode-events';
import { createEventLog } from './event-log';
import { fileVersionEvent } from './events';
import { histogramOf } from './histogram';
import { concat } from './protobuf';
import { samplesMarkdown, tensorboardHooks } from './tensorboard-hooks';

const TEXT = 'the quick brown fox jumps over the lazy dog and the cat sat on the mat '.repeat(4);
const CHARS = [...new Set(TEXT)].sort();
const IDS = Array.from(TEXT, (ch) => CHARS.indexOf(ch));
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 6, batchSize: 2, schedule: 'constant', clip: 1, optimizer: 'adamw', weightDecay: 0.1, evalEvery: 3 };
const MODEL = { vocabSize: CHARS.length, blockSize: 8, nEmbd: 8, nHead: 2, nLayer: 1, dropout: 0 };

const model = (): GPT => createGPT(MODEL, { seed: 3, dtype: 'float64', backend: 'js' });
const trainerOf = (m: GPT, settings = SETTINGS): ReturnType<typeof createTrainer> =>
  createTrainer({ model: m, settings, train: randomWindows(IDS, 2, 8, 5), val: () => [randomWindows(IDS, 2, 8, 9).next()] });

describe('gradient tap', () => {
  it.each([1, 0])('sees the wanted steps’ gradients before clipping, and changes nothing in the run (clip %d)', async (clip) => {
    const settings = { ...SETTINGS, clip };
    const plain = model();
    const expected = await lossesOf(trainerOf(plain, settings), 6);
    const tapped = model();
    const trainer = trainerOf(tapped, settings);
    const seen: { step: number; norm: number }[] = [];
    trainer.tapGradients({
      wants: (step) => step % 2 === 0,
      gradients: (step, values) => {
        expect(Object.keys(values)).toEqual(parameterSpecs(tapped.config).map((s) => s.name));
        const squares = Object.values(values).reduce((n, g) => n + Array.from(g).reduce((a, x) => a + x * x, 0), 0);
        seen.push({ step, norm: Math.sqrt(squares) });
      },
      measureNorm: clip === 0,
    });
    const reports = [];
    for (let i = 0; i < 4; i++) reports.push(await trainer.trainStep());
    trainer.tapGradients(null);
    for (let i = 0; i < 2; i++) reports.push(await trainer.trainStep());
    expect(reports.map((r) => r.loss)).toEqual(expected);
    expect(seen.map((s) => s.step)).toEqual([2, 4]);
    for (const { step, norm } of seen) expect(norm).toBeCloseTo(reports[step - 1]!.gradNorm, 12);
    expect(reports[1]!.gradNorm).toBeGreaterThan(0);
    // Without clipping the norm is measured for the tap only: NaN again once it is removed.
    expect(Number.isNaN(reports[5]!.gradNorm)).toBe(clip === 0);
    disposeGPT(plain);
    disposeGPT(tapped);
  });
});

describe('tensorboardHooks', () => {
  it('records scalars every step, val loss, histograms of weights and gradients, text and hyper-parameters', async () => {
    const m = model();
    const trainer = trainerOf(m);
    const log = createEventLog(() => 1_700_000_000);
    const parts: Uint8Array[] = [fileVersionEvent(1_700_000_000)];
    let flushes = 0;
    const sink = {
      ...log,
      flush: () => {
        flushes++;
        parts.push(log.take());
        return Promise.resolve();
      },
    };
    const hooks = tensorboardHooks(trainer, sink, { histogramEvery: 3, hparams: { preset: 'test' } });
    let weightsAt3: Float64Array | null = null;
    let normAt3 = NaN;
    await runTraining(trainer, {
      onStep: async (p) => {
        await hooks.onStep(p);
        if (p.step === 3) {
          weightsAt3 = Float64Array.from(m.params.wte!.value.toArray());
          normAt3 = p.gradNorm;
        }
      },
      onEval: hooks.onEval,
    });
    hooks.text(6, 'samples', '```\nthe cat\n```');
    await hooks.close();
    expect(flushes).toBeGreaterThanOrEqual(3);
    const events = decodeEvents(concat(parts));
    const values = events.flatMap((e) => (e.summary?.value ?? []).map((v) => ({ step: e.step, ...v })));
    const tagsAt = (step: number): string[] => values.filter((v) => v.step === step).map((v) => v.tag);

    const hp = values.find((v) => v.tag === '_hparams_/session_start_info')!;
    const hparams = decodeSessionStart(hp.metadata!.plugin_data!.content).session_start_info.hparams;
    expect(hparams).toMatchObject({ preset: { string_value: 'test' }, 'model.nEmbd': { number_value: 8 }, 'train.lr': { number_value: SETTINGS.lr }, 'train.optimizer': { string_value: 'adamw' }, 'model.bias': { bool_value: false } });

    const names = parameterSpecs(m.config).map((s) => s.name);
    for (const step of [1, 2, 3, 4, 5, 6]) expect(tagsAt(step).slice(0, 4)).toEqual(['train/loss', 'train/lr', 'train/grad_norm', 'train/tokens_per_s']);
    for (const step of [3, 6]) {
      expect(tagsAt(step)).toContain('val/loss');
      const histograms = values.filter((v) => v.step === step && v.histo).map((v) => v.tag);
      expect(histograms).toEqual([...names.map((n) => `weights/${n}`), ...names.map((n) => `gradients/${n}`)]);
    }
    expect(values.filter((v) => v.histo && v.step !== 3 && v.step !== 6)).toEqual([]);
    const wte3 = values.find((v) => v.step === 3 && v.tag === 'weights/wte')!.histo!;
    const expected = histogramOf(weightsAt3!);
    expect(wte3).toMatchObject({ num: expected.num, min: expected.min, max: expected.max, sum: expected.sum, bucket: expected.bucket });
    const grad3 = values.find((v) => v.step === 3 && v.tag === 'gradients/wte')!.histo!;
    expect(grad3.num).toBe(m.params.wte!.value.size);
    const gradSquares = values.filter((v) => v.step === 3 && v.tag.startsWith('gradients/')).reduce((n, v) => n + v.histo!.sum_squares, 0);
    expect(Math.sqrt(gradSquares)).toBeCloseTo(normAt3, 12);
    const text = values.find((v) => v.tag === 'samples')!;
    expect(new TextDecoder().decode(text.tensor!.string_val[0])).toBe('```\nthe cat\n```');
    expect(() => tensorboardHooks(trainer, sink, { histogramEvery: -1 })).toThrow('histogramEvery must be an integer ≥ 0, found -1');
    trainer.dispose();
    disposeGPT(m);
  });
});

describe('samplesMarkdown', () => {
  it('puts the samples one a line in one code block, breaking any fence inside them', () => {
    expect(samplesMarkdown(['anna', 'bob'])).toBe('```\nanna\nbob\n```');
    expect(samplesMarkdown(['a```b'])).toBe('```\na` ` `b\n```');
  });
});
