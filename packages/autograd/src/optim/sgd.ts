// Stochastic gradient descent with momentum and Nesterov momentum, in PyTorch's torch.optim.SGD semantics
// (dampening 0, weight decay added to the gradient), composed from tensor ops over pooled scratch buffers.
import * as T from '@microgpt/tensor';
import { acquire, release } from '../pool';
import { type Optimizer, makeOptimizer } from './optimizer';
import type { Params } from './params';
import type { OptimizerState } from './state';

/** Hyperparameters of {@link sgd} besides lr and weight decay. */
export interface SgdHyper {
  /** Momentum factor (≥ 0; 0 disables momentum and its buffer). */
  readonly momentum: number;
  /** Nesterov momentum (needs momentum > 0). */
  readonly nesterov: boolean;
}

/** Options of {@link sgd}. */
export interface SgdOptions {
  /** Learning rate (≥ 0). */
  lr: number;
  /** Momentum factor (default 0). */
  momentum?: number;
  /** Nesterov momentum (default false; needs momentum > 0). */
  nesterov?: boolean;
  /** L2 weight decay added to the gradient, for groups without their own (default 0). */
  weightDecay?: number;
}

/** The saved state of an {@link sgd} optimizer (buffer `momentum` per parameter when momentum > 0). */
export type SgdState = OptimizerState<'sgd', SgdHyper>;

function checkHyper(op: string, hyper: SgdHyper): void {
  const { momentum, nesterov } = hyper;
  if (!(Number.isFinite(momentum) && momentum >= 0)) throw new RangeError(`${op}: momentum must be finite and ≥ 0, found ${momentum}`);
  if (typeof nesterov !== 'boolean') throw new TypeError(`${op}: nesterov must be a boolean, found ${typeof nesterov}`);
  if (nesterov && momentum === 0) throw new RangeError(`${op}: nesterov needs momentum > 0`);
}

/**
 * SGD as torch.optim.SGD with dampening 0, for each parameter p with gradient g (the grad is not changed):
 *   d = g + weightDecay · p                      (when weightDecay ≠ 0)
 *   buf = momentum · buf + d                     (buf starts at 0, so buf = d at the first step)
 *   d = nesterov ? d + momentum · buf : buf      (when momentum ≠ 0)
 *   p -= lr · d
 * Parameters with a null grad are skipped. The momentum buffer is allocated (zeros, the parameter's backend
 * and dtype) at a parameter's first step; temporaries come from the pool, so later steps allocate nothing.
 * @param params a Var[] or record of Vars, or groups `[{ params, weightDecay }, …]` (any shape, float).
 * @throws {RangeError} for a negative or non-finite lr, momentum or weightDecay, nesterov without momentum,
 * or a parameter listed twice.
 * @throws {DTypeError} / {ShapeError} for a non-float or non-contiguous parameter.
 */
export function sgd(params: Params, options: SgdOptions): Optimizer<SgdState> {
  const { lr, momentum = 0, nesterov = false, weightDecay = 0 } = options;
  return makeOptimizer<'sgd', SgdHyper>(params, {
    kind: 'sgd',
    lr,
    weightDecay,
    hyper: { momentum, nesterov },
    bufferNames: (hyper) => (hyper.momentum !== 0 ? ['momentum'] : []),
    checkHyper,
    update: (slot, grad, buffers, stepLr, decay, hyper) => {
      const p = slot.v.value;
      const scratch = acquire(p.shape, p.dtype, p.backend, false);
      let d = grad;
      if (decay !== 0) {
        T.mul(p, decay, scratch);
        T.add(grad, scratch, scratch);
        d = scratch;
      }
      const buf = buffers[0];
      if (buf) {
        T.mul(buf, hyper.momentum, buf);
        T.add(buf, d, buf);
        if (hyper.nesterov) {
          const extra = acquire(p.shape, p.dtype, p.backend, false);
          T.mul(buf, hyper.momentum, extra);
          T.add(d, extra, scratch);
          release(extra);
          d = scratch;
        } else {
          d = buf;
        }
      }
      T.mul(d, stepLr, scratch);
      T.sub(p, scratch, p);
      release(scratch);
    },
  });
}
