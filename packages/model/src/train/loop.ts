// The training loop around a Trainer: steps until done, evaluates and checkpoints on schedule, reports
// progress, and stops cleanly when asked (Ctrl-C in the CLI, the Stop button in the playground). It yields to
// the event loop every few milliseconds so signal handlers and worker messages get to run.
import type { StepReport, Trainer } from './trainer';

/** Progress of the run after a step. */
export interface Progress extends StepReport {
  /** Total steps of the run. */
  readonly steps: number;
  /** Tokens per second over the steps since the run (or resume) started. */
  readonly tokensPerSecond: number;
  /** Seconds since the run (or resume) started, excluding evaluations and checkpoints. */
  readonly elapsedSeconds: number;
}

/** Why a checkpoint is being written. */
export type CheckpointReason = 'every' | 'end' | 'interrupt';

/** Callbacks of {@link runTraining}; all optional. */
export interface TrainingHooks {
  /** After every step (the loop awaits a promise it returns before the next step: samples drawn here see this step's weights). */
  onStep?(progress: Progress): void | Promise<void>;
  /** After each evaluation (every evalEvery steps and at the end, when there is held-out data; awaited likewise). */
  onEval?(step: number, valLoss: number): void | Promise<void>;
  /** When a checkpoint is due: write the model, optimizer and trainer state (the loop awaits it). */
  onCheckpoint?(trainer: Trainer, reason: CheckpointReason): void | Promise<void>;
  /** Asked after every step: true ends the run after a checkpoint with reason 'interrupt'. */
  shouldStop?(): boolean;
}

/** How a run ended. */
export interface RunResult {
  /** Steps done in all (including those before a resume). */
  readonly step: number;
  /** True when `shouldStop` ended it before the last step. */
  readonly interrupted: boolean;
  /** Loss of the last step (NaN if no step ran). */
  readonly lastLoss: number;
  /** Last validation loss (NaN without held-out data). */
  readonly valLoss: number;
  /** Seconds spent in training steps. */
  readonly trainSeconds: number;
}

const YIELD_MS = 30;

/** Lets pending events (signals, worker messages) run. */
function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/**
 * Runs `trainer` from its current step to `settings.steps`.
 * @throws what `trainer.trainStep` throws (a NonFiniteLossError leaves the last checkpoint written as it was).
 */
export async function runTraining(trainer: Trainer, hooks: TrainingHooks = {}): Promise<RunResult> {
  const { steps, evalEvery, ckptEvery } = trainer.settings;
  let trainMs = 0;
  let tokens = 0;
  let lastLoss = NaN;
  let valLoss = NaN;
  let lastYield = performance.now();
  const evaluate = async (): Promise<void> => {
    const loss = await trainer.evaluate();
    if (Number.isNaN(loss)) return;
    valLoss = loss;
    trainer.recordEval(trainer.step, loss);
    await hooks.onEval?.(trainer.step, loss);
  };
  while (trainer.step < steps) {
    const t0 = performance.now();
    const report = await trainer.trainStep();
    trainMs += performance.now() - t0;
    tokens += report.tokens;
    lastLoss = report.loss;
    await hooks.onStep?.({ ...report, steps, tokensPerSecond: tokens / (trainMs / 1000), elapsedSeconds: trainMs / 1000 });
    const done = trainer.step === steps;
    if (done || (evalEvery > 0 && trainer.step % evalEvery === 0)) await evaluate();
    if (!done && hooks.shouldStop?.()) {
      await hooks.onCheckpoint?.(trainer, 'interrupt');
      return { step: trainer.step, interrupted: true, lastLoss, valLoss, trainSeconds: trainMs / 1000 };
    }
    if (!done && ckptEvery > 0 && trainer.step % ckptEvery === 0) await hooks.onCheckpoint?.(trainer, 'every');
    if (performance.now() - lastYield > YIELD_MS) {
      await yieldToEventLoop();
      lastYield = performance.now();
    }
  }
  await hooks.onCheckpoint?.(trainer, 'end');
  return { step: trainer.step, interrupted: false, lastLoss, valLoss, trainSeconds: trainMs / 1000 };
}
