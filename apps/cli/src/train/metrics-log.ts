// metrics.jsonl: the full loss curve of a run, one JSON line per step ({"step","loss","lr"}) and per evaluation
// ({"step","val_loss"}), appended to the run folder (trainer_state.json keeps only a bounded history). Lines
// are held in memory and appended before each checkpoint is written (and whenever many are waiting), so the
// log is never behind a checkpoint. A resumed run first drops the lines after its checkpoint's step (a crash
// can leave some, and a torn last line) and writes those steps again, so the log equals an uninterrupted run's.
import { appendFile, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Progress } from '@microgpt/model';
import { writeFileAtomic } from '@microgpt/model/node';

/** The log's file name in a run folder. */
export const METRICS_FILE = 'metrics.jsonl';

/** Lines held before they are appended without waiting for a checkpoint. */
const MAX_PENDING = 1000;

/** An open metrics log. */
export interface MetricsLog {
  /** Records a training step. */
  step(progress: Progress): void;
  /** Records an evaluation. */
  evaluation(step: number, valLoss: number): void;
  /** Appends the lines held so far (call before writing a checkpoint, and at the end). */
  flush(): Promise<void>;
}

/** The lines of `text` that are whole JSON objects with a step at most `step` (a torn or later line is dropped). */
function linesUpTo(text: string, step: number): string {
  const kept: string[] = [];
  for (const line of text.split('\n')) {
    let record: unknown;
    try {
      record = JSON.parse(line);
    } catch {
      continue;
    }
    const at = (record as { step?: unknown } | null)?.step;
    if (typeof at === 'number' && at <= step) kept.push(`${line}\n`);
  }
  return kept.join('');
}

/**
 * Opens `dir`/metrics.jsonl: a new run starts it empty; a run resumed at `resume.step` from the folder
 * `resume.from` (the same folder or another) starts from that folder's log, cut after `resume.step`.
 */
export async function openMetricsLog(dir: string, resume: { from: string; step: number } | null): Promise<MetricsLog> {
  const path = join(dir, METRICS_FILE);
  const earlier = resume ? linesUpTo(await readFile(join(resume.from, METRICS_FILE), 'utf8').catch(() => ''), resume.step) : '';
  await writeFileAtomic(path, earlier);
  let pending: string[] = [];
  // Appends run one after the other, in order; a failure is kept and thrown by the next flush.
  let writing = Promise.resolve();
  let failure: Error | null = null;
  const append = (): void => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    writing = writing.then(() => appendFile(path, text)).catch((error: unknown) => {
      // Named after the file, keeping the system's code (ENOSPC…) for whoever reports it.
      failure ??= Object.assign(new Error(`cannot append to ${path}: ${error instanceof Error ? error.message : String(error)}`), { code: (error as { code?: unknown } | null)?.code });
    });
  };
  const add = (record: object): void => {
    pending.push(`${JSON.stringify(record)}\n`);
    if (pending.length >= MAX_PENDING) append();
  };
  const flush = async (): Promise<void> => {
    append();
    await writing;
    if (failure !== null) throw failure;
  };
  return {
    step: (p) => {
      add({ step: p.step, loss: p.loss, lr: p.lr });
    },
    evaluation: (step, valLoss) => {
      add({ step, val_loss: valLoss });
    },
    flush,
  };
}
