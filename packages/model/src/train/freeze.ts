// Frozen parameters for fine-tuning: they take no optimizer update. Their gradients are zeroed before the
// gradient norm (so clipping sees only what trains) and their values are put back after each optimizer step,
// since AdamW's decoupled weight decay would shrink them even with a zero gradient. The optimizer still runs over
// the whole flat block (one kernel call per group); the frozen ranges are a few copies a step.
import { type Tensor, copy, zeros } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { type GPT, flatGradients } from '../gpt/model';
import { parameterSpecs } from '../gpt/params';

/** Keeps some parameters of a model as they are. */
export interface Freezer {
  /** Zeroes the frozen parameters' gradients (after the backward pass, before the norm and the step). */
  zeroGradients(): void;
  /** Puts back the frozen parameters' values (after the optimizer step). */
  restoreValues(): void;
  dispose(): void;
}

/** Ranges [start, end) of `model.flat` holding the named parameters, merged where they touch. */
function rangesOf(model: GPT, names: readonly string[]): [number, number][] {
  const specs = parameterSpecs(model.config);
  const known = new Set(specs.map((s) => s.name));
  const unknown = names.find((name) => !known.has(name));
  if (unknown !== undefined) throw new ModelError(`freeze: '${unknown}' is not a parameter of this model (it has ${specs.map((s) => s.name).join(', ')})`);
  const wanted = new Set(names);
  const ranges: [number, number][] = [];
  let offset = 0;
  for (const spec of specs) {
    const size = spec.shape.reduce((a, b) => a * b, 1);
    if (wanted.has(spec.name)) {
      const last = ranges[ranges.length - 1];
      if (last && last[1] === offset) last[1] += size;
      else ranges.push([offset, offset + size]);
    }
    offset += size;
  }
  return ranges;
}

/**
 * A freezer for the parameters of `model` named `names` (see `parameterSpecs`), holding a copy of their values
 * as of the call.
 * @throws {ModelError} naming a parameter the model does not have.
 */
export function createFreezer(model: GPT, names: readonly string[]): Freezer {
  const ranges = rangesOf(model, names);
  const grads = flatGradients(model);
  const parts = ranges.map(([start, end]) => {
    const value = model.flat.slice(0, start, end);
    const saved = zeros([end - start], { dtype: model.dtype, backend: model.backend });
    copy(value, saved);
    return { value, saved, grad: grads.slice(0, start, end), zero: zeros([end - start], { dtype: model.dtype, backend: model.backend }) };
  });
  grads.dispose();
  const all = (pick: (part: (typeof parts)[number]) => Tensor[]): Tensor[] => parts.flatMap(pick);
  return {
    zeroGradients() {
      for (const part of parts) copy(part.zero, part.grad);
    },
    restoreValues() {
      for (const part of parts) copy(part.saved, part.value);
    },
    dispose() {
      for (const t of all((p) => [p.value, p.saved, p.grad, p.zero])) t.dispose();
    },
  };
}
