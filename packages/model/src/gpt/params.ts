// The parameter table: every weight's name and shape derived from the config, in microgpt.py's init order
// (wte, wpe, lm_head, then per block q, k, v, o, fc1, fc2; norms and biases after, since they take no random
// draws). Matrices are (out, in) as in PyTorch, so `y = x · Wᵀ`.
import { type Backend, type FloatDType, PythonRandom, Tensor, contiguousStrides, resolveBackend } from '@microgpt/tensor';
import { type GPTConfig, mlpHidden } from '../config';

/** How a parameter starts: normal(0, std) draws, or all ones / zeros (norm gains, biases). */
export type ParamInit = { readonly kind: 'normal'; readonly std: number } | { readonly kind: 'ones' } | { readonly kind: 'zeros' };

/** One parameter of the table. */
export interface ParamSpec {
  readonly name: string;
  readonly shape: readonly number[];
  readonly init: ParamInit;
}

/** The matrices of block `i`, in init order: name suffix and (out, in) shape. */
function blockMatrices(config: GPTConfig, i: number): [string, [number, number]][] {
  const C = config.nEmbd;
  const F = mlpHidden(config);
  return [
    [`h.${i}.attn.q.weight`, [C, C]],
    [`h.${i}.attn.k.weight`, [C, C]],
    [`h.${i}.attn.v.weight`, [C, C]],
    [`h.${i}.attn.o.weight`, [C, C]],
    [`h.${i}.mlp.fc1.weight`, [F, C]],
    [`h.${i}.mlp.fc2.weight`, [C, F]],
  ];
}

/** Names of the norms the config has, in order: embedding norm, then per block ln_1 and ln_2, then ln_f. */
export function normNames(config: GPTConfig): string[] {
  const names: string[] = [];
  if (config.embedNorm) names.push('ln_emb');
  for (let i = 0; i < config.nLayer; i++) names.push(`h.${i}.ln_1`, `h.${i}.ln_2`);
  if (config.finalNorm) names.push('ln_f');
  return names;
}

/**
 * Every parameter of a model with `config`, in init order. Norm parameters exist only with `normAffine`
 * (a bias too for layernorm with `bias`); linear biases only with `bias`.
 */
export function parameterSpecs(config: GPTConfig): ParamSpec[] {
  const { vocabSize: V, nEmbd: C, blockSize, initStd } = config;
  const normal = (std: number): ParamInit => ({ kind: 'normal', std });
  const residualStd = config.residualInitScale ? initStd / Math.sqrt(2 * config.nLayer) : initStd;
  const specs: ParamSpec[] = [{ name: 'wte', shape: [V, C], init: normal(initStd) }];
  if (config.posEmb === 'learned') specs.push({ name: 'wpe', shape: [blockSize, C], init: normal(initStd) });
  if (!config.tiedHead) specs.push({ name: 'lm_head', shape: [V, C], init: normal(initStd) });
  for (let i = 0; i < config.nLayer; i++) {
    for (const [name, shape] of blockMatrices(config, i)) {
      const intoResidual = name.endsWith('attn.o.weight') || name.endsWith('fc2.weight');
      specs.push({ name, shape, init: normal(intoResidual ? residualStd : initStd) });
    }
  }
  if (config.normAffine) {
    for (const norm of normNames(config)) {
      specs.push({ name: `${norm}.weight`, shape: [C], init: { kind: 'ones' } });
      if (config.bias && config.norm === 'layernorm') specs.push({ name: `${norm}.bias`, shape: [C], init: { kind: 'zeros' } });
    }
  }
  if (config.bias) {
    for (let i = 0; i < config.nLayer; i++) {
      for (const [name, [out]] of blockMatrices(config, i)) specs.push({ name: name.replace(/weight$/, 'bias'), shape: [out], init: { kind: 'zeros' } });
    }
  }
  return specs;
}

/** Number of trainable values of a model with `config` (a tied head counts once). */
export function countParameters(config: GPTConfig): number {
  return parameterSpecs(config).reduce((n, s) => n + sizeOf(s.shape), 0);
}

/** Options of {@link initParameters}. */
export interface InitOptions {
  /** Seed of the Python-compatible generator the normal draws come from (default 42, as microgpt.py). */
  readonly seed?: number;
  /** Or a generator to draw from (it advances); wins over `seed`. */
  readonly rng?: PythonRandom;
  readonly dtype?: FloatDType;
  readonly backend?: Backend | string;
}

/**
 * Fresh parameters for `config`: each normal matrix filled row-major with `random.gauss(0, std)` draws from
 * CPython's generator, in table order, so `seed` 42 gives microgpt.py's initial weights. All parameters are
 * views of one storage in table order (llm.c's single parameter block), so an optimizer can update them all
 * with one kernel call.
 * @returns name → tensor, in table order.
 */
export function initParameters(config: GPTConfig, options: InitOptions = {}): Record<string, Tensor> {
  const rng = options.rng ?? new PythonRandom(options.seed ?? 42);
  const dtype = options.dtype ?? 'float32';
  const specs = parameterSpecs(config);
  const total = specs.reduce((n, spec) => n + sizeOf(spec.shape), 0);
  const values = dtype === 'float64' ? new Float64Array(total) : new Float32Array(total);
  let offset = 0;
  for (const spec of specs) {
    const size = sizeOf(spec.shape);
    if (spec.init.kind === 'normal') for (let i = 0; i < size; i++) values[offset + i] = rng.gauss(0, spec.init.std);
    else if (spec.init.kind === 'ones') values.fill(1, offset, offset + size);
    offset += size;
  }
  const arena = Tensor.empty([total], dtype, resolveBackend(options.backend));
  arena.backend.write(arena.storage, 0, values);
  const out = viewsInTableOrder(specs, arena);
  arena.dispose();
  return out;
}

function sizeOf(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/** Views of `arena` (1-D, at least the table's total size) for every parameter, back to back in table order. */
export function viewsInTableOrder(specs: readonly ParamSpec[], arena: Tensor): Record<string, Tensor> {
  const out: Record<string, Tensor> = {};
  let offset = arena.offset;
  for (const spec of specs) {
    out[spec.name] = Tensor.view(arena.storage, spec.shape, contiguousStrides(spec.shape), offset);
    offset += sizeOf(spec.shape);
  }
  return out;
}
