// `microgpt train --tensorboard DIR`: the run's TensorBoard event file (a new one each run or resume) and the
// hooks that fill it; the samples drawn at the end go in as text.
import { type TensorBoardHooks, tensorboardHooks } from '@microgpt/model';
import { createEventWriter } from '@microgpt/model/node';
import { runtimeError } from '../errors';
import type { TrainingRun } from './setup';

/**
 * Opens an event file in `dir` and hooks it to `run`'s trainer: histograms every `every` steps (default a tenth
 * of the run), the preset, data, backend and threads among the hyper-parameters.
 * @throws {CliError} (exit 1) when the folder or file cannot be written.
 */
export async function openTensorBoard(dir: string, run: TrainingRun, every: number | undefined): Promise<TensorBoardHooks> {
  let writer;
  try {
    writer = await createEventWriter(dir);
  } catch (error) {
    throw runtimeError(`--tensorboard ${dir}: cannot write an event file there (${(error as Error).message})`, 'give --tensorboard a folder you can write to');
  }
  const histogramEvery = every ?? Math.max(1, Math.round(run.trainer.settings.steps / 10));
  return tensorboardHooks(run.trainer, writer, { histogramEvery, hparams: { preset: run.preset, data: run.dataSource, backend: run.compute.backend, threads: run.compute.threads } });
}
