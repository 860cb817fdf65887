// The optimizer over the model's single parameter block: two flat groups (matrices and embeddings, decayed;
// norms and biases, not), so an update is one kernel call per group, and its state cut into one entry per named
// parameter for checkpoints (and packed back on resume), so a saved state does not depend on the grouping.
import { type Optimizer, type OptimizerState, type ParamGroup, type ParamState, type Var, adam, adamw, param } from '@microgpt/autograd';
import { ModelError } from '../errors';
import { type GPT, flatGradients } from '../gpt/model';
import { type ParamSpec, parameterSpecs } from '../gpt/params';
import type { TrainSettings } from './settings';

/**
 * The optimizer's parameters: two flat Vars over the model's single parameter block, matrices and embeddings
 * first, then norms and biases (table order puts them last), so a step is one kernel call per group. nanoGPT's
 * configure_optimizers decays the first group only.
 */
export function flatGroups(model: GPT): { decay: Var; rest: Var | null } {
  const grads = flatGradients(model);
  const specs = parameterSpecs(model.config);
  let split = 0;
  for (const spec of specs) {
    if (spec.shape.length < 2) break;
    split += spec.shape.reduce((a, b) => a * b, 1);
  }
  const group = (start: number, end: number): Var => {
    const v = param(model.flat.slice(0, start, end));
    v.grad = grads.slice(0, start, end);
    return v;
  };
  const total = model.flat.size;
  const groups = { decay: group(0, split), rest: split < total ? group(split, total) : null };
  grads.dispose();
  return groups;
}

/**
 * The optimizer of `s` over the groups of {@link flatGroups}: Adam over both, or AdamW with `s.weightDecay` on the
 * first group and none on the second (norms and biases never decay).
 */
export function optimizerOf(groups: { decay: Var; rest: Var | null }, s: TrainSettings): Optimizer {
  const hyper = { lr: s.lr, beta1: s.beta1, beta2: s.beta2, eps: s.eps };
  const rest: Record<string, Var> = groups.rest ? { rest: groups.rest } : {};
  if (s.optimizer === 'adam') return adam({ decay: groups.decay, ...rest }, hyper);
  const decayGroup: ParamGroup = { params: { decay: groups.decay }, weightDecay: s.weightDecay };
  const restGroup: ParamGroup = { params: rest, weightDecay: 0 };
  return adamw([decayGroup, restGroup], hyper);
}

/** Each flat group's parameters in table order, with their offsets inside the group. */
function groupMembers(specs: readonly ParamSpec[]): { group: 'decay' | 'rest'; spec: ParamSpec; offset: number; size: number }[] {
  const offsets = { decay: 0, rest: 0 };
  return specs.map((spec) => {
    const group = spec.shape.length >= 2 ? 'decay' : 'rest';
    const size = spec.shape.reduce((a, b) => a * b, 1);
    const offset = offsets[group];
    offsets[group] += size;
    return { group, spec, offset, size };
  });
}

/** The flat optimizer's state cut into one entry per named parameter (slices of the group buffers). */
export function perParameterState(flat: OptimizerState, specs: readonly ParamSpec[]): OptimizerState {
  const params: Record<string, ParamState> = {};
  for (const { group, spec, offset, size } of groupMembers(specs)) {
    const entry = flat.params[group];
    if (!entry) continue;
    const buffers = Object.fromEntries(Object.entries(entry.buffers).map(([name, data]) => [name, data.slice(offset, offset + size)]));
    params[spec.name] = { step: entry.step, shape: [...spec.shape], dtype: entry.dtype, buffers };
  }
  return { ...flat, params };
}

/**
 * Per-parameter optimizer state packed back into the flat groups.
 * @throws {ModelError} when a group is partly present or its parameters took different numbers of steps.
 */
export function flatState(perParam: OptimizerState, specs: readonly ParamSpec[], groups: { decay: Var; rest: Var | null }): OptimizerState {
  const params: Record<string, ParamState> = {};
  for (const group of ['decay', 'rest'] as const) {
    const flatVar = groups[group];
    if (!flatVar) continue;
    const members = groupMembers(specs).filter((m) => m.group === group);
    const present = members.filter((m) => perParam.params[m.spec.name]);
    if (present.length === 0) continue;
    if (present.length !== members.length) {
      const missing = members.find((m) => !perParam.params[m.spec.name])!.spec.name;
      throw new ModelError(`resume: the optimizer state has no entry for '${missing}' but has others of its group`);
    }
    const first = perParam.params[present[0]!.spec.name]!;
    const buffers: Record<string, Float32Array | Float64Array> = {};
    for (const name of Object.keys(first.buffers)) {
      const data = first.dtype === 'float64' ? new Float64Array(flatVar.value.size) : new Float32Array(flatVar.value.size);
      for (const m of members) {
        const entry = perParam.params[m.spec.name]!;
        if (entry.step !== first.step) throw new ModelError(`resume: '${m.spec.name}' took ${entry.step} optimizer steps, '${present[0]!.spec.name}' ${first.step}`);
        const part = entry.buffers[name];
        if (!part || part.length !== m.size) throw new ModelError(`resume: the optimizer buffer '${name}' of '${m.spec.name}' is missing or has the wrong size`);
        data.set(part, m.offset);
      }
      buffers[name] = data;
    }
    params[group] = { step: first.step, shape: [flatVar.value.size], dtype: first.dtype, buffers };
  }
  return { ...perParam, params };
}

/**
 * Loads a saved optimizer state into `optimizer`, as a ModelError when it does not fit (the optimizer's own
 * checks throw RangeError, TypeError, ShapeError or DTypeError).
 * @throws {ModelError} naming both optimizer kinds and what did not fit.
 */
export function loadOptimizer(optimizer: Optimizer, state: OptimizerState, settings: TrainSettings): void {
  if (state.kind !== settings.optimizer) throw new ModelError(`resume: the optimizer state was saved by ${state.kind}, this trainer uses ${settings.optimizer}`);
  try {
    optimizer.loadState(state);
  } catch (error) {
    throw new ModelError(`resume: the ${state.kind} optimizer state does not fit this trainer's ${settings.optimizer}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
