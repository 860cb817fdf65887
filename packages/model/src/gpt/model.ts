// A GPT is plain data: its config and its parameters as autograd leaves (so optimizers, gradient clipping and
// checkpoints work on them by name). The model itself is written out in reference.ts (read that first); the fast
// forward and backward passes are pass.ts, over buffers planned in buffers.ts.
import { type Var, param } from '@microgpt/autograd';
import { type Backend, type FloatDType, Tensor, copy, formatShape, isFloatDType, resolveBackend } from '@microgpt/tensor';
import { type GPTConfig, resolveConfig } from '../config';
import { ModelError } from '../errors';
import type { LinearOperator } from './linear-operator';
import { estimateMemory } from './memory-estimate';
import { checkMemory } from './memory-limit';
import { type InitOptions, initParameters, parameterSpecs, viewsInTableOrder } from './params';

/** A model: its config, dtype, backend and named parameters (in table order). */
export interface GPT {
  /** The resolved config: sizes, norms, activation, positions, dropout. */
  readonly config: GPTConfig;
  /** Float type of every parameter (and of the activations a pass allocates for it). */
  readonly dtype: FloatDType;
  /** Backend the parameters live on; passes, sessions and trainers for the model run there. */
  readonly backend: Backend;
  /** Every parameter by name (see `parameterSpecs`), each a leaf Var whose `grad` the backward pass fills. */
  readonly params: Readonly<Record<string, Var>>;
  /** (P) every parameter back to back in table order: `params` are views of it. */
  readonly flat: Tensor;
  /** Replacements of linear layers' weight products in inference (see `withLinearOperators`). */
  readonly linears?: Readonly<Record<string, LinearOperator>>;
}

/** Options of {@link createGPT}: those of `initParameters`, and a memory limit. */
export interface CreateGPTOptions extends InitOptions {
  /** Bytes the parameters (and their host copy while they are made) may take; the backend's `maxBytes` applies too. */
  readonly memoryLimit?: number;
}

/**
 * A new model with freshly initialized parameters (see `initParameters`), once its size is checked against the
 * backend's limit and `memoryLimit` (see `estimateMemory`).
 * @param config a full config, or overrides of the defaults with at least `vocabSize`.
 * @throws {ModelError} for an invalid config; MemoryLimitError (a ModelError) when the parameters do not fit.
 */
export function createGPT(config: Partial<GPTConfig> & { vocabSize: number }, options: CreateGPTOptions = {}): GPT {
  const resolved = resolveConfig(config);
  const backend = resolveBackend(options.backend);
  const estimate = estimateMemory(resolved, { dtype: options.dtype ?? 'float32', initialize: true });
  checkMemory(estimate, 'the model', { backend, memoryLimit: options.memoryLimit });
  return gptFromParameters(resolved, initParameters(resolved, { ...options, backend }));
}

/**
 * A model over existing parameter tensors (from a checkpoint); the model takes ownership of them.
 * @param tensors name → tensor; exactly the names of `parameterSpecs(config)`, with those shapes, all of one float
 * dtype on one backend.
 * @throws {ModelError} naming a missing, unexpected or misshapen parameter, or a dtype/backend mismatch.
 */
export function gptFromParameters(config: GPTConfig, tensors: Readonly<Record<string, Tensor>>): GPT {
  const specs = parameterSpecs(config);
  const first = tensors[specs[0]!.name];
  if (!first) throw new ModelError(`parameters: '${specs[0]!.name}' is missing`);
  const { dtype, backend } = first;
  if (!isFloatDType(dtype)) throw new ModelError(`parameters: '${specs[0]!.name}' is ${dtype}; parameters must be float32 or float64`);
  for (const spec of specs) {
    const t = tensors[spec.name];
    if (!t) throw new ModelError(`parameters: '${spec.name}' is missing (expected ${formatShape(spec.shape)})`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new ModelError(`parameters: '${spec.name}' is ${formatShape(t.shape)}, expected ${formatShape(spec.shape)} from the config`);
    }
    if (t.dtype !== dtype) throw new ModelError(`parameters: '${spec.name}' is ${t.dtype}, others are ${dtype}`);
    if (t.backend !== backend) throw new ModelError(`parameters: '${spec.name}' is on backend '${t.backend.name}', others on '${backend.name}'`);
  }
  const extra = Object.keys(tensors).filter((name) => !specs.some((spec) => spec.name === name));
  if (extra.length > 0) throw new ModelError(`parameters: unexpected ${extra.map((n) => `'${n}'`).join(', ')} for this config`);
  const total = specs.reduce((n, spec) => n + spec.shape.reduce((a, b) => a * b, 1), 0);
  const firstOffset = first.offset;
  let packed = true;
  let offset = firstOffset;
  for (const spec of specs) {
    const t = tensors[spec.name]!;
    packed &&= t.storage === first.storage && t.offset === offset && t.isContiguous();
    offset += t.size;
  }
  // One storage in table order (what initParameters makes) is adopted; anything else is packed into one.
  const flat = Tensor.view(first.storage, [total], [1], firstOffset);
  let views: Record<string, Tensor> = tensors;
  if (!packed) {
    const arena = Tensor.empty([total], dtype, backend);
    views = viewsInTableOrder(specs, arena);
    for (const spec of specs) copy(tensors[spec.name]!, views[spec.name]!);
    flat.dispose();
    for (const spec of specs) tensors[spec.name]!.dispose();
    return { config, dtype, backend, params: asParams(specs.map((s) => s.name), views), flat: arena };
  }
  return { config, dtype, backend, params: asParams(specs.map((s) => s.name), views), flat };
}

function asParams(names: readonly string[], views: Readonly<Record<string, Tensor>>): Record<string, Var> {
  return Object.fromEntries(names.map((name) => [name, param(views[name]!)]));
}

/**
 * Gives every parameter a gradient, all views of one zeroed storage in table order (so one kernel call can
 * clip, zero or update them all), unless they already have one.
 * @returns (P) the gradients back to back, matching `model.flat`: a view the caller owns (dispose it when done;
 * the gradients stay).
 */
export function flatGradients(model: GPT): Tensor {
  const vars = Object.values(model.params);
  const first = vars[0]!;
  if (first.grad && isPackedGrad(model)) return Tensor.view(first.grad.storage, [model.flat.size], [1], first.grad.offset);
  const arena = Tensor.empty([model.flat.size], model.dtype, model.backend);
  const views = viewsInTableOrder(parameterSpecs(model.config), arena);
  for (const [name, v] of Object.entries(model.params)) {
    if (v.grad) copy(v.grad, views[name]!);
    v.grad?.dispose();
    v.grad = views[name]!;
  }
  return arena;
}

function isPackedGrad(model: GPT): boolean {
  const vars = Object.values(model.params);
  const storage = vars[0]!.grad!.storage;
  let offset = vars[0]!.grad!.offset;
  for (const v of vars) {
    if (!v.grad || v.grad.storage !== storage || v.grad.offset !== offset) return false;
    offset += v.grad.size;
  }
  return true;
}

/** The parameter values by name (views of the model's own tensors, not copies). */
export function parameterTensors(model: GPT): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(model.params).map(([name, v]) => [name, v.value]));
}

/**
 * Frees the storage of every parameter and gradient, including storages the model adopted in
 * `gptFromParameters`, at once: passes and trainers keep views of them that are never disposed one by one. The
 * model, and every view of its parameters, is unusable afterwards.
 */
export function disposeGPT(model: GPT): void {
  for (const v of Object.values(model.params)) {
    v.value.freeStorage();
    v.grad?.freeStorage();
    v.grad = null;
  }
  model.flat.freeStorage();
}
