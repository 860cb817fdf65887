// The one-block training step that the tfjs-wasm and jax-js-wasm peers both run (suite `train`, name
// `one-block`): its sizes, its optimizer settings, and the initial weights and batch, drawn once here so that
// both libraries start from the same numbers.
//
// The model, per step: x = wte[ids] + wpe (B, T, C) → h = rmsnorm(x) → single-head causal self-attention with
// q, k, v, o projections (C×C each) → x1 = x + attention → x2 = x1 + relu(rmsnorm(x1)·fc1)·fc2 (hidden 4C) →
// logits = x2·head (B, T, V) → mean softmax cross-entropy against `targets`; gradients by the library's own
// autodiff, then one Adam update of every weight. RMSNorm without a gain and ReLU, as our own train-step suite.
import { PythonRandom, findBackend, randn } from '@microgpt/tensor';

/**
 * The problem's numbers: vocab V, context T, batch B, width C, MLP hidden width (one attention head); RMSNorm's
 * epsilon, x / sqrt(mean(x²) + rmsEps); Adam's settings (no weight decay, constant learning rate).
 */
export const ONE_BLOCK = { V: 64, T: 64, B: 16, C: 128, hidden: 512, rmsEps: 1e-5, adam: { lr: 1e-3, beta1: 0.9, beta2: 0.999, eps: 1e-8 } } as const;

const WEIGHT_NAMES = ['wte', 'wpe', 'wq', 'wk', 'wv', 'wo', 'fc1', 'fc2', 'head'] as const;

/** The weights by name. Matrices multiply from the right: y = x·W, so W is (in, out). */
export type OneBlockWeights<W> = Record<(typeof WEIGHT_NAMES)[number], W>;

/** A weight's initial value as plain data, for uploading into a library. */
export interface HostTensor {
  readonly shape: readonly number[];
  readonly data: Float32Array;
}

/** A peer's training step, ready to time. */
export interface OneBlockTrainer {
  /** Threads the library computes on (the rows' `threads`). */
  readonly threads: number;
  /** Runs one step; resolves, once the library has really finished it, to the loss before the update. */
  step(): Promise<number>;
  /** Frees the library's tensors. */
  dispose(): void;
}

/**
 * What every peer starts from, drawn afresh on each call: the initial weights, N(0, 0.02²) entries from
 * @microgpt/tensor's seeded `randn` (seeds 1, 2, …) with shapes wte (V, C), wpe (T, C), wq/wk/wv/wo (C, C),
 * fc1 (C, hidden), fc2 (hidden, C), head (C, V); and the one batch every step trains on, token ids and targets,
 * both (B, T) int32 in [0, V), flattened.
 */
export function oneBlockStart(): { weights: OneBlockWeights<HostTensor>; ids: Int32Array; targets: Int32Array } {
  return { weights: oneBlockWeights(), ...oneBlockBatch() };
}

function oneBlockWeights(): OneBlockWeights<HostTensor> {
  const { V, T, C, hidden } = ONE_BLOCK;
  const backend = findBackend('js');
  let seed = 1;
  const draw = (shape: number[]): HostTensor => {
    const t = randn(shape, { seed: seed++, std: 0.02, backend });
    const data = Float32Array.from(t.toArray());
    t.dispose();
    return { shape, data };
  };
  return {
    wte: draw([V, C]),
    wpe: draw([T, C]),
    wq: draw([C, C]),
    wk: draw([C, C]),
    wv: draw([C, C]),
    wo: draw([C, C]),
    fc1: draw([C, hidden]),
    fc2: draw([hidden, C]),
    head: draw([C, V]),
  };
}

function oneBlockBatch(): { ids: Int32Array; targets: Int32Array } {
  const { V, T, B } = ONE_BLOCK;
  const rng = new PythonRandom(7);
  const draw = (): Int32Array => Int32Array.from({ length: B * T }, () => rng.randbelow(V));
  return { ids: draw(), targets: draw() };
}

/** `weights` with `fn` applied to each entry (same keys). */
export function mapWeights<A, R>(weights: OneBlockWeights<A>, fn: (weight: A) => R): OneBlockWeights<R> {
  return Object.fromEntries(WEIGHT_NAMES.map((name) => [name, fn(weights[name])])) as OneBlockWeights<R>;
}
