// Adam (L2 weight decay added to the gradient, as torch.optim.Adam) and AdamW (decoupled weight decay,
// p *= 1 - lr · wd before the update, as torch.optim.AdamW), both through the tensor kernel `adamUpdate`.
import * as T from '@microgpt/tensor';
import { acquire, release } from '../pool';
import { type Optimizer, makeOptimizer } from './optimizer';
import type { Params } from './params';
import type { OptimizerState } from './state';

/** Hyperparameters of {@link adam} and {@link adamw} besides lr and weight decay. */
export interface AdamHyper {
  /** Decay of the first-moment average, in [0, 1). */
  readonly beta1: number;
  /** Decay of the second-moment average, in [0, 1). */
  readonly beta2: number;
  /** Added to sqrt(v̂) in the denominator, finite and ≥ 0. */
  readonly eps: number;
}

/** Options of {@link adam} and {@link adamw} (named apart from @microgpt/tensor's kernel `AdamOptions`). */
export interface AdamOptimizerOptions {
  /** Learning rate (≥ 0). */
  lr: number;
  /** Default 0.9. */
  beta1?: number;
  /** Default 0.999. */
  beta2?: number;
  /** Default 1e-8. */
  eps?: number;
  /** Weight decay of groups without their own: default 0 for adam, 0.01 for adamw (PyTorch's defaults). */
  weightDecay?: number;
}

/** The saved state of an {@link adam} optimizer (buffers `m` and `v` per parameter). */
export type AdamState = OptimizerState<'adam', AdamHyper>;

/** The saved state of an {@link adamw} optimizer (buffers `m` and `v` per parameter). */
export type AdamWState = OptimizerState<'adamw', AdamHyper>;

const MOMENTS = ['m', 'v'] as const;

function checkHyper(op: string, { beta1, beta2, eps }: AdamHyper): void {
  for (const [name, beta] of [['beta1', beta1], ['beta2', beta2]] as const) {
    if (!(beta >= 0 && beta < 1)) throw new RangeError(`${op}: ${name} must be in [0, 1), found ${beta}`);
  }
  if (!(Number.isFinite(eps) && eps >= 0)) throw new RangeError(`${op}: eps must be finite and ≥ 0, found ${eps}`);
}

function make<K extends 'adam' | 'adamw'>(kind: K, params: Params, options: AdamOptimizerOptions, decoupled: boolean): Optimizer<OptimizerState<K, AdamHyper>> {
  const { lr, beta1 = 0.9, beta2 = 0.999, eps = 1e-8, weightDecay = decoupled ? 0.01 : 0 } = options;
  return makeOptimizer<K, AdamHyper>(params, {
    kind,
    lr,
    weightDecay,
    hyper: { beta1, beta2, eps },
    bufferNames: () => MOMENTS,
    checkHyper,
    update: (slot, grad, [m, v], stepLr, decay, hyper) => {
      const p = slot.v.value;
      const options = { lr: stepLr, ...hyper, step: slot.step };
      if (decoupled || decay === 0) {
        T.adamUpdate(p, grad, m!, v!, { ...options, weightDecay: decoupled ? decay : 0 });
        return;
      }
      // Coupled L2: the kernel sees g + wd · p; the parameter's own grad stays as backward left it.
      const g = acquire(p.shape, p.dtype, p.backend, false);
      T.mul(p, decay, g);
      T.add(grad, g, g);
      T.adamUpdate(p, g, m!, v!, options);
      release(g);
    },
  });
}

/**
 * Adam (Kingma & Ba) with bias correction, as torch.optim.Adam: for each parameter p with gradient g,
 *   g' = g + weightDecay · p   (L2 regularization; when weightDecay ≠ 0, the grad itself is not changed)
 *   m = beta1 · m + (1 - beta1) · g';  v = beta2 · v + (1 - beta2) · g'²
 *   p -= lr · (m / (1 - beta1^t)) / (sqrt(v / (1 - beta2^t)) + eps)
 * where t counts the parameter's own steps (a step where its grad is null skips it). m and v are allocated
 * as zeros on the parameter's backend and dtype at its first step; later steps allocate nothing.
 * @param params a Var[] or record of Vars, or groups `[{ params, weightDecay }, …]` (any shape, float).
 * @throws {RangeError} for a negative or non-finite lr, eps or weightDecay, a beta outside [0, 1), or a
 * parameter listed twice.
 * @throws {DTypeError} / {ShapeError} for a non-float or non-contiguous parameter.
 */
export function adam(params: Params, options: AdamOptimizerOptions): Optimizer<AdamState> {
  return make('adam', params, options, false);
}

/**
 * AdamW (Loshchilov & Hutter), as torch.optim.AdamW: p *= 1 - lr · weightDecay, then the Adam update of
 * {@link adam} from the unchanged gradient. Give norms and biases a group with weightDecay 0, e.g.
 * `adamw([{ params: matrices, weightDecay: 0.1 }, { params: norms, weightDecay: 0 }], { lr: 6e-4 })`.
 * Default weightDecay 0.01; allocation, skipping and errors as {@link adam}.
 */
export function adamw(params: Params, options: AdamOptimizerOptions): Optimizer<AdamWState> {
  return make('adamw', params, options, true);
}
