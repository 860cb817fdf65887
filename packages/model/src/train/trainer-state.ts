// Checking what a checkpoint holds for resuming before a trainer is restored from it: trainer_state.json (read
// from JSON, so it may hold anything) field by field, and optimizer.safetensors against the trainer's
// optimizer. Every problem is a CheckpointError naming the file, the field, what was expected and what was found.
import type { OptimizerState } from '@microgpt/autograd';
import { PythonRandom, type PythonRandomState } from '@microgpt/tensor';
import { CHECKPOINT_FILES } from '../checkpoint/bundle';
import { CheckpointError } from '../checkpoint/errors';
import { isPlainObject, ownField, showValue } from '../checkpoint/file-check';
import { OPTIMIZER_FILE } from '../checkpoint/optimizer-file';
import { TRAIN_SETTING_NAMES, type TrainSettings, trainSettingsProblem } from './settings';
import type { TrainerState } from './trainer';

/** Options of {@link checkTrainerState} and {@link checkOptimizerState}. */
export interface StateCheckOptions {
  /** How a file is named in messages, from its name in the folder (default: the name; the CLI gives its path). */
  readonly name?: (file: string) => string;
}

const TRAINER_FILE = CHECKPOINT_FILES.trainerState;
const OPTIMIZER_FIELD = '__metadata__.optimizer';

/** Throws `<file>: <field>: <message>` (no field for the whole file) with details naming the file and field. */
function failer(file: string, options: StateCheckOptions): (field: string | null, message: string) => never {
  const label = options.name?.(file) ?? file;
  return (field, message) => {
    throw new CheckpointError(`${label}: ${field === null ? '' : `${field}: `}${message}`, { part: file, ...(field === null ? {} : { field }) });
  };
}

type Fail = ReturnType<typeof failer>;

const isCount = (value: unknown, min: number): value is number => typeof value === 'number' && Number.isSafeInteger(value) && value >= min;

/** Checks a [step, loss] series: pairs of an integer step in [1, last] and a finite loss, steps increasing. */
function checkSeries(value: unknown, field: string, last: number, fail: Fail): void {
  if (!Array.isArray(value)) fail(field, `expected an array of [step, loss] pairs, found ${showValue(value)}`);
  let previous = 0;
  for (let i = 0; i < value.length; i++) {
    const point: unknown = value[i];
    const ok = Array.isArray(point) && point.length === 2 && isCount(point[0], previous + 1) && point[0] <= last && typeof point[1] === 'number' && Number.isFinite(point[1]);
    if (!ok) fail(`${field}[${i}]`, `expected [step, loss] with step in [${previous + 1}, ${last}] (after the previous point, at most the state's step) and a finite loss, found ${showValue(point)}`);
    previous = (point as [number, number])[0];
  }
}

/** Checks the loader position for the package's loaders: a document index, or a stream's generator state. */
function checkLoader(value: unknown, data: TrainSettings['data'], fail: Fail): void {
  if (data === 'documents') {
    if (!isCount(value, 0)) fail('loader', `expected the position of the documents loader (an integer ≥ 0; settings.data is "documents"), found ${showValue(value)}`);
    return;
  }
  try {
    new PythonRandom(0).setstate(value as PythonRandomState);
  } catch (error) {
    fail('loader', `expected the stream loader's generator state (settings.data is "stream"): ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** The `settings` of a trainer state, checked: every field valid and no other. */
function settingsIn(settings: unknown, fail: Fail): TrainSettings {
  if (!isPlainObject(settings)) fail('settings', `expected an object of training settings, found ${showValue(settings)}`);
  const unknown = Object.keys(settings).find((key) => !(TRAIN_SETTING_NAMES as readonly string[]).includes(key));
  if (unknown !== undefined) fail(`settings.${unknown}`, `not a training setting (known: ${TRAIN_SETTING_NAMES.join(', ')})`);
  const problem = trainSettingsProblem(settings as unknown as TrainSettings);
  if (problem) fail(`settings.${problem.field}`, `expected ${problem.expected}, found ${showValue(ownField(settings, problem.field))}`);
  return settings as unknown as TrainSettings;
}

/**
 * Checks the `settings` field of a trainer state read from trainer_state.json, alone (what evaluation needs to
 * split the data as the run did): every field of TrainSettings valid and no other.
 * @returns `settings`, typed.
 * @throws CheckpointError naming trainer_state.json and the setting, with expected and found.
 */
export function checkSavedSettings(settings: unknown, options: StateCheckOptions = {}): TrainSettings {
  return settingsIn(settings, failer(TRAINER_FILE, options));
}

/**
 * Checks a trainer state read from trainer_state.json (as `trainer.state()` saved it, for the package's
 * `documentLoader` or `streamLoader`): `step` an integer in [0, settings.steps]; `settings` every field of
 * TrainSettings valid (`validateTrainSettings`' rules) and no other; `loader` a document position (documents)
 * or a PythonRandom state (stream); `history.train` and `history.val` [step, loss] pairs with increasing steps
 * up to `step` and finite losses. Other top-level fields (the CLI's `backend`, `threads`) are left to the caller.
 * @returns `value`, typed.
 * @throws CheckpointError naming trainer_state.json (details.part) and the field, with expected and found.
 */
export function checkTrainerState(value: unknown, options: StateCheckOptions = {}): TrainerState {
  const fail: Fail = failer(TRAINER_FILE, options);
  if (!isPlainObject(value)) fail(null, `expected a JSON object, found ${showValue(value)}`);
  const valid = settingsIn(ownField(value, 'settings'), fail);
  const step = ownField(value, 'step');
  if (!isCount(step, 0) || step > valid.steps) fail('step', `expected an integer in [0, ${valid.steps}] (settings.steps), found ${showValue(step)}`);
  checkLoader(ownField(value, 'loader'), valid.data, fail);
  const history = ownField(value, 'history');
  if (!isPlainObject(history)) fail('history', `expected an object with train and val loss series, found ${showValue(history)}`);
  for (const split of ['train', 'val']) checkSeries(ownField(history, split), `history.${split}`, step, fail);
  return value as unknown as TrainerState;
}

/** The buffers and parameter groups of the trainer's optimizers (nanoGPT's AdamW: decayed and not decayed). */
const OPTIMIZER_LAYOUT: Readonly<Record<TrainSettings['optimizer'], { buffers: readonly string[]; groups: number }>> = {
  adam: { buffers: ['m', 'v'], groups: 1 },
  adamw: { buffers: ['m', 'v'], groups: 2 },
};

/**
 * Checks an optimizer state read from optimizer.safetensors against the trainer a checked `trainerState`
 * describes: the same kind as settings.optimizer, the same step, Adam's hyperparameters (beta1, beta2 in
 * [0, 1), eps finite ≥ 0), one weight decay per parameter group, and buffers `m` and `v`.
 * @throws CheckpointError naming optimizer.safetensors (details.part) and the field, with expected and found.
 */
export function checkOptimizerState(state: OptimizerState, trainerState: TrainerState, options: StateCheckOptions = {}): void {
  const fail: Fail = failer(OPTIMIZER_FILE, options);
  const trainerFile = options.name?.(TRAINER_FILE) ?? TRAINER_FILE;
  const kind = trainerState.settings.optimizer;
  if (state.kind !== kind) fail(`${OPTIMIZER_FIELD}.kind`, `expected "${kind}" (settings.optimizer in ${trainerFile}), found ${showValue(state.kind)}: the optimizer state comes from another run`);
  if (state.step !== trainerState.step) fail(`${OPTIMIZER_FIELD}.step`, `expected ${trainerState.step} (step in ${trainerFile}), found ${state.step}: the files come from different checkpoints`);
  const hyper = state.hyper as Record<string, unknown>;
  for (const name of ['beta1', 'beta2']) {
    const beta = ownField(hyper, name);
    if (!(typeof beta === 'number' && beta >= 0 && beta < 1)) fail(`${OPTIMIZER_FIELD}.hyper.${name}`, `expected a number in [0, 1) (${kind}), found ${showValue(beta)}`);
  }
  const eps = ownField(hyper, 'eps');
  if (!(typeof eps === 'number' && Number.isFinite(eps) && eps >= 0)) fail(`${OPTIMIZER_FIELD}.hyper.eps`, `expected a finite number ≥ 0 (${kind}), found ${showValue(eps)}`);
  const layout = OPTIMIZER_LAYOUT[kind];
  if (state.weightDecay.length !== layout.groups) fail(`${OPTIMIZER_FIELD}.weightDecay`, `expected ${layout.groups} value${layout.groups > 1 ? 's' : ''} (${kind}'s parameter groups), found ${state.weightDecay.length}`);
  for (const entry of Object.values(state.params)) {
    const names = Object.keys(entry.buffers);
    const same = names.length === layout.buffers.length && layout.buffers.every((b) => names.includes(b));
    if (!same) fail(`${OPTIMIZER_FIELD}.buffers`, `expected ${showValue(layout.buffers)} (${kind}), found ${showValue(names)}`);
  }
}
