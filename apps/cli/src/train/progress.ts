// How a run shows its progress: a progress bar on a terminal (cli-progress), plain periodic lines when piped,
// JSON lines with --json, nothing with --quiet.
import type { Progress } from '@microgpt/model';
import type CliProgress from 'cli-progress';
import type { Output } from '../output';

/**
 * cli-progress, loaded when a terminal run draws its bar: piped, --json and --quiet runs never need it, and loading
 * it costs every command's start-up (about 10 ms of CPU, measured beside commander alone). A dynamic import, which
 * the bundler keeps lazy when it inlines the package.
 */
async function loadCliProgress(): Promise<typeof CliProgress> {
  return (await import('cli-progress')).default;
}

/** Receives the run's events. */
export interface Reporter {
  step(progress: Progress): void;
  evaluation(step: number, valLoss: number): void;
  /** A line between updates (checkpoint written, interrupt received). */
  message(text: string): void;
  /** Ends the bar before the summary is printed. */
  finish(): void;
}

const formatRate = (tokensPerSecond: number): string => (tokensPerSecond >= 1e3 ? `${(tokensPerSecond / 1e3).toFixed(1)}k` : tokensPerSecond.toFixed(0));

/** `step 300/3000 | loss 2.3456 | lr 1.00e-2 | batch 4,096 tok | 251.2k tok/s | 1.2 s` (the batch: targets of the step, every micro-batch). */
export function progressLine(p: Progress): string {
  const width = String(p.steps).length;
  return `step ${String(p.step).padStart(width)}/${p.steps} | loss ${p.loss.toFixed(4)} | lr ${p.lr.toExponential(2)} | batch ${p.tokens.toLocaleString('en-US')} tok | ${formatRate(p.tokensPerSecond)} tok/s | ${p.elapsedSeconds.toFixed(1)} s`;
}

/**
 * A reporter for `out`; `logEvery` is the interval of plain and JSON lines (the last step is always logged).
 */
export async function createReporter(out: Output, startStep: number, totalSteps: number, logEvery: number): Promise<Reporter> {
  const logged = (p: Progress): boolean => p.step % logEvery === 0 || p.step === p.steps;
  if (out.json) {
    return {
      step: (p) => {
        if (logged(p)) out.record({ step: p.step, loss: p.loss, lr: p.lr, batch_tokens: p.tokens, tokens_per_s: Math.round(p.tokensPerSecond) });
      },
      evaluation: (step, valLoss) => {
        out.record({ step, val_loss: valLoss });
      },
      message: out.note,
      finish: () => undefined,
    };
  }
  if (!out.interactive) {
    return {
      step: (p) => {
        if (logged(p)) out.info(progressLine(p));
      },
      evaluation: (step, valLoss) => {
        out.info(`step ${step}: val loss ${valLoss.toFixed(4)}`);
      },
      message: out.note,
      finish: () => undefined,
    };
  }
  const cliProgress = await loadCliProgress();
  const bars = new cliProgress.MultiBar(
    {
      format: 'step {value}/{total} |{bar}| loss {loss} | lr {lr} | batch {batch} tok | {rate} tok/s | ETA {eta_formatted}',
      barsize: 24,
      hideCursor: true,
      clearOnComplete: false,
      etaBuffer: 50,
      stream: process.stderr,
    },
    cliProgress.Presets.shades_classic,
  );
  const bar = bars.create(totalSteps, startStep, { loss: '-', lr: '-', batch: '-', rate: '-' });
  return {
    step: (p) => {
      bar.update(p.step, { loss: p.loss.toFixed(4), lr: p.lr.toExponential(2), batch: p.tokens.toLocaleString('en-US'), rate: formatRate(p.tokensPerSecond) });
    },
    evaluation: (step, valLoss) => {
      bars.log(`step ${step}: val loss ${valLoss.toFixed(4)}\n`);
    },
    message: (text) => {
      bars.log(`${text}\n`);
    },
    finish: () => {
      bars.stop();
    },
  };
}
