// TensorBoard events gathered in memory as framed records, browser-safe: what an event file holds after its
// file_version event. The Node.js writer (event-writer.ts) appends them to a file; a browser can collect them
// into a Blob after `fileVersionEvent`.
import { type HParamValue, hparamsEvent, histogramsEvent, scalarsEvent, textEvent } from './events';
import { type Histogram, histogramOf } from './histogram';
import { concat } from './protobuf';

/** What can be recorded in an event file. */
export interface EventRecorder {
  /** Scalars at `step`, by tag (`train/loss`, `lr`, …). */
  readonly scalars: (step: number, scalars: Readonly<Record<string, number>>) => void;
  /** Histograms of the values at `step`, by tag (non-finite values are skipped and counted under `<tag>/non_finite`). */
  readonly histograms: (step: number, values: Readonly<Record<string, ArrayLike<number>>>) => void;
  /** Markdown text at `step` under `tag`. */
  readonly text: (step: number, tag: string, text: string) => void;
  /** The run's hyper-parameters (once, at the start). */
  readonly hparams: (values: Readonly<Record<string, HParamValue>>) => void;
}

/** Records kept in memory. */
export interface EventLog extends EventRecorder {
  /** The framed records added since the last call, back to back (empty when none), and forgets them. */
  readonly take: () => Uint8Array;
}

/**
 * An empty event log.
 * @param now seconds since the epoch (wall_time of each event); default the clock.
 */
export function createEventLog(now: () => number = () => Date.now() / 1000): EventLog {
  let pending: Uint8Array[] = [];
  return {
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
    take: () => {
      const bytes = concat(pending);
      pending = [];
      return bytes;
    },
  };
}
