// The parameters an optimizer updates, as callers pass them: a list, a record of named Vars, or groups with
// their own weight decay (so norms and biases can be left undecayed, as nanoGPT's configure_optimizers does).
import * as T from '@microgpt/tensor';
import { Var } from '../var';

/** Parameters as an array (named by position) or a record (named by key). */
export type ParamList = readonly Var[] | Readonly<Record<string, Var>>;

/** A group of parameters sharing hyperparameters; `weightDecay` overrides the optimizer's default. */
export interface ParamGroup {
  /** The group's parameters. */
  readonly params: ParamList;
  /** Weight decay of this group (≥ 0; absent: the optimizer's `weightDecay`). */
  readonly weightDecay?: number;
}

/** What an optimizer or `clipGradNorm` accepts: one list of parameters, or a list of groups. */
export type Params = ParamList | readonly ParamGroup[];

/** One parameter with the name its state is saved under and the index of its group. */
export interface NamedParam {
  /** The record key, or the position among all parameters (as a string) for arrays. */
  readonly name: string;
  /** The parameter; its `value` is updated in place and its `grad` read (skipped when null). */
  readonly v: Var;
  /** Index of its group in the resolved `weightDecay` list. */
  readonly group: number;
}

/** Parameters in order with their names, and each group's weight decay. */
export interface ResolvedParams {
  /** Every parameter, groups flattened in order. */
  readonly params: readonly NamedParam[];
  /** Weight decay of each group. */
  readonly weightDecay: readonly number[];
}

function isGroupList(params: Params): params is readonly ParamGroup[] {
  if (!Array.isArray(params) || params.length === 0) return false;
  const groups = (params as readonly unknown[]).filter((p) => !(p instanceof Var)).length;
  if (groups !== 0 && groups !== params.length) {
    throw new TypeError('optimizer params: mix of Vars and groups; pass either Var[] or [{ params, weightDecay }, …]');
  }
  return groups !== 0;
}

/**
 * Checks a weight decay or other non-negative hyperparameter.
 * @throws {RangeError} unless `value` is finite and ≥ 0.
 */
export function checkNonNegative(op: string, name: string, value: number): number {
  if (!(Number.isFinite(value) && value >= 0)) throw new RangeError(`${op}: ${name} must be finite and ≥ 0, found ${value}`);
  return value;
}

/**
 * Names and groups the parameters of `params`. Arrays name each Var by its position among all parameters
 * (counting across groups), records by key. `defaultWeightDecay` applies to groups without their own.
 * @throws {TypeError} when an array mixes Vars and groups, or a group's params is missing.
 * @throws {RangeError} when a Var appears twice, two parameters share a name, or a weight decay is negative
 * or not finite.
 * @throws {DTypeError} when a parameter is not float32 or float64.
 * @throws {ShapeError} when a parameter's value is not contiguous (optimizers update it in place).
 */
export function resolveParams(op: string, params: Params, defaultWeightDecay: number): ResolvedParams {
  const groups: readonly ParamGroup[] = isGroupList(params) ? params : [{ params }];
  const named: NamedParam[] = [];
  const weightDecay: number[] = [];
  const names = new Set<string>();
  const seen = new Set<Var>();
  let position = 0;
  groups.forEach((group, g) => {
    if (typeof group.params !== 'object') throw new TypeError(`${op}: group ${g} has no params`);
    weightDecay.push(checkNonNegative(op, `weightDecay of group ${g}`, group.weightDecay ?? defaultWeightDecay));
    const entries: [string, Var][] = Array.isArray(group.params)
      ? (group.params as readonly Var[]).map((v) => [String(position++), v])
      : Object.entries(group.params as Readonly<Record<string, Var>>);
    if (!Array.isArray(group.params)) position += entries.length;
    for (const [name, v] of entries) {
      if (!(v instanceof Var)) throw new TypeError(`${op}: parameter "${name}" of group ${g} is not a Var`);
      if (seen.has(v)) throw new RangeError(`${op}: parameter "${name}" appears twice; each Var may be in one group only`);
      if (names.has(name)) throw new RangeError(`${op}: two parameters are named "${name}"; names must be unique`);
      if (!T.isFloatDType(v.dtype)) throw new T.DTypeError(`${op}: parameter "${name}" is ${v.dtype}; optimizers update float32 or float64`);
      if (!v.value.isContiguous()) {
        throw new T.ShapeError(`${op}: parameter "${name}" ${T.formatShape(v.shape)} is not contiguous; optimizers update values in place`);
      }
      seen.add(v);
      names.add(name);
      named.push({ name, v, group: g });
    }
  });
  return { params: named, weightDecay };
}

/** The distinct Vars of `params` in order (for `clipGradNorm`; no names or checks). */
export function paramVars(params: Params): Var[] {
  const groups: readonly ParamGroup[] = isGroupList(params) ? params : [{ params }];
  const vars = new Set<Var>();
  for (const group of groups) for (const v of Object.values(group.params)) vars.add(v);
  return [...vars];
}
