// Per-parameter optimizer state (moment buffers, allocated at a parameter's first step) and its save/restore
// as plain data, checked against the parameters so a checkpoint from another model fails loudly.
import * as T from '@microgpt/tensor';
import type { Var } from '../var';
import type { NamedParam, ResolvedParams } from './params';

/** The saved state of one parameter. */
export interface ParamState {
  /** Steps this parameter has taken (it skips the steps where its grad is null, as in PyTorch). */
  readonly step: number;
  /** The parameter's shape. */
  readonly shape: readonly number[];
  /** The parameter's dtype; buffers are Float32Array for float32, Float64Array for float64. */
  readonly dtype: T.FloatDType;
  /** Buffers by name (`m` and `v` for Adam, `momentum` for SGD), row-major copies. */
  readonly buffers: Readonly<Record<string, Float32Array | Float64Array>>;
}

/**
 * An optimizer's state as plain data (typed arrays and numbers; `structuredClone` copies it): what
 * `loadState` needs to continue bit for bit. Parameters that have not taken a step yet are absent.
 */
export interface OptimizerState<K extends string = string, H extends object = object> {
  /** Which optimizer wrote it: `sgd`, `adam` or `adamw`. */
  readonly kind: K;
  /** Calls to `step()` so far. */
  readonly step: number;
  /** The learning rate at save time. */
  readonly lr: number;
  /** The optimizer's other hyperparameters. */
  readonly hyper: H;
  /** Weight decay of each parameter group, in order. */
  readonly weightDecay: readonly number[];
  /** Per-parameter state by parameter name. */
  readonly params: Readonly<Record<string, ParamState>>;
}

/** A parameter with its live state: steps taken and buffers (null until its first step). */
export interface Slot extends NamedParam {
  /** Steps this parameter has taken (1-based once stepping: the bias-correction exponent). */
  step: number;
  /** Its buffers in the optimizer's `bufferNames` order; null until its first step. */
  buffers: T.Tensor[] | null;
}

/** Fresh slots (no buffers) for resolved parameters. */
export function makeSlots(resolved: ResolvedParams): Slot[] {
  return resolved.params.map((p) => ({ ...p, step: 0, buffers: null }));
}

/** The slot's `count` buffers, allocated as zeros on the parameter's backend and dtype at the first call. */
export function buffersOf(slot: Slot, count: number): T.Tensor[] {
  const { value } = slot.v;
  slot.buffers ??= Array.from({ length: count }, () => T.zeros(value.shape, { dtype: value.dtype, backend: value.backend }));
  return slot.buffers;
}

/** Sets every parameter's gradient to zero, keeping the buffers (Vars without a gradient are left alone). */
export function zeroGrads(vars: readonly Var[]): void {
  for (const v of vars) v.zeroGrad();
}

/**
 * Saves the slots that have taken a step, their buffers copied out under `bufferNames`: every read is issued at
 * once (each takes its copy then, so steps taken after the call do not change the result), then awaited together.
 */
export async function saveSlots(slots: readonly Slot[], bufferNames: readonly string[]): Promise<Record<string, ParamState>> {
  const stepped = slots.filter((slot) => slot.buffers).map((slot) => ({
    name: slot.name,
    entry: { step: slot.step, shape: [...slot.v.shape], dtype: slot.v.dtype as T.FloatDType },
    reads: Promise.all(slot.buffers!.map((b) => b.toArrayAsync() as Promise<Float32Array | Float64Array>)),
  }));
  const params: Record<string, ParamState> = {};
  for (const { name, entry, reads } of stepped) {
    const copies = await reads;
    params[name] = { ...entry, buffers: Object.fromEntries(bufferNames.map((buffer, i) => [buffer, copies[i]!])) };
  }
  return params;
}

function describeState(x: unknown): string {
  return x === null ? 'null' : typeof x;
}

/**
 * Checks `state`'s counts, groups and per-parameter entries against the optimizer before anything changes:
 * names, shapes, dtypes and buffer lengths. `op` prefixes the messages (e.g. `adamw.loadState`).
 * @throws {TypeError} when `state` has no params or a buffer is not the dtype's typed array.
 * @throws {RangeError} when the number of groups, a name or a step count differs.
 * @throws {ShapeError} when a saved shape or buffer length differs from the parameter's.
 * @throws {DTypeError} when a saved dtype differs from the parameter's.
 */
export function checkState(op: string, slots: readonly Slot[], groups: number, state: OptimizerState, bufferNames: readonly string[]): void {
  if (typeof state.params !== 'object') throw new TypeError(`${op}: expected an optimizer state, found params ${describeState(state.params)}`);
  if (!Number.isInteger(state.step) || state.step < 0) throw new RangeError(`${op}: step must be an integer ≥ 0, found ${state.step}`);
  if (!Array.isArray(state.weightDecay) || state.weightDecay.length !== groups) {
    throw new RangeError(`${op}: state has ${String((state.weightDecay as readonly number[] | undefined)?.length)} parameter groups, this optimizer has ${groups}`);
  }
  const byName = new Map(slots.map((s) => [s.name, s]));
  for (const [name, saved] of Object.entries(state.params)) {
    const slot = byName.get(name);
    if (!slot) throw new RangeError(`${op}: state has parameter "${name}", which this optimizer does not have (its names: ${[...byName.keys()].join(', ')})`);
    const where = `${op}: parameter "${name}"`;
    if (!T.sameShape(saved.shape, slot.v.shape)) {
      throw new T.ShapeError(`${where} is ${T.formatShape(slot.v.shape)}, the state has ${T.formatShape(saved.shape)}`);
    }
    if (saved.dtype !== slot.v.dtype) throw new T.DTypeError(`${where} is ${slot.v.dtype}, the state has ${saved.dtype}`);
    if (!Number.isInteger(saved.step) || saved.step < 1) throw new RangeError(`${where} has step ${saved.step}; expected an integer ≥ 1`);
    const ArrayType = saved.dtype === 'float32' ? Float32Array : Float64Array;
    for (const buffer of bufferNames) {
      const data = saved.buffers[buffer];
      if (!(data instanceof ArrayType)) throw new TypeError(`${where}: buffer ${buffer} must be a ${ArrayType.name}, found ${describeState(data)}`);
      if (data.length !== slot.v.value.size) {
        throw new T.ShapeError(`${where}: buffer ${buffer} has ${data.length} elements, the parameter ${slot.v.value.size}`);
      }
    }
  }
}

/** Restores checked per-parameter state: saved buffers are written (allocated if needed), others dropped. */
export function loadSlots(slots: Slot[], saved: Readonly<Record<string, ParamState>>, bufferNames: readonly string[]): void {
  for (const slot of slots) {
    const entry = saved[slot.name];
    if (!entry) {
      // Not stepped yet when saved: start fresh at its next step, as a new optimizer would.
      for (const b of slot.buffers ?? []) b.dispose();
      slot.buffers = null;
      slot.step = 0;
      continue;
    }
    if (slot.buffers && slot.buffers.length !== bufferNames.length) {
      // The loaded hyperparameters need other buffers (SGD's momentum turned on or off).
      for (const t of slot.buffers) t.dispose();
      slot.buffers = null;
    }
    const buffers = buffersOf(slot, bufferNames.length);
    bufferNames.forEach((name, i) => {
      const b = buffers[i]!;
      b.backend.write(b.storage, b.offset, entry.buffers[name]!);
    });
    slot.step = entry.step;
  }
}
