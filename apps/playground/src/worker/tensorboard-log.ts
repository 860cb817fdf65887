// The run's TensorBoard event file, kept in the worker's memory: the model package's tensorboard hooks (the ones
// `microgpt train --tensorboard` uses) record scalars every step, histograms of every weight and gradient a tenth
// of the run apart, the samples as text and the hyper-parameters; `file()` hands out the whole file so far. About
// 130 bytes a step plus the histograms: 13 MB for the page's longest run (100,000 steps).
import { type EventSink, type HParamValue, type TensorBoardHooks, type Trainer, createEventLog, fileVersionEvent, samplesMarkdown, tensorboardHooks } from '@microgpt/model';

/** A run's event recording. */
export interface RunEvents {
  /** Call from the training loop's onStep and onEval. */
  readonly hooks: Pick<TensorBoardHooks, 'onStep' | 'onEval'>;
  /** Records samples drawn at `step` as the `samples` text. */
  samples(step: number, texts: readonly string[]): void;
  /** The event file so far: its name (`events.out.tfevents.<seconds>.microgpt-playground`) and bytes. */
  file(): Promise<{ name: string; bytes: Uint8Array }>;
  /** Removes the hooks' gradient tap from the trainer. */
  close(): Promise<void>;
}

/**
 * Starts recording `trainer`'s run: the hyper-parameters at once (the model's config, the settings, and `hparams`),
 * then whatever the hooks are given.
 * @param now seconds since the epoch (each event's wall_time; the file name's seconds); default the clock.
 */
export function recordRunEvents(trainer: Trainer, hparams: Readonly<Record<string, HParamValue>>, now: () => number = () => Date.now() / 1000): RunEvents {
  const opened = now();
  const log = createEventLog(now);
  const chunks: Uint8Array[] = [fileVersionEvent(opened)];
  const sink: EventSink = {
    scalars: log.scalars,
    histograms: log.histograms,
    text: log.text,
    hparams: log.hparams,
    flush: () => {
      const bytes = log.take();
      if (bytes.length > 0) chunks.push(bytes);
      return Promise.resolve();
    },
  };
  const histogramEvery = Math.max(1, Math.round(trainer.settings.steps / 10));
  const hooks = tensorboardHooks(trainer, sink, { histogramEvery, hparams });
  return {
    hooks,
    samples: (step, texts) => {
      hooks.text(step, 'samples', samplesMarkdown(texts));
    },
    async file() {
      await sink.flush();
      const bytes = new Uint8Array(await new Blob(chunks as BlobPart[]).arrayBuffer());
      return { name: `events.out.tfevents.${Math.floor(opened)}.microgpt-playground`, bytes };
    },
    close: () => hooks.close(),
  };
}
