// trainer_state.json and optimizer.safetensors as a resumed run reads them: a state saved by a real trainer
// passes; every wrong or missing field fails with a CheckpointError naming the file and the field.
import type { OptimizerState } from '@microgpt/autograd';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkpointErrorOf } from '../checkpoint/test-checkpoint';
import { documentIds } from '../data/documents';
import { documentLoader, streamLoader } from '../data/loaders';
import { memoryTokenSource } from '../data/source';
import { ModelError } from '../errors';
import { type GPT, createGPT, disposeGPT } from '../gpt/model';
import { DEFAULT_TRAIN, type TrainSettings } from './settings';
import { type Trainer, type TrainerState, createTrainer } from './trainer';
import { checkOptimizerState, checkSavedSettings, checkTrainerState } from './trainer-state';

const TEXT = 'ava\nbob\ncyd\ndan\neve\nfay\ngus\nhal\nivy\njon\nkim\nlou\n';
const CHARS = [...new Set(TEXT.replaceAll('\n', ''))].sort();
const BOS = CHARS.length;
const V = CHARS.length + 1;
const encode = (text: string): number[] => Array.from(text, (ch) => CHARS.indexOf(ch));
const SETTINGS: TrainSettings = { ...DEFAULT_TRAIN, steps: 6, batchSize: 2, optimizer: 'adamw', weightDecay: 0.1, schedule: 'cosine', warmupSteps: 2, valFraction: 0.2, dtype: 'float64' };

let model: GPT;
let trainer: Trainer;
/** A stream run's state, and a documents run's state and optimizer state, as JSON would give them back. */
let stream: TrainerState;
let docs: TrainerState;
let optimizer: OptimizerState;

beforeAll(async () => {
  model = createGPT({ vocabSize: V, blockSize: 4, nEmbd: 8, nHead: 2 }, { seed: 1, dtype: 'float64', backend: 'js' });
  const ids = memoryTokenSource(documentIds(TEXT, encode, BOS), V);
  const options = { blockSize: 4, batchSize: 2, seed: 3, valFraction: 0.2 };
  const streamTrainer = createTrainer({ model, settings: { ...SETTINGS, data: 'stream' }, train: streamLoader(memoryTokenSource(encode(TEXT.replaceAll('\n', '')), V), options) });
  await streamTrainer.trainStep();
  stream = JSON.parse(JSON.stringify(streamTrainer.state())) as TrainerState;
  streamTrainer.dispose();
  const loader = documentLoader(ids, { ...options, bos: BOS });
  trainer = createTrainer({ model, settings: SETTINGS, train: loader, val: () => loader.evalBatches(1) });
  for (let i = 0; i < 3; i++) await trainer.trainStep();
  trainer.recordEval(3, await trainer.evaluate());
  docs = JSON.parse(JSON.stringify(trainer.state())) as TrainerState;
  optimizer = await trainer.optimizerState();
});
afterAll(() => {
  trainer.dispose();
  disposeGPT(model);
});

/** A copy of the documents state with `edit` applied to its JSON. */
/** trainer_state.json as loosely typed as a file. */
interface StateJson {
  [key: string]: unknown;
  settings?: Record<string, unknown>;
  history?: Record<string, unknown>;
}

function edited(edit: (json: StateJson) => void): unknown {
  const json = JSON.parse(JSON.stringify(docs)) as StateJson;
  edit(json);
  return json;
}

describe('checkTrainerState', () => {
  it('accepts what trainers save (documents and stream loaders), keeping extra fields', () => {
    expect(checkTrainerState(docs)).toBe(docs);
    expect(checkTrainerState(stream)).toBe(stream);
    const withCompute = { ...docs, backend: 'wasm', threads: 2 };
    expect(checkTrainerState(withCompute)).toBe(withCompute);
  });

  it('names trainer_state.json and the field, with expected and found', () => {
    const cases: [unknown, string][] = [
      [[1], 'trainer_state.json: expected a JSON object, found [1]'],
      [edited((j) => delete j.settings), 'trainer_state.json: settings: expected an object of training settings, found nothing'],
      [edited((j) => (j.settings!.lr = '0.01')), 'trainer_state.json: settings.lr: expected a finite number ≥ 0, found "0.01"'],
      [edited((j) => (j.settings!.beta1 = '0.5')), 'trainer_state.json: settings.beta1: expected a number in [0, 1), found "0.5"'],
      [edited((j) => delete j.settings!.batchSize), 'trainer_state.json: settings.batchSize: expected an integer ≥ 1, found nothing'],
      [edited((j) => (j.settings!.optimizer = 'sgd')), "trainer_state.json: settings.optimizer: expected 'adam' or 'adamw', found \"sgd\""],
      [edited((j) => (j.settings!.warmupSteps = 9)), 'trainer_state.json: settings.warmupSteps: expected less than steps (6), found 9'],
      [edited((j) => (j.settings!.lrr = 1)), 'trainer_state.json: settings.lrr: not a training setting (known: steps, batchSize,'],
      [edited((j) => delete j.step), 'trainer_state.json: step: expected an integer in [0, 6] (settings.steps), found nothing'],
      [edited((j) => (j.step = 7)), 'trainer_state.json: step: expected an integer in [0, 6] (settings.steps), found 7'],
      [edited((j) => (j.step = 2.5)), 'found 2.5'],
      [edited((j) => (j.loader = 'x')), 'trainer_state.json: loader: expected the position of the documents loader (an integer ≥ 0; settings.data is "documents"), found "x"'],
      [{ ...stream, loader: { version: 3, words: [1, 2], index: 0, gaussNext: null } }, 'trainer_state.json: loader: expected the stream loader\'s generator state (settings.data is "stream"): setstate: expected 624 state words, got 2'],
      [edited((j) => delete j.history), 'trainer_state.json: history: expected an object with train and val loss series, found nothing'],
      [edited((j) => (j.history!.train = {})), 'trainer_state.json: history.train: expected an array of [step, loss] pairs, found {}'],
      [edited((j) => ((j.history!.train as unknown[])[1] = [1, 2])), 'trainer_state.json: history.train[1]: expected [step, loss] with step in [2, 3]'],
      [edited((j) => ((j.history!.val as unknown[])[0] = [3, null])), 'trainer_state.json: history.val[0]: expected [step, loss] with step in [1, 3] (after the previous point, at most the state\'s step) and a finite loss, found [3,null]'],
      [edited((j) => ((j.history!.val as unknown[])[0] = [4, 1])), 'history.val[0]'],
    ];
    for (const [state, message] of cases) {
      const error = checkpointErrorOf(() => checkTrainerState(state));
      expect(error.message).toContain(message);
      expect(error.message.startsWith('trainer_state.json: ')).toBe(true);
      expect(error.details.part).toBe('trainer_state.json');
    }
    expect(checkpointErrorOf(() => checkTrainerState(edited((j) => (j.step = -1)))).details.field).toBe('step');
  });

  it('checkSavedSettings checks the settings alone, with the same messages', () => {
    expect(checkSavedSettings(docs.settings)).toBe(docs.settings);
    expect(checkpointErrorOf(() => checkSavedSettings({ ...docs.settings, seed: 'x' })).message).toBe('trainer_state.json: settings.seed: expected an integer ≥ 0, found "x"');
    expect(checkpointErrorOf(() => checkSavedSettings(7, { name: (f) => `d/${f}` })).message).toBe('d/trainer_state.json: settings: expected an object of training settings, found 7');
  });

  it('names the file as the caller says (a path)', () => {
    const error = checkpointErrorOf(() => checkTrainerState(edited((j) => (j.step = -1)), { name: (file) => `/runs/x/${file}` }));
    expect(error.message).toBe('/runs/x/trainer_state.json: step: expected an integer in [0, 6] (settings.steps), found -1');
  });
});

describe('checkOptimizerState', () => {
  it('accepts the optimizer state of the same run', () => {
    expect(() => {
      checkOptimizerState(optimizer, docs);
    }).not.toThrow();
  });

  it('names optimizer.safetensors and both kinds for a state of another optimizer', () => {
    const sgd = { ...optimizer, kind: 'sgd', hyper: { momentum: 0 }, weightDecay: [0] };
    const error = checkpointErrorOf(() => {
      checkOptimizerState(sgd, docs, { name: (file) => `runs/x/${file}` });
    });
    expect(error.message).toBe('runs/x/optimizer.safetensors: __metadata__.optimizer.kind: expected "adamw" (settings.optimizer in runs/x/trainer_state.json), found "sgd": the optimizer state comes from another run');
    expect(error.details).toEqual({ part: 'optimizer.safetensors', field: '__metadata__.optimizer.kind' });
    const adam = { ...docs, settings: { ...docs.settings, optimizer: 'adam' as const } };
    expect(checkpointErrorOf(() => {
      checkOptimizerState(optimizer, adam);
    }).message).toMatch(/kind: expected "adam" .* found "adamw"/);
  });

  it('refuses another step, bad hyperparameters, group count or buffers', () => {
    const wte = optimizer.params.wte!;
    const cases: [OptimizerState, RegExp][] = [
      [{ ...optimizer, step: 2 }, /optimizer\.step: expected 3 \(step in trainer_state\.json\), found 2: the files come from different checkpoints/],
      [{ ...optimizer, hyper: { beta1: 0.9, eps: 1e-8 } }, /optimizer\.hyper\.beta2: expected a number in \[0, 1\) \(adamw\), found nothing/],
      [{ ...optimizer, hyper: { beta1: 0.9, beta2: 0.99, eps: -1 } }, /optimizer\.hyper\.eps: expected a finite number ≥ 0 \(adamw\), found -1/],
      [{ ...optimizer, weightDecay: [0.1] }, /optimizer\.weightDecay: expected 2 values \(adamw's parameter groups\), found 1/],
      [{ ...optimizer, params: { wte: { ...wte, buffers: { momentum: wte.buffers.m! } } } }, /optimizer\.buffers: expected \["m","v"\] \(adamw\), found \["momentum"\]/],
    ];
    for (const [state, pattern] of cases) {
      const error = checkpointErrorOf(() => {
        checkOptimizerState(state, docs);
      });
      expect(error.message).toMatch(/^optimizer\.safetensors: __metadata__\./);
      expect(error.message).toMatch(pattern);
    }
  });

  it('trainer.restore itself refuses another optimizer with a ModelError naming both kinds', () => {
    const other = createTrainer({ model, settings: SETTINGS, train: documentLoader(memoryTokenSource(documentIds(TEXT, encode, BOS), V), { blockSize: 4, batchSize: 2, seed: 3, valFraction: 0.2, bos: BOS }) });
    expect(() => {
      other.restore(docs, { ...optimizer, kind: 'adam' });
    }).toThrow(new ModelError('resume: the optimizer state was saved by adam, this trainer uses adamw'));
    expect(() => {
      other.restore(docs, { ...optimizer, weightDecay: [0.1] });
    }).toThrow(/^resume: the adamw optimizer state does not fit this trainer's adamw: adamw\.loadState: state has 1 parameter groups, this optimizer has 2$/);
    other.dispose();
  });
});
