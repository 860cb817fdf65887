// What `--resume DIR` reads from the checkpoint besides the weights, checked before it is used: the backend and
// thread count the run computed with, trainer_state.json and optimizer.safetensors (by the model package), the
// settings once the flags that may change (--steps, --eval-every, --ckpt-every) are applied, and the data
// position. Each message says which file and field, or which saved setting and which flag, are at fault.
import { join } from 'node:path';
import { type Checkpoint, DataError, type Trainer, type TrainerState, type TrainSettings, checkOptimizerState, checkTrainerState, trainSettingsProblem } from '@microgpt/model';
import { describeCheckpoint } from '@microgpt/model/node';
import type { Backend } from '@microgpt/tensor';
import { BACKENDS, type BackendName, backendName, setComputeThreads, startCompute } from '../compute';
import { runtimeError, usageError } from '../errors';
import type { Compute, TrainFlags } from './setup';

const TRAINER_STATE = 'trainer_state.json';

/**
 * The `backend` and `threads` fields the CLI saves in trainer_state.json, checked unless a flag overrides them
 * (absent or overridden fields are undefined).
 * @throws CliError naming the file and field for an unknown backend or a thread count that is not an integer ≥ 1.
 */
function computeFields(state: Readonly<Record<string, unknown>>, explicit: ReadonlySet<string>, file: string): { backend?: BackendName; threads?: number } {
  const backend = explicit.has('backend') ? undefined : state.backend;
  const threads = explicit.has('threads') ? undefined : state.threads;
  if (backend !== undefined && !(BACKENDS as readonly unknown[]).includes(backend)) {
    throw runtimeError(`${file}: backend: expected one of ${BACKENDS.join(', ')} (the backends the CLI runs on), found ${JSON.stringify(backend)}`, `give --backend ${BACKENDS.join(', ').replace(/, (\w+)$/, ' or $1')} to resume on one of them`);
  }
  if (threads !== undefined && !(typeof threads === 'number' && Number.isSafeInteger(threads) && threads >= 1)) {
    throw runtimeError(`${file}: threads: expected an integer ≥ 1, found ${JSON.stringify(threads)}`, 'give --threads N to resume with another count');
  }
  return { ...(backend === undefined ? {} : { backend: backend as BackendName }), ...(threads === undefined ? {} : { threads }) };
}

/**
 * Starts the backend a checkpoint was trained with, with its thread count (saved in trainer_state.json), unless
 * the flags name others: results are bit for bit the same only on the same backend and thread count. A saved
 * value that cannot be used is reported as the file's, not as a flag the user did not give. `note` reports where
 * `--backend auto` fell back to wasm.
 * @throws CliError naming trainer_state.json and the field for an unknown backend or an unusable thread count.
 */
export async function startResumeCompute(dir: string, flags: TrainFlags, explicit: ReadonlySet<string>, note: (line: string) => void): Promise<{ backend: Backend; compute: Compute }> {
  const file = join(dir, TRAINER_STATE);
  const fields = (await describeCheckpoint(dir)).trainerState ?? {};
  const saved = computeFields(fields, explicit, file);
  const backend = saved.backend ?? flags.backend;
  const useSaved = saved.threads !== undefined && backend === fields.backend;
  if (!useSaved) {
    const started = await startCompute(backend, flags.threads, note);
    return { backend: started, compute: { backend: backendName(started), threads: flags.threads } };
  }
  const threads = saved.threads!;
  const cannot = (why: string): Error => runtimeError(`${file}: threads: the saved thread count ${threads} cannot be used: ${why}`, 'give --threads N to resume with another count (results then differ in the last bits)');
  if (backend === 'js' && threads > 1) throw cannot('the js backend has one thread');
  const started = await startCompute(backend, 1, note);
  try {
    await setComputeThreads(started, threads);
  } catch (error) {
    throw cannot((error as Error).message);
  }
  return { backend: started, compute: { backend: backendName(started), threads } };
}

/**
 * Checks a checkpoint loaded with its training state: trainer_state.json field by field (and the CLI's
 * backend and threads fields, unless the flags override them), and optimizer.safetensors against its settings
 * (the same optimizer, step, hyperparameters and buffers).
 * @throws CheckpointError or CliError whose message starts with the file's path, then the field.
 */
export function checkResumeState(dir: string, checkpoint: Checkpoint, explicit: ReadonlySet<string>): TrainerState {
  const name = (file: string): string => join(dir, file);
  const state = checkTrainerState(checkpoint.trainerState, { name });
  computeFields(state as unknown as Record<string, unknown>, explicit, name(TRAINER_STATE));
  if (checkpoint.optimizer) checkOptimizerState(checkpoint.optimizer, state, { name });
  return state;
}

/**
 * The saved settings with the flags a resumed run may change (--steps, --eval-every, --ckpt-every). A conflict
 * between a flag and a saved setting (a cosine warmup longer than the new --steps) names both.
 * @throws CliError (usage) for --steps before the checkpoint's step or a flag that conflicts with a saved setting.
 */
export function resumeSettings(dir: string, state: TrainerState, flags: TrainFlags): TrainSettings {
  const saved = state.settings;
  const steps = flags.steps ?? saved.steps;
  if (steps < state.step) throw usageError(`--steps ${steps} is before the checkpoint's step ${state.step}`);
  const settings: TrainSettings = { ...saved, steps, evalEvery: flags.evalEvery ?? saved.evalEvery, ckptEvery: flags.ckptEvery ?? saved.ckptEvery };
  const problem = trainSettingsProblem(settings);
  if (problem === null) return settings;
  const file = join(dir, TRAINER_STATE);
  if (problem.field === 'warmupSteps') {
    throw usageError(
      `--steps ${steps} conflicts with the saved run's warmup of ${saved.warmupSteps} steps (settings.warmupSteps in ${file}): its cosine schedule needs more steps than warmup steps`,
      `give --steps ${saved.warmupSteps + 1} or more, or start a new run with --out DIR (a new run's warmup scales with --steps)`,
    );
  }
  throw usageError(`the flags conflict with the saved settings in ${file}: ${problem.field} must be ${problem.expected}, found ${JSON.stringify(settings[problem.field])}`, 'start a new run with --out DIR to change the settings');
}

/**
 * Restores `trainer` from the checked state; a data position that the data cannot have (other data than the
 * run trained on) is reported with the file and the data.
 * @throws CliError naming trainer_state.json's loader field and the data.
 */
export function restoreTrainer(trainer: Trainer, state: TrainerState, checkpoint: Checkpoint, dir: string, dataSource: string): void {
  try {
    trainer.restore({ ...state, settings: trainer.settings }, checkpoint.optimizer ?? null);
  } catch (error) {
    if (!(error instanceof DataError)) throw error;
    throw runtimeError(`${join(dir, TRAINER_STATE)}: loader: ${error.message} (the data: ${dataSource})`, 'resume with the data the run was trained on (--data)');
  }
}
