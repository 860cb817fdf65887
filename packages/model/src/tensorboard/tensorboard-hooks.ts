// A training run seen in TensorBoard: training hooks that record scalars every step (loss, learning rate,
// gradient norm, tokens/s), the validation loss, histograms of every parameter and of its gradient every N steps
// (the gradients through the trainer's gradient tap, read before the update zeroes them), text (samples) and the
// run's hyper-parameters. Browser-safe: the events go to any recorder that can flush (an event file in Node.js).
import { parameterSpecs, splitInTableOrder } from '../gpt/params';
import type { Progress, TrainingHooks } from '../train/loop';
import type { Trainer } from '../train/trainer';
import type { EventRecorder } from './event-log';
import type { HParamValue } from './events';

/** Where the hooks send events: a recorder that can write out what it holds (see `createEventWriter`). */
export interface EventSink extends EventRecorder {
  /** Writes out the events recorded so far. */
  flush(): Promise<void>;
}

/** Options of {@link tensorboardHooks}. */
export interface TensorBoardOptions {
  /** Steps between histograms of the weights and gradients (0: none); default 100. */
  readonly histogramEvery?: number;
  /** Steps between flushes besides those at histograms, evaluations and `close`; default 10. */
  readonly flushEvery?: number;
  /** Hyper-parameters besides the model's config and the training settings (the preset, the data, …). */
  readonly hparams?: Readonly<Record<string, HParamValue>>;
}

/** The hooks, to call from a run's own `onStep` and `onEval` (or pass to `runTraining` as they are). */
export interface TensorBoardHooks extends Required<Pick<TrainingHooks, 'onStep' | 'onEval'>> {
  /** Markdown text at `step` under `tag` (samples, notes), written at the next flush. */
  text(step: number, tag: string, text: string): void;
  /** Removes the gradient tap from the trainer and writes out what is pending. */
  close(): Promise<void>;
}

/** Scalars of one step (the trainer measures the gradient norm for the hooks when it does not clip). */
function stepScalars(p: Progress): Record<string, number> {
  return { 'train/loss': p.loss, 'train/lr': p.lr, 'train/grad_norm': p.gradNorm, 'train/tokens_per_s': p.tokensPerSecond };
}

/** The model's config as `model.<field>` and the settings as `train.<field>` (the plain values among them). */
function runHParams(trainer: Trainer): Record<string, HParamValue> {
  const out: Record<string, HParamValue> = {};
  const add = (prefix: string, values: object): void => {
    for (const [key, value] of Object.entries(values)) {
      if (typeof value === 'number' || typeof value === 'string' || typeof value === 'boolean') out[`${prefix}.${key}`] = value;
    }
  };
  add('model', trainer.model.config);
  add('train', trainer.settings);
  return out;
}

/**
 * Hooks recording `trainer`'s run into `sink`: the hyper-parameters at once; every step `train/loss`, `train/lr`,
 * `train/grad_norm` (before clipping) and `train/tokens_per_s`; each evaluation `val/loss`; every `histogramEvery`
 * steps histograms `weights/<name>` (after the update) and `gradients/<name>` (before clipping and the update).
 * Installs a gradient tap on `trainer` until `close` (it also has every step measure the gradient norm: one more
 * small read in the step's one wait).
 * @throws {RangeError} when `histogramEvery` or `flushEvery` is not an integer ≥ 0 (≥ 1).
 */
export function tensorboardHooks(trainer: Trainer, sink: EventSink, options: TensorBoardOptions = {}): TensorBoardHooks {
  const histogramEvery = options.histogramEvery ?? 100;
  const flushEvery = options.flushEvery ?? 10;
  if (!(Number.isSafeInteger(histogramEvery) && histogramEvery >= 0)) throw new RangeError(`tensorboardHooks: histogramEvery must be an integer ≥ 0, found ${histogramEvery}`);
  if (!(Number.isSafeInteger(flushEvery) && flushEvery >= 1)) throw new RangeError(`tensorboardHooks: flushEvery must be an integer ≥ 1, found ${flushEvery}`);
  const { model } = trainer;
  const specs = parameterSpecs(model.config);
  const histogramAt = (step: number): boolean => histogramEvery > 0 && step % histogramEvery === 0;
  let gradients: { step: number; values: Readonly<Record<string, ArrayLike<number>>> } | null = null;
  trainer.tapGradients({
    wants: histogramAt,
    gradients: (step, values) => {
      gradients = { step, values };
    },
    measureNorm: true,
  });
  sink.hparams({ ...runHParams(trainer), ...options.hparams });

  const histograms = async (step: number): Promise<void> => {
    const weights = splitInTableOrder(specs, (await model.flat.toArrayAsync()) as Float32Array | Float64Array);
    const values: Record<string, ArrayLike<number>> = {};
    for (const spec of specs) values[`weights/${spec.name}`] = weights[spec.name]!;
    const grads = gradients?.step === step ? gradients.values : null;
    if (grads) for (const spec of specs) values[`gradients/${spec.name}`] = grads[spec.name]!;
    gradients = null;
    sink.histograms(step, values);
  };
  return {
    onStep: async (p) => {
      sink.scalars(p.step, stepScalars(p));
      if (histogramAt(p.step)) await histograms(p.step);
      if (histogramAt(p.step) || p.step % flushEvery === 0) await sink.flush();
    },
    onEval: async (step, valLoss) => {
      sink.scalars(step, { 'val/loss': valLoss });
      await sink.flush();
    },
    text: (step, tag, text) => {
      sink.text(step, tag, text);
    },
    close: async () => {
      trainer.tapGradients(null);
      await sink.flush();
    },
  };
}

/** Samples as one Markdown code block for {@link TensorBoardHooks.text} (TensorBoard's text plugin keeps its line breaks). */
export function samplesMarkdown(samples: readonly string[]): string {
  return `\`\`\`\n${samples.join('\n').replaceAll('```', '` ` `')}\n\`\`\``;
}
