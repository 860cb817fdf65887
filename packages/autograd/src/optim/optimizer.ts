// What SGD and Adam share: the optimizer object (lr, step, zeroGrad, state, loadState, dispose) around a
// per-parameter update rule, so each optimizer file holds only its arithmetic.
import type { Tensor } from '@microgpt/tensor';
import type { Var } from '../var';
import { type Params, checkNonNegative, resolveParams } from './params';
import { type OptimizerState, type Slot, buffersOf, checkState, loadSlots, makeSlots, saveSlots, zeroGrads } from './state';

/**
 * An optimizer over a fixed list of parameters: a plain object, not a class. Set `lr` before each `step()`
 * to follow a schedule.
 */
export interface Optimizer<S extends OptimizerState = OptimizerState> {
  /** Learning rate of the next step (finite, ≥ 0; checked by `step`). */
  lr: number;
  /** Every parameter, in the order given (groups flattened). */
  readonly params: readonly Var[];
  /**
   * Updates every parameter whose grad is not null from its grad, in place; parameters with a null grad
   * are skipped and keep their state.
   * @throws {RangeError} when `lr` is negative or not finite (nothing is changed).
   */
  step(): void;
  /** Sets every parameter's gradient to zero, keeping its buffer (call after each step). */
  zeroGrad(): void;
  /**
   * Hyperparameters, step counts and buffer copies as plain data, to save in a checkpoint: the values as of the call
   * (a step taken before the promise settles does not change them), read from the backend asynchronously.
   */
  state(): Promise<S>;
  /**
   * Restores a state from `state()`: step counts, lr, hyperparameters, group weight decays and buffers.
   * Parameters absent from it start fresh. Everything is checked before anything changes.
   * @throws {RangeError} when the kind, group count, a parameter name or a hyperparameter is wrong.
   * @throws {ShapeError} / {DTypeError} when a saved buffer's shape or dtype differs from its parameter's.
   * @throws {TypeError} when a buffer is not the typed array of its dtype.
   */
  loadState(state: S): void;
  /**
   * Frees the state buffers (they live on the parameters' backend, which may be wasm memory); a later step
   * starts each parameter afresh, as a new optimizer would.
   */
  dispose(): void;
}

/** How one optimizer differs from another: its name, hyperparameters, buffers and update rule. */
export interface OptimizerSpec<K extends string, H extends object> {
  /** The optimizer's name, used in messages and saved states. */
  readonly kind: K;
  /** Initial learning rate. */
  readonly lr: number;
  /** Weight decay of groups that do not set their own. */
  readonly weightDecay: number;
  /** Initial hyperparameters besides lr and weight decay. */
  readonly hyper: H;
  /** Names of the per-parameter buffers under `hyper`, in the order `update` receives them. */
  bufferNames(hyper: H): readonly string[];
  /** Throws a RangeError (or TypeError) for invalid hyperparameters, on construction and on loadState. */
  checkHyper(op: string, hyper: H): void;
  /** Updates one parameter with its buffers; slot.step has already been advanced (1-based). */
  update(slot: Slot, grad: Tensor, buffers: readonly Tensor[], lr: number, weightDecay: number, hyper: H): void;
}

/**
 * Checks a learning rate.
 * @throws {RangeError} unless `lr` is finite and ≥ 0.
 */
export function checkLr(op: string, lr: number): number {
  return checkNonNegative(op, 'lr', lr);
}

/**
 * Builds an optimizer from its spec (used by `sgd`, `adam` and `adamw`).
 * @throws as `resolveParams` and `spec.checkHyper`, and RangeError for a bad lr or weight decay.
 */
export function makeOptimizer<K extends string, H extends object>(params: Params, spec: OptimizerSpec<K, H>): Optimizer<OptimizerState<K, H>> {
  const { kind } = spec;
  const resolved = resolveParams(kind, params, checkNonNegative(kind, 'weightDecay', spec.weightDecay));
  const slots = makeSlots(resolved);
  spec.checkHyper(kind, spec.hyper);
  let hyper: H = { ...spec.hyper };
  let weightDecay = [...resolved.weightDecay];
  let steps = 0;
  const opt: Optimizer<OptimizerState<K, H>> = {
    lr: checkLr(kind, spec.lr),
    params: slots.map((s) => s.v),
    step: () => {
      const lr = checkLr(kind, opt.lr);
      steps++;
      for (const slot of slots) {
        const grad = slot.v.grad;
        if (!grad) continue;
        slot.step++;
        spec.update(slot, grad, buffersOf(slot, spec.bufferNames(hyper).length), lr, weightDecay[slot.group]!, hyper);
      }
    },
    zeroGrad: () => {
      zeroGrads(opt.params);
    },
    state: async () => {
      const saved = { kind, step: steps, lr: opt.lr, hyper: { ...hyper }, weightDecay: [...weightDecay] };
      return { ...saved, params: await saveSlots(slots, spec.bufferNames(hyper)) };
    },
    loadState: (state) => {
      const op = `${kind}.loadState`;
      if (typeof state !== 'object' || typeof state.hyper !== 'object') {
        throw new TypeError(`${op}: expected a state from ${kind}'s state(), found no hyperparameters`);
      }
      if (state.kind !== kind) throw new RangeError(`${op}: state was saved by ${state.kind}, not ${kind}`);
      spec.checkHyper(op, state.hyper);
      const bufferNames = spec.bufferNames(state.hyper);
      checkState(op, slots, weightDecay.length, state, bufferNames);
      state.weightDecay.forEach((wd, g) => checkNonNegative(op, `weightDecay of group ${g}`, wd));
      const lr = checkLr(op, state.lr);
      loadSlots(slots, state.params, bufferNames);
      hyper = { ...state.hyper };
      weightDecay = [...state.weightDecay];
      steps = state.step;
      opt.lr = lr;
    },
    dispose: () => {
      for (const slot of slots) {
        for (const b of slot.buffers ?? []) b.dispose();
        slot.buffers = null;
        slot.step = 0;
      }
    },
  };
  return opt;
}
