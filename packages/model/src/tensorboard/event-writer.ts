// A TensorBoard event file on disk (Node.js only): `events.out.tfevents.<seconds>.<host>.<pid>.<n>` in a run's
// folder, opened with its file_version event, appended to as records are added and flushed on demand. A
// resumed run opens a new file; TensorBoard reads the files of a folder in order and drops the steps a restart
// repeats.
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { type HParamValue, fileVersionEvent, hparamsEvent, histogramsEvent, scalarsEvent, textEvent } from './events';
import { type Histogram, histogramOf } from './histogram';
import { concat } from './protobuf';

/** An open event file. Records are kept in memory until `flush`. */
export interface EventWriter {
  /** The file's path. */
  readonly path: string;
  /** Scalars at `step`, by tag (`train/loss`, `lr`, …). */
  scalars(step: number, scalars: Readonly<Record<string, number>>): void;
  /** Histograms of the values at `step`, by tag (non-finite values are skipped and counted under `<tag>/non_finite`). */
  histograms(step: number, values: Readonly<Record<string, ArrayLike<number>>>): void;
  /** Markdown text at `step` under `tag`. */
  text(step: number, tag: string, text: string): void;
  /** The run's hyper-parameters (once, at the start). */
  hparams(values: Readonly<Record<string, HParamValue>>): void;
  /** Appends what was added since the last flush. */
  flush(): Promise<void>;
}

let fileCount = 0;

/**
 * Creates folder `dir` if needed and a new event file in it, opened with its file_version event.
 * @param now seconds since the epoch (wall_time of each event); default the clock.
 * @throws the file-system error when the folder or file cannot be written.
 */
export async function createEventWriter(dir: string, now: () => number = () => Date.now() / 1000): Promise<EventWriter> {
  await mkdir(dir, { recursive: true });
  const path = join(dir, `events.out.tfevents.${Math.floor(now())}.${hostname()}.${process.pid}.${fileCount++}`);
  await writeFile(path, fileVersionEvent(now()), { flag: 'wx' });
  let pending: Uint8Array[] = [];
  return {
    path,
    scalars: (step, scalars) => pending.push(scalarsEvent(now(), step, scalars)),
    histograms: (step, values) => {
      const histograms: Record<string, Histogram> = {};
      const nonFinite: Record<string, number> = {};
      for (const [tag, data] of Object.entries(values)) {
        const histogram = histogramOf(data);
        histograms[tag] = histogram;
        if (histogram.nonFinite > 0) nonFinite[`${tag}/non_finite`] = histogram.nonFinite;
      }
      pending.push(histogramsEvent(now(), step, histograms));
      if (Object.keys(nonFinite).length > 0) pending.push(scalarsEvent(now(), step, nonFinite));
    },
    text: (step, tag, text) => pending.push(textEvent(now(), step, tag, text)),
    hparams: (values) => pending.push(hparamsEvent(now(), values)),
    flush: async () => {
      if (pending.length === 0) return;
      const bytes = concat(pending);
      pending = [];
      await appendFile(path, bytes);
    },
  };
}
