// RMSNorm and LayerNorm over the last axis as single tape entries: the forward saves the per-row statistics
// (rstd, and mean for LayerNorm) in pooled buffers, and the backward is the tensor package's fused kernel.
import * as T from '@microgpt/tensor';
import { release, releasingOnError } from '../pool';
import { type Var, gradOf, opResult, output } from '../var';

/** Options of {@link rmsnorm} and {@link layernorm}. */
export interface NormOptions {
  /** Added to the mean square (or variance) before the square root; default 1e-5. */
  eps?: number;
}

/** N, the number of rows of a (…, C) tensor (1 for a scalar, which the tensor op then rejects). */
function rowCount(x: Var): number {
  return T.shapeSize(x.shape.slice(0, -1));
}

/**
 * Runs a fused norm backward `run(dx, dweight)` on the gradient buffers of x and weight: their own when they
 * require gradients, else pooled scratch released afterwards, because the fused kernels compute dx and dweight
 * together and would allocate a missing one.
 */
function withNormGradients(x: Var, weight: Var | null, run: (dx: T.Tensor, dweight: T.Tensor | undefined) => void): void {
  const scratch: T.Tensor[] = [];
  const gradOrScratch = (v: Var): T.Tensor => {
    if (v.requiresGrad) return gradOf(v);
    const t = output(v.value, v.shape);
    scratch.push(t);
    return t;
  };
  try {
    run(gradOrScratch(x), weight ? gradOrScratch(weight) : undefined);
  } finally {
    for (const t of scratch) release(t);
  }
}

/**
 * Differentiable RMSNorm over the last axis: out = x / sqrt(mean(x²) + eps) [· weight]. One tape entry; its
 * backward adds into the gradients of x and weight with `rmsnormBackward`.
 * @param x (…, C) float32 or float64; N = product of the leading dims.
 * @param weight (C) of x's dtype, or null for none (microgpt.py's parameter-free rmsnorm).
 * @returns (…, C).
 * @throws {DTypeError} for non-float x or a weight of another dtype.
 * @throws {ShapeError} for a scalar x or a weight that is not (C).
 * @throws {RangeError} for a negative or non-finite eps.
 */
export function rmsnorm(x: Var, weight: Var | null, options: NormOptions = {}): Var {
  const { eps = 1e-5 } = options;
  const out = output(x.value, x.shape);
  const rstd = output(x.value, [rowCount(x)]);
  releasingOnError([out, rstd], () => T.rmsnorm(x.value, weight?.value ?? null, { eps, out, rstd }));
  const parents = weight ? [x, weight] : [x];
  return opResult(
    'rmsnorm',
    parents,
    out,
    (o) => {
      withNormGradients(x, weight, (dx, dweight) => T.rmsnormBackward(x.value, weight?.value ?? null, rstd, o.grad!, { dx, dweight }));
    },
    { saved: [rstd] },
  );
}

/**
 * Differentiable LayerNorm over the last axis: out = (x - mean) / sqrt(var + eps) [· weight] [+ bias], var the
 * biased variance. One tape entry; its backward adds into the gradients of x, weight and bias with
 * `layernormBackward`.
 * @param x (…, C) float32 or float64; N = product of the leading dims.
 * @param weight (C) or null; bias (C) or null; both of x's dtype.
 * @returns (…, C).
 * @throws {DTypeError} for non-float x or a weight or bias of another dtype.
 * @throws {ShapeError} for a scalar x or a weight or bias that is not (C).
 * @throws {RangeError} for a negative or non-finite eps.
 */
export function layernorm(x: Var, weight: Var | null, bias: Var | null, options: NormOptions = {}): Var {
  const { eps = 1e-5 } = options;
  const out = output(x.value, x.shape);
  const mean = output(x.value, [rowCount(x)]);
  const rstd = output(x.value, [rowCount(x)]);
  releasingOnError([out, mean, rstd], () => T.layernorm(x.value, weight?.value ?? null, bias?.value ?? null, { eps, out, mean, rstd }));
  const parents = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  return opResult(
    'layernorm',
    parents,
    out,
    (o) => {
      // The bias does not enter dx or dweight, so its gradient is skipped (hasBias false) when not wanted.
      const hasBias = bias?.requiresGrad ?? false;
      const dbias = bias && hasBias ? gradOf(bias) : undefined;
      withNormGradients(x, weight, (dx, dweight) => T.layernormBackward(x.value, weight?.value ?? null, mean, rstd, o.grad!, { dx, dweight, dbias, hasBias }));
    },
    { saved: [mean, rstd] },
  );
}
