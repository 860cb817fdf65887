// The parameter table: every weight's name and shape derived from the config, in microgpt.py's init order
// (wte, wpe, lm_head, then per block q, k, v, o, fc1, fc2; norms and biases after, since they take no random
// draws). Matrices are (out, in) as in PyTorch, so `y = x · Wᵀ`.
import { type Backend, type FloatDType, PythonRandom, Tensor, contiguousStrides, resolveBackend } from '@microgpt/tensor';
import { type GPTConfig, mlpHidden } from '../config';
import { ModelError } from '../errors';

/** How a parameter starts: normal(0, std) draws, or all ones / zeros (norm gains, biases). */
export type ParamInit =
  | {
      /** Independent normal draws with mean 0 (linear weights, embeddings). */
      readonly kind: 'normal';
      /** Standard deviation of the draws. */
      readonly std: number;
    }
  | {
      /** Every element 1 (norm gains). */
      readonly kind: 'ones';
    }
  | {
      /** Every element 0 (biases). */
      readonly kind: 'zeros';
    };

/** One parameter of the table. */
export interface ParamSpec {
  /** Its name in `GPT.params` and in checkpoints, e.g. `wte`, `h.0.attn.q.weight`, `lnf.weight`. */
  readonly name: string;
  /** Its shape: (out, in) for a linear weight, (V, C) for the token embedding, (C) for a gain or bias. */
  readonly shape: readonly number[];
  /** How `initParameters` fills it. */
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
  for (let i = 0; i < config.nLayer; i++) names.push(...blockNormNames(i));
  if (config.finalNorm) names.push('ln_f');
  return names;
}

function blockNormNames(i: number): string[] {
  return [`h.${i}.ln_1`, `h.${i}.ln_2`];
}

/** The parameters of the norms named `names` (none without `normAffine`; a bias too for layernorm with `bias`). */
function normSpecs(config: GPTConfig, names: readonly string[]): ParamSpec[] {
  if (!config.normAffine) return [];
  const C = config.nEmbd;
  return names.flatMap((norm): ParamSpec[] => [
    { name: `${norm}.weight`, shape: [C], init: { kind: 'ones' } },
    ...(config.bias && config.norm === 'layernorm' ? [{ name: `${norm}.bias`, shape: [C], init: { kind: 'zeros' } } as const] : []),
  ]);
}

/** Block `i`'s parameters by kind; the table puts every block's matrices first, then the norms, then the biases. */
function blockSpecs(config: GPTConfig, i: number): { matrices: ParamSpec[]; norms: ParamSpec[]; biases: ParamSpec[] } {
  const { initStd } = config;
  const residualStd = config.residualInitScale ? initStd / Math.sqrt(2 * config.nLayer) : initStd;
  const matrices = blockMatrices(config, i).map(([name, shape]): ParamSpec => {
    const intoResidual = name.endsWith('attn.o.weight') || name.endsWith('fc2.weight');
    return { name, shape, init: { kind: 'normal', std: intoResidual ? residualStd : initStd } };
  });
  const biases = config.bias ? blockMatrices(config, i).map(([name, [out]]): ParamSpec => ({ name: name.replace(/weight$/, 'bias'), shape: [out], init: { kind: 'zeros' } })) : [];
  return { matrices, norms: normSpecs(config, blockNormNames(i)), biases };
}

/** The parameters outside the blocks: the embeddings and head (matrices), the norms before and after the blocks. */
function outerSpecs(config: GPTConfig): { matrices: ParamSpec[]; normsBefore: ParamSpec[]; normsAfter: ParamSpec[] } {
  const { vocabSize: V, nEmbd: C, blockSize, initStd } = config;
  const normal: ParamInit = { kind: 'normal', std: initStd };
  const matrices: ParamSpec[] = [{ name: 'wte', shape: [V, C], init: normal }];
  if (config.posEmb === 'learned') matrices.push({ name: 'wpe', shape: [blockSize, C], init: normal });
  if (!config.tiedHead) matrices.push({ name: 'lm_head', shape: [V, C], init: normal });
  return { matrices, normsBefore: normSpecs(config, config.embedNorm ? ['ln_emb'] : []), normsAfter: normSpecs(config, config.finalNorm ? ['ln_f'] : []) };
}

/**
 * Every parameter of a model with `config`, in init order. Norm parameters exist only with `normAffine`
 * (a bias too for layernorm with `bias`); linear biases only with `bias`. The list has O(nLayer) entries: size
 * checks use {@link parameterCounts}, which does not make it.
 */
export function parameterSpecs(config: GPTConfig): ParamSpec[] {
  const outer = outerSpecs(config);
  const blocks = Array.from({ length: config.nLayer }, (_, i) => blockSpecs(config, i));
  return [
    ...outer.matrices,
    ...blocks.flatMap((b) => b.matrices),
    ...outer.normsBefore,
    ...blocks.flatMap((b) => b.norms),
    ...outer.normsAfter,
    ...blocks.flatMap((b) => b.biases),
  ];
}

/** Parameter values of a config, counted in closed form (no per-layer list). */
export interface ParameterCounts {
  /** Every value (a tied head counts once). */
  readonly total: number;
  /** Values of the matrices and embeddings (the table's leading, weight-decayed group); the rest are norms and biases. */
  readonly matrices: number;
  /** Entries of the table (named tensors). */
  readonly tensors: number;
}

/**
 * The parameter counts of `config` from the same table as {@link parameterSpecs}, without listing it: the blocks
 * are alike, so one block is counted and multiplied by nLayer. Computed in floating point, so absurd configs
 * give large numbers rather than a long loop; see {@link countParameters} for the exact count.
 */
export function parameterCounts(config: GPTConfig): ParameterCounts {
  const sum = (specs: readonly ParamSpec[]): number => specs.reduce((n, s) => n + sizeOf(s.shape), 0);
  const outer = outerSpecs(config);
  const block = blockSpecs(config, 0);
  const matrices = sum(outer.matrices) + config.nLayer * sum(block.matrices);
  const rest = sum(outer.normsBefore) + sum(outer.normsAfter) + config.nLayer * (sum(block.norms) + sum(block.biases));
  const tensors = outer.matrices.length + outer.normsBefore.length + outer.normsAfter.length + config.nLayer * (block.matrices.length + block.norms.length + block.biases.length);
  return { total: matrices + rest, matrices, tensors };
}

/**
 * Number of trainable values of a model with `config` (a tied head counts once), in closed form.
 * @throws {ModelError} when the count is beyond 2^53 (Number.MAX_SAFE_INTEGER), where it could not be exact.
 */
export function countParameters(config: GPTConfig): number {
  const { total } = parameterCounts(config);
  if (!Number.isSafeInteger(total)) {
    throw new ModelError(`config: the model would have about ${total.toPrecision(3)} parameters, more than can be counted exactly (${Number.MAX_SAFE_INTEGER})`);
  }
  return total;
}

/** Options of {@link initParameters}. */
export interface InitOptions {
  /** Seed of the Python-compatible generator the normal draws come from (default 42, as microgpt.py). */
  readonly seed?: number;
  /** Or a generator to draw from (it advances); wins over `seed`. */
  readonly rng?: PythonRandom;
  /** Float type of the parameters (default float32; float64 to match microgpt.py bit for bit). */
  readonly dtype?: FloatDType;
  /** Backend to allocate the parameters on (a backend or its name; default: the current backend). */
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

/**
 * Every parameter's values inside `data`, the whole table read back to back in table order (subarrays, not copies).
 * @throws {ModelError} when `data` is shorter than the table.
 */
export function splitInTableOrder<A extends Float32Array | Float64Array>(specs: readonly ParamSpec[], data: A): Record<string, A> {
  const total = specs.reduce((n, spec) => n + sizeOf(spec.shape), 0);
  if (data.length < total) throw new ModelError(`parameters: the table has ${total} values, found ${data.length}`);
  const out: Record<string, A> = {};
  let offset = 0;
  for (const spec of specs) {
    const size = sizeOf(spec.shape);
    out[spec.name] = data.subarray(offset, offset + size) as A;
    offset += size;
  }
  return out;
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
