// A GPT is plain data: its config and its parameters as autograd leaves (so optimizers, gradient clipping and
// checkpoints work on them by name). The forward and backward passes live in forward.ts / backward.ts.
import { type Var, param } from '@microgpt/autograd';
import { type Backend, type FloatDType, type Tensor, formatShape, isFloatDType } from '@microgpt/tensor';
import { type GPTConfig, resolveConfig } from '../config';
import { ModelError } from '../errors';
import { type InitOptions, initParameters, parameterSpecs } from './params';

/** A model: its config, dtype, backend and named parameters (in table order). */
export interface GPT {
  readonly config: GPTConfig;
  readonly dtype: FloatDType;
  readonly backend: Backend;
  /** Every parameter by name (see `parameterSpecs`), each a leaf Var whose `grad` the backward pass fills. */
  readonly params: Readonly<Record<string, Var>>;
}

/**
 * A new model with freshly initialized parameters (see `initParameters`).
 * @param config a full config, or overrides of the defaults with at least `vocabSize`.
 * @throws {ModelError} for an invalid config.
 */
export function createGPT(config: Partial<GPTConfig> & { vocabSize: number }, options: InitOptions = {}): GPT {
  const resolved = resolveConfig(config);
  return gptFromParameters(resolved, initParameters(resolved, options));
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
  const params: Record<string, Var> = {};
  for (const spec of specs) {
    const t = tensors[spec.name];
    if (!t) throw new ModelError(`parameters: '${spec.name}' is missing (expected ${formatShape(spec.shape)})`);
    if (t.shape.length !== spec.shape.length || t.shape.some((d, i) => d !== spec.shape[i])) {
      throw new ModelError(`parameters: '${spec.name}' is ${formatShape(t.shape)}, expected ${formatShape(spec.shape)} from the config`);
    }
    if (t.dtype !== dtype) throw new ModelError(`parameters: '${spec.name}' is ${t.dtype}, others are ${dtype}`);
    if (t.backend !== backend) throw new ModelError(`parameters: '${spec.name}' is on backend '${t.backend.name}', others on '${backend.name}'`);
    params[spec.name] = param(t.isContiguous() ? t : t.contiguous());
  }
  const extra = Object.keys(tensors).filter((name) => !(name in params));
  if (extra.length > 0) throw new ModelError(`parameters: unexpected ${extra.map((n) => `'${n}'`).join(', ')} for this config`);
  return { config, dtype, backend, params };
}

/** The parameter values by name (views of the model's own tensors, not copies). */
export function parameterTensors(model: GPT): Record<string, Tensor> {
  return Object.fromEntries(Object.entries(model.params).map(([name, v]) => [name, v.value]));
}

/** Frees every parameter and gradient (the model is unusable afterwards). */
export function disposeGPT(model: GPT): void {
  for (const v of Object.values(model.params)) {
    v.value.dispose();
    v.grad?.dispose();
    v.grad = null;
  }
}
