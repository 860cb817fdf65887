// GPTConfig: every hyperparameter of the model's shape in one plain object, with a default and a note per
// field (nanoGPT's dataclass). Everything else (buffers, parameter list, checkpoint shapes) is derived from it.
import { ModelError } from './errors';
import { hasActivation, listActivations } from './activations';

/** Normalization kind. */
export type NormKind = 'rmsnorm' | 'layernorm';

/** Positional embedding kind: learned absolute positions (GPT-2), or none (for ablations). */
export type PosEmbKind = 'learned' | 'none';

/** The shape of a GPT. Plain data: it goes into `config.json` as is. */
export interface GPTConfig {
  /** Number of token ids (V). */
  readonly vocabSize: number;
  /** Number of transformer blocks (L). */
  readonly nLayer: number;
  /** Attention heads per block (NH); nEmbd must be a multiple of it. */
  readonly nHead: number;
  /** Width of the residual stream (C). */
  readonly nEmbd: number;
  /** Longest context the model sees (T ≤ blockSize). */
  readonly blockSize: number;
  /** MLP hidden width as a multiple of nEmbd; mlpRatio × nEmbd must be a whole number. */
  readonly mlpRatio: number;
  /** RMSNorm (microgpt.py) or LayerNorm (GPT-2). */
  readonly norm: NormKind;
  /** Whether norms have a learned gain (and a learned bias too when `bias` is on and norm is layernorm). */
  readonly normAffine: boolean;
  /** Epsilon inside the norms' square root. */
  readonly normEps: number;
  /** A norm right after the embeddings (microgpt.py has one; GPT-2 does not). */
  readonly embedNorm: boolean;
  /** A final norm before the head (GPT-2 has one; microgpt.py does not). */
  readonly finalNorm: boolean;
  /** MLP activation: `relu`, `gelu` (exact erf form), `gelu_tanh`, `silu`, `squared_relu`, or a registered name. */
  readonly activation: string;
  /** Biases in the linear layers (and LayerNorm's bias). */
  readonly bias: boolean;
  /** The output head shares the token embedding matrix (GPT-2) instead of its own (microgpt.py). */
  readonly tiedHead: boolean;
  /** Positional embeddings. */
  readonly posEmb: PosEmbKind;
  /** Dropout probability after the embeddings, the attention projection and the MLP (training only). */
  readonly dropout: number;
  /** Standard deviation of the normal init of every matrix. */
  readonly initStd: number;
  /** Scale the init of the projections into the residual stream by 1/sqrt(2·nLayer) (GPT-2). */
  readonly residualInitScale: boolean;
}

/** The defaults: microgpt.py's model (its vocabulary size comes from the data). */
export const DEFAULT_CONFIG: Omit<GPTConfig, 'vocabSize'> = Object.freeze({
  nLayer: 1,
  nHead: 4,
  nEmbd: 16,
  blockSize: 16,
  mlpRatio: 4,
  norm: 'rmsnorm',
  normAffine: false,
  normEps: 1e-5,
  embedNorm: true,
  finalNorm: false,
  activation: 'relu',
  bias: false,
  tiedHead: false,
  posEmb: 'learned',
  dropout: 0,
  initStd: 0.08,
  residualInitScale: false,
});

/** Per-head width (HS = C / NH). */
export function headSize(config: GPTConfig): number {
  return config.nEmbd / config.nHead;
}

/** MLP hidden width (mlpRatio × C). */
export function mlpHidden(config: GPTConfig): number {
  return config.mlpRatio * config.nEmbd;
}

function isPositiveInteger(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value > 0;
}

/** Whether `value` is one of `allowed` (for unions read from untrusted JSON). */
export function oneOf(value: unknown, allowed: readonly string[]): boolean {
  return typeof value === 'string' && allowed.includes(value);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? JSON.stringify(value) : String(value);
}

/**
 * A complete, checked config: the defaults, then `overrides`. Unknown fields are an error (a typo must not
 * silently train the default).
 * @throws {ModelError} naming the field, the value found and what was expected: a non-positive or
 * fractional size, nEmbd not divisible by nHead, mlpRatio × nEmbd not whole, an unknown norm, activation or
 * positional embedding, dropout outside [0, 1), a negative or non-finite init std or eps.
 */
export function resolveConfig(overrides: Partial<GPTConfig> & { vocabSize: number }): GPTConfig {
  const known = new Set<string>(['vocabSize', ...Object.keys(DEFAULT_CONFIG)]);
  for (const key of Object.keys(overrides)) {
    if (!known.has(key)) throw new ModelError(`config: unknown field '${key}'; known fields: ${[...known].join(', ')}`);
  }
  const config: GPTConfig = { ...DEFAULT_CONFIG, ...stripUndefined(overrides), vocabSize: overrides.vocabSize };
  validateConfig(config);
  return config;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

/**
 * Checks every field of a config (see {@link resolveConfig} for the rules).
 * @throws {ModelError} for the first bad field.
 */
export function validateConfig(config: GPTConfig): void {
  const bad = (field: string, expected: string): never => {
    throw new ModelError(`config: ${field} must be ${expected}, found ${describe((config as unknown as Record<string, unknown>)[field])}`);
  };
  for (const field of ['vocabSize', 'nLayer', 'nHead', 'nEmbd', 'blockSize'] as const) {
    if (!isPositiveInteger(config[field])) bad(field, 'a positive integer');
  }
  if (config.nEmbd % config.nHead !== 0) {
    throw new ModelError(`config: nEmbd (${config.nEmbd}) must be divisible by nHead (${config.nHead}); try nHead ${divisorsNear(config.nEmbd, config.nHead)}`);
  }
  if (!(typeof config.mlpRatio === 'number' && config.mlpRatio > 0 && Number.isSafeInteger(config.mlpRatio * config.nEmbd))) {
    bad('mlpRatio', `a positive number with mlpRatio × nEmbd (${config.nEmbd}) a whole number`);
  }
  // Configs come from JSON files and flags, so the unions are checked at run time too.
  if (!oneOf(config.norm, ['rmsnorm', 'layernorm'])) bad('norm', "'rmsnorm' or 'layernorm'");
  if (!oneOf(config.posEmb, ['learned', 'none'])) bad('posEmb', "'learned' or 'none'");
  if (typeof config.activation !== 'string' || !hasActivation(config.activation)) {
    bad('activation', `one of ${listActivations().join(', ')} (or a name given to registerActivation)`);
  }
  for (const field of ['normAffine', 'embedNorm', 'finalNorm', 'bias', 'tiedHead', 'residualInitScale'] as const) {
    if (typeof config[field] !== 'boolean') bad(field, 'true or false');
  }
  if (!(typeof config.dropout === 'number' && config.dropout >= 0 && config.dropout < 1)) bad('dropout', 'a number in [0, 1)');
  if (!(typeof config.initStd === 'number' && Number.isFinite(config.initStd) && config.initStd >= 0)) bad('initStd', 'a finite number ≥ 0');
  if (!(typeof config.normEps === 'number' && Number.isFinite(config.normEps) && config.normEps > 0)) bad('normEps', 'a finite number > 0');
}

/**
 * Head counts that divide nEmbd, nearest to the one asked for, for the error message. Divisors come in pairs
 * (d, nEmbd / d), so trying d up to √nEmbd finds them all without a loop as long as nEmbd.
 */
function divisorsNear(nEmbd: number, nHead: number): string {
  const divisors: number[] = [];
  for (let d = 1; d * d <= nEmbd; d++) if (nEmbd % d === 0) divisors.push(d, nEmbd / d);
  divisors.sort((a, b) => Math.abs(a - nHead) - Math.abs(b - nHead) || a - b);
  return [...new Set(divisors)].slice(0, 2).sort((a, b) => a - b).join(' or ');
}
