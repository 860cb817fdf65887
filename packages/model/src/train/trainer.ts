// The training step: batch → forward → backward → loss and gradient-norm check → clip → optimizer step at the
// scheduled rate, on planned buffers (nothing allocated after the first step of each T), optionally over several
// micro-batches (gradient accumulation) and with frozen parameters. A step reads back only the loss and the gradient
// norm (and a gradient tap's gradients when it asks), together, once (a GPU is never waited for per kernel).
// Evaluation, state for checkpoints and resume. The optimizer over the flat parameter block and its per-parameter
// state are in flat-optimizer.ts; the loop around the step (progress, periodic eval and checkpoints, interruption)
// is in loop.ts.
import { type LrSchedule, type Optimizer, type OptimizerState, clipGradients, constantLr, gradNorm, linearDecay, warmupCosine } from '@microgpt/autograd';
import { Tensor, copy } from '@microgpt/tensor';
import { ModelError, NonFiniteLossError } from '../errors';
import { type Plan, createPlan, planShapes } from '../gpt/buffers';
import { dropoutKey } from '../gpt/dropout';
import { estimateMemory } from '../gpt/memory-estimate';
import { checkMemory } from '../gpt/memory-limit';
import { type GPT, flatGradients } from '../gpt/model';
import { parameterSpecs, splitInTableOrder } from '../gpt/params';
import { type Pass, createPass } from '../gpt/pass';
import { flatGroups, flatState, loadOptimizer, optimizerOf, perParameterState } from './flat-optimizer';
import { createFreezer } from './freeze';
import { type Series, addPoint, boundSeries } from './history';
import type { GradientTap } from './gradient-tap';
import { type TrainSettings, validateTrainSettings } from './settings';

/** A batch of B sequences of T tokens: inputs and next-token targets (-1 = ignored), row-major (B, T). */
export interface Batch {
  /** Input token ids, B·T of them, row-major (B, T). */
  readonly x: Int32Array;
  /** Next-token targets, row-major (B, T); -1 = no loss at that position (padding past a document's end). */
  readonly y: Int32Array;
  /** Sequences in the batch. */
  readonly B: number;
  /** Tokens per sequence (≤ the model's blockSize). */
  readonly T: number;
}

/** Where batches come from: deterministic, with a JSON-safe position to save and restore. */
export interface BatchLoader {
  /** The next training batch. */
  next(): Batch;
  /** The position and RNG state, plain JSON, for `trainer.state()`. */
  state(): unknown;
  /** Continues from a `state()`, so a resumed run sees the batches the uninterrupted one would. */
  restore(state: unknown): void;
}

/** What one step did. */
export interface StepReport {
  /** Steps done after this one (1-based number of this step). */
  readonly step: number;
  /** Mean cross-entropy of the batch before the update. */
  readonly loss: number;
  /** Learning rate the update used. */
  readonly lr: number;
  /** Targets that counted (not ignored), over every micro-batch of the step. */
  readonly tokens: number;
  /** Global gradient norm before clipping (NaN when not clipping: not computed, unless a gradient tap asks for it). */
  readonly gradNorm: number;
}

/** The trainer's state besides weights and optimizer buffers: JSON-safe, for `trainer_state.json`. */
export interface TrainerState {
  /** Steps done. */
  readonly step: number;
  /** The settings of the run, checked against a resumed run's. */
  readonly settings: TrainSettings;
  /** The batch loader's `state()`, plain JSON, so a resumed run sees the same batches. */
  readonly loader: unknown;
  /**
   * Loss curves so far, [step, loss] pairs, bounded: at most HISTORY_POINTS (1,000) each, the first and last
   * step and those on a power-of-two stride (see history.ts), so the state stays small however long the run.
   */
  readonly history: {
    /** [step, training loss] pairs. */
    readonly train: readonly [number, number][];
    /** [step, validation loss] pairs. */
    readonly val: readonly [number, number][];
  };
}

/** A model, its optimizer and its data, stepping one batch at a time. */
export interface Trainer {
  /** The model being trained; its parameters are updated in place. */
  readonly model: GPT;
  /** The validated settings it runs with. */
  readonly settings: TrainSettings;
  /**
   * The Adam or AdamW optimizer over the model's flat parameter block (its moments are what optimizer.safetensors
   * saves).
   */
  readonly optimizer: Optimizer;
  /** Steps done. */
  readonly step: number;
  /**
   * One optimizer step on the next batch (with `settings.gradAccum` = N > 1: on the next N batches, each micro-batch's
   * gradient weighted by its share of the counted targets, so the update is the one of the N batches as one). The
   * whole forward and backward are issued, then the loss and the gradient norm are read back together (one wait),
   * checked, and the update issued. Await each step before the next.
   * @throws {NonFiniteLossError} (as a rejection) when the loss or the gradient norm is not finite (nothing is
   * updated; the gradients are zeroed).
   * @throws {ModelError} (as a rejection) when a batch does not fit (B ≠ batchSize, T > blockSize, an id outside the
   * vocabulary).
   */
  trainStep(): Promise<StepReport>;
  /**
   * Mean loss over the held-out batches (NaN without held-out data); dropout off; gradients untouched. Each batch's
   * loss is copied into one buffer on the backend and read back once, at the end.
   */
  evaluate(): Promise<number>;
  /** Records a validation loss in the (bounded) history (the loop does it after `evaluate`). */
  recordEval(step: number, loss: number): void;
  /** Everything to resume besides weights and optimizer buffers. */
  state(): TrainerState;
  /**
   * The optimizer's state per named parameter (what `optimizer.safetensors` holds), though the optimizer itself
   * runs over the flat parameter block: its buffers as of the call, read back asynchronously.
   */
  optimizerState(): Promise<OptimizerState>;
  /**
   * Restores a state from `state()` and `optimizerState()` (weights are restored by loading the checkpoint). A
   * longer history (saved by an older version) is thinned to the bound. `checkTrainerState` and
   * `checkOptimizerState` check states read from files first, with messages naming the files.
   * @throws {ModelError} when the step is out of range or the optimizer state does not fit the model or this
   * trainer's optimizer (another kind, other hyperparameters or buffers).
   */
  restore(state: TrainerState, optimizerState: OptimizerState | null): void;
  /**
   * Installs `tap` (null removes it). Without a tap a step reads back nothing more; with one, the steps it wants
   * read every gradient back in the same wait as the loss.
   */
  tapGradients(tap: GradientTap | null): void;
  /** Frees buffers and optimizer state (not the model). */
  dispose(): void;
}

/** Inputs of {@link createTrainer}. */
export interface TrainerOptions {
  /** The model to train (see `createGPT`). */
  readonly model: GPT;
  /** Training settings, checked by `validateTrainSettings`. */
  readonly settings: TrainSettings;
  /** Where training batches come from (`documentLoader`, `streamLoader`, or your own). */
  readonly train: BatchLoader;
  /** Held-out batches for `evaluate` (a fresh iterable each call), or null. */
  readonly val?: (() => Iterable<Batch>) | null;
  /** Bytes the model and its training may take in all (see `estimateMemory`); the backend's `maxBytes` applies too. */
  readonly memoryLimit?: number;
  /** Parameters (names of `parameterSpecs`) that take no update: fine-tuning with frozen embeddings or layers. */
  readonly frozen?: readonly string[];
}

/** The learning-rate schedule of `settings`. */
export function scheduleOf(s: TrainSettings): LrSchedule {
  switch (s.schedule) {
    case 'constant':
      return constantLr(s.lr);
    case 'linear':
      return linearDecay({ lr: s.lr, steps: s.steps, end: s.minLr });
    case 'cosine':
      return warmupCosine({ lr: s.lr, warmupSteps: s.warmupSteps, steps: s.steps, minLr: s.minLr });
    default:
      return s.schedule satisfies never;
  }
}

/**
 * A trainer for `model` (its dtype is the training dtype; `settings.dtype` is what the model was made with), once
 * what training takes (gradients, Adam's moments, the planned step, evaluation batches of settings.batchSize:
 * see `estimateMemory`) is checked against the backend's limit and `memoryLimit`.
 * @throws {ModelError} for invalid settings; MemoryLimitError (a ModelError) when training does not fit.
 */
export function createTrainer(options: TrainerOptions): Trainer {
  const { model, settings } = options;
  validateTrainSettings(settings);
  const { config, dtype, backend } = model;
  const S = config.blockSize;
  const V = config.vocabSize;
  const estimate = estimateMemory(config, {
    dtype,
    training: { batchSize: settings.batchSize, optimizer: settings.optimizer, clip: settings.clip > 0 },
    evaluation: options.val ? { batchSize: settings.batchSize, batches: settings.evalBatches } : null,
  });
  checkMemory(estimate, `training (batch ${settings.batchSize})`, { backend, memoryLimit: options.memoryLimit });
  // First, so an unknown name fails before any buffer is planned.
  const freezer = options.frozen && options.frozen.length > 0 ? createFreezer(model, options.frozen) : null;
  const trainPlan: Plan = createPlan(config, planShapes.training(config, settings.batchSize), dtype, backend);
  const trainPass: Pass = createPass(model, trainPlan);
  const evalPasses = new Map<number, Pass>();
  const accum = settings.gradAccum ?? 1;
  // Gradient accumulation: each micro-batch's loss is copied into its slot, all read back at once.
  const microLosses = accum > 1 ? Tensor.empty([accum], dtype, backend) : null;
  const groups = flatGroups(model);
  const optimizer = optimizerOf(groups, settings);
  const schedule = scheduleOf(settings);
  let step = 0;
  let gradientTap: GradientTap | null = null;
  let history: { train: Series; val: Series } = { train: [], val: [] };

  const load = (pass: Pass, batch: Batch): void => {
    if (batch.T < 1 || batch.T > S) throw new ModelError(`batch: T = ${batch.T} is outside [1, ${S}] (blockSize)`);
    if (batch.x.length !== batch.B * batch.T || batch.y.length !== batch.B * batch.T) {
      throw new ModelError(`batch: x and y must hold B × T = ${batch.B * batch.T} ids, found ${batch.x.length} and ${batch.y.length}`);
    }
    for (let i = 0; i < batch.x.length; i++) {
      const x = batch.x[i]!;
      const y = batch.y[i]!;
      if (x < 0 || x >= V) throw new ModelError(`batch: input id ${x} at index ${i} is outside the vocabulary [0, ${V})`);
      if (y < -1 || y >= V) throw new ModelError(`batch: target id ${y} at index ${i} is outside [-1, ${V})`);
    }
    const s = pass.buffers(batch.T);
    backend.write(s.ids.storage, s.ids.offset, batch.x);
    backend.write(s.targets.storage, s.targets.offset, batch.y);
  };
  const counted = (y: Int32Array): number => y.reduce((n, t) => n + (t >= 0 ? 1 : 0), 0);
  const params = groups.rest ? [groups.decay, groups.rest] : [groups.decay];
  const lossOf = (pass: Pass, T: number): Promise<number> => {
    const { loss } = pass.buffers(T);
    return backend.readAsync(loss.storage, loss.offset, 1).then((values) => values[0]!);
  };
  const readGradients = async (): Promise<Record<string, Float32Array | Float64Array>> => {
    const grads = flatGradients(model);
    try {
      return splitInTableOrder(parameterSpecs(config), (await grads.toArrayAsync()) as Float32Array | Float64Array);
    } finally {
      grads.dispose();
    }
  };
  const evalPass = (B: number): Pass => {
    let pass = evalPasses.get(B);
    if (!pass) {
      pass = createPass(model, createPlan(config, planShapes.forward(B, S), dtype, backend));
      evalPasses.set(B, pass);
    }
    return pass;
  };

  return {
    model,
    settings,
    optimizer,
    get step() {
      return step;
    },
    async trainStep() {
      const batches = Array.from({ length: accum }, () => options.train.next());
      for (const batch of batches) if (batch.B !== settings.batchSize) throw new ModelError(`batch: B = ${batch.B}, but the trainer was planned for batchSize ${settings.batchSize}`);
      const counts = batches.map((batch) => counted(batch.y));
      const total = counts.reduce((a, b) => a + b, 0);
      batches.forEach((batch, i) => {
        // A micro-batch with no counted target adds nothing (its mean loss is NaN); alone, it is the step's NaN loss.
        if (accum > 1 && counts[i] === 0) return;
        load(trainPass, batch);
        trainPass.forward(batch.T, true, { pos0: 0, cache: null, dropoutKey: dropoutKey(settings.seed, step, i) });
        trainPass.backward(batch.T, accum > 1 ? counts[i]! / total : 1);
        if (microLosses) {
          const slot = microLosses.slice(0, i, i + 1);
          copy(trainPass.buffers(batch.T).loss, slot);
          slot.dispose();
        }
      });
      const stepLoss = async (): Promise<number> => {
        if (!microLosses) return lossOf(trainPass, batches[0]!.T);
        if (total === 0) return NaN;
        const values = await backend.readAsync(microLosses.storage, microLosses.offset, accum);
        return counts.reduce((sum, n, i) => (n === 0 ? sum : sum + values[i]! * n), 0) / total;
      };
      freezer?.zeroGradients();
      // The guard needs both numbers before the update: one wait for the two reads (and a tap's gradients).
      const clip = settings.clip > 0;
      const measure = clip || gradientTap?.measureNorm === true;
      const tap = gradientTap?.wants(step + 1) ? gradientTap : null;
      const [loss, norm, gradients] =
        measure || tap ? await Promise.all([stepLoss(), measure ? gradNorm(params) : NaN, tap ? readGradients() : null]) : [await stepLoss(), NaN, null];
      const bad = !Number.isFinite(loss) ? 'loss' : clip && !Number.isFinite(norm) ? 'gradient norm' : null;
      if (bad) {
        optimizer.zeroGrad();
        throw new NonFiniteLossError(step + 1, bad, bad === 'loss' ? loss : norm);
      }
      if (tap && gradients) await tap.gradients(step + 1, gradients);
      if (clip) clipGradients(params, norm, settings.clip);
      const lr = schedule(step);
      optimizer.lr = lr;
      optimizer.step();
      freezer?.restoreValues();
      optimizer.zeroGrad();
      step++;
      addPoint(history.train, step, loss);
      return { step, loss, lr, tokens: total, gradNorm: norm };
    },
    async evaluate() {
      if (!options.val) return NaN;
      const batches = Array.from(options.val());
      if (batches.length === 0) return NaN;
      // Each batch's loss is copied into slot i (the pass's own buffer is overwritten by the next batch), then all
      // are read at once and weighted on the host in float64, in batch order.
      const losses = Tensor.empty([batches.length], dtype, backend);
      const weights: number[] = [];
      try {
        for (const batch of batches) {
          const pass = evalPass(batch.B);
          load(pass, batch);
          const n = counted(batch.y);
          if (n === 0) continue;
          pass.forward(batch.T, true, { pos0: 0, cache: null, dropoutKey: 0 });
          const slot = losses.slice(0, weights.length, weights.length + 1);
          copy(pass.buffers(batch.T).loss, slot);
          slot.dispose();
          weights.push(n);
        }
        if (weights.length === 0) return NaN;
        const values = await backend.readAsync(losses.storage, losses.offset, weights.length);
        let total = 0;
        let weight = 0;
        weights.forEach((n, i) => {
          total += values[i]! * n;
          weight += n;
        });
        return total / weight;
      } finally {
        losses.dispose();
      }
    },
    recordEval(at, loss) {
      addPoint(history.val, at, loss);
    },
    state() {
      return { step, settings, loader: options.train.state(), history: { train: boundSeries(history.train), val: boundSeries(history.val) } };
    },
    optimizerState: async () => perParameterState(await optimizer.state(), parameterSpecs(config)),
    restore(state, optimizerState) {
      if (!(Number.isSafeInteger(state.step) && state.step >= 0 && state.step <= settings.steps)) {
        throw new ModelError(`resume: step ${state.step} is outside [0, ${settings.steps}]`);
      }
      if (optimizerState) loadOptimizer(optimizer, flatState(optimizerState, parameterSpecs(config), groups), settings);
      options.train.restore(state.loader);
      step = state.step;
      history = { train: boundSeries(state.history.train), val: boundSeries(state.history.val) };
    },
    tapGradients(tap) {
      gradientTap = tap;
    },
    dispose() {
      optimizer.dispose();
      microLosses?.dispose();
      freezer?.dispose();
      for (const v of params) {
        v.value.dispose();
        v.grad?.dispose();
      }
      trainPass.dispose();
      trainPlan.dispose();
      for (const pass of evalPasses.values()) pass.plan.dispose();
    },
  };
}
