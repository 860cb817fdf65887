// RMSNorm and LayerNorm over the last axis, with optional elementwise weight (and bias for LayerNorm), and their
// backward passes. Normalizing over other axes (batch norm, group norm) is left out.
import { kernel, sameBackend } from '../dispatch';
import { ShapeError, formatShape } from '../errors';
import { shapeSize } from '../shape';
import type { Tensor } from '../tensor';
import { expectDType, expectFloat, expectShape, outputTensor, withViews } from './checks';

/** Checks x (…, C) and the optional per-channel tensors (C); returns x's dtype, C and N (the number of rows). */
function checkRows(op: string, x: Tensor, perChannel: Record<string, Tensor | null | undefined>) {
  const dtype = expectFloat(op, 'x', x);
  if (x.rank < 1) throw new ShapeError(`${op}: x must have at least 1 dimension, found []`);
  const c = x.shape[x.rank - 1]!;
  for (const [name, t] of Object.entries(perChannel)) {
    if (!t) continue;
    expectDType(op, name, t, dtype);
    expectShape(op, name, t, [c]);
  }
  return { dtype, c, n: shapeSize(x.shape.slice(0, -1)) };
}

function checkEps(op: string, eps: number): void {
  if (!(eps >= 0 && Number.isFinite(eps))) throw new RangeError(`${op}: eps must be a finite number ≥ 0, found ${eps}`);
}

/** Forward options of the norms. */
export interface NormOptions {
  /** Added to the variance (or mean square) before the square root; default 1e-5. */
  eps?: number;
  /** Contiguous (…, C) output to write into. */
  out?: Tensor;
  /** Contiguous (N) tensor to save 1 / sqrt(… + eps) into, to reuse memory across calls. */
  rstd?: Tensor;
}

/**
 * RMSNorm over the last axis: out = x / sqrt(mean(x²) + eps) [· weight]. With weight null and eps 1e-5 this is
 * microgpt.py's `rmsnorm`.
 * @param x (…, C) float32 or float64; N = product of the leading dims.
 * @param weight (C) of x's dtype, or null for none.
 * @returns out (…, C) and rstd (N), the per-row 1 / sqrt(mean(x²) + eps) that `rmsnormBackward` needs.
 * @throws {DTypeError} for non-float x or a tensor whose dtype differs from x's.
 * @throws {ShapeError} for a scalar x or a weight, out or rstd of the wrong shape.
 * @throws {RangeError} for a negative or non-finite eps.
 */
export function rmsnorm(x: Tensor, weight: Tensor | null, options: NormOptions = {}): {
  /** The normalized rows, x's shape (the given `options.out` when there is one). */
  out: Tensor;
  /** Per-row 1 / sqrt(mean(x²) + eps), (N); pass it to `rmsnormBackward`. */
  rstd: Tensor;
} {
  const op = 'rmsnorm';
  const { eps = 1e-5 } = options;
  const backend = sameBackend(op, [x, weight, options.out, options.rstd]);
  const { dtype, c, n } = checkRows(op, x, { weight });
  checkEps(op, eps);
  const out = outputTensor(op, 'out', options.out, x.shape, dtype, backend);
  const rstd = outputTensor(op, 'rstd', options.rstd, [n], dtype, backend);
  withViews((view) => {
    kernel(backend, 'rmsnorm', dtype)({
      x: view(x, [n, c]),
      weight: weight && view(weight, [c]),
      out: view(out, [n, c]),
      rstd: view(rstd, [n]),
      eps,
    });
  });
  return { out, rstd };
}

/**
 * Backward of `rmsnorm`: dx += ∂L/∂x, and dweight += ∂L/∂weight when weight is not null.
 * @param x (…, C) the forward input; weight (C) or null as in the forward; rstd (N) from the forward.
 * @param dout (…, C) gradient with respect to the forward output.
 * @param grads dx (…, C) and dweight (C) to add into; each is allocated (zero) when absent. dweight is
 * computed only when weight is not null.
 * @returns dx, and dweight (null when weight is null).
 * @throws {DTypeError} when a tensor's dtype differs from x's.
 * @throws {ShapeError} when a shape does not fit x, or a dweight is given without a weight.
 */
export function rmsnormBackward(
  x: Tensor,
  weight: Tensor | null,
  rstd: Tensor,
  dout: Tensor,
  grads: { dx?: Tensor; dweight?: Tensor } = {},
): {
  /** Gradient with respect to x, x's shape (the given `grads.dx`, added into, when there is one). */
  dx: Tensor;
  /** Gradient with respect to weight, (C); null when weight is null. */
  dweight: Tensor | null;
} {
  const op = 'rmsnormBackward';
  const backend = sameBackend(op, [x, weight, rstd, dout, grads.dx, grads.dweight]);
  const { dtype, c, n } = checkRows(op, x, { weight });
  expectDType(op, 'rstd', rstd, dtype);
  expectShape(op, 'rstd', rstd, [n]);
  expectDType(op, 'dout', dout, dtype);
  expectShape(op, 'dout', dout, x.shape);
  if (!weight && grads.dweight) {
    throw new ShapeError(`${op}: dweight ${formatShape(grads.dweight.shape)} given, but weight is null`);
  }
  const dx = outputTensor(op, 'dx', grads.dx, x.shape, dtype, backend);
  const dweight = weight ? outputTensor(op, 'dweight', grads.dweight, [c], dtype, backend) : null;
  withViews((view) => {
    kernel(backend, 'rmsnormBackward', dtype)({
      x: view(x, [n, c]),
      weight: weight && view(weight, [c]),
      rstd: view(rstd, [n]),
      dout: view(dout, [n, c]),
      dx: view(dx, [n, c]),
      dweight: dweight && view(dweight, [c]),
    });
  });
  return { dx, dweight };
}

/**
 * LayerNorm over the last axis: out = (x - mean) / sqrt(var + eps) [· weight] [+ bias], var the biased variance.
 * @param x (…, C) float32 or float64; N = product of the leading dims.
 * @param weight (C) or null; bias (C) or null; both of x's dtype.
 * @param options eps (default 1e-5), out (…, C), and mean / rstd (N) to reuse.
 * @returns out (…, C), and mean and rstd (N), the per-row statistics `layernormBackward` needs.
 * @throws {DTypeError} for non-float x or a tensor whose dtype differs from x's.
 * @throws {ShapeError} for a scalar x or a weight, bias, out, mean or rstd of the wrong shape.
 * @throws {RangeError} for a negative or non-finite eps.
 */
export function layernorm(
  x: Tensor,
  weight: Tensor | null,
  bias: Tensor | null,
  options: NormOptions & { mean?: Tensor } = {},
): {
  /** The normalized rows, x's shape (the given `options.out` when there is one). */
  out: Tensor;
  /** Per-row mean, (N); pass it to `layernormBackward`. */
  mean: Tensor;
  /** Per-row 1 / sqrt(var + eps), (N); pass it to `layernormBackward`. */
  rstd: Tensor;
} {
  const op = 'layernorm';
  const { eps = 1e-5 } = options;
  const backend = sameBackend(op, [x, weight, bias, options.out, options.mean, options.rstd]);
  const { dtype, c, n } = checkRows(op, x, { weight, bias });
  checkEps(op, eps);
  const out = outputTensor(op, 'out', options.out, x.shape, dtype, backend);
  const mean = outputTensor(op, 'mean', options.mean, [n], dtype, backend);
  const rstd = outputTensor(op, 'rstd', options.rstd, [n], dtype, backend);
  withViews((view) => {
    kernel(backend, 'layernorm', dtype)({
      x: view(x, [n, c]),
      weight: weight && view(weight, [c]),
      bias: bias && view(bias, [c]),
      out: view(out, [n, c]),
      mean: view(mean, [n]),
      rstd: view(rstd, [n]),
      eps,
    });
  });
  return { out, mean, rstd };
}

/** Gradient buffers of `layernormBackward`. */
export interface LayernormGrads {
  /** (…, C) gradient of x to add into; allocated when absent. */
  dx?: Tensor;
  /** (C) gradient of weight to add into; allocated when absent and weight is not null. */
  dweight?: Tensor;
  /** (C) gradient of bias to add into; allocated when absent and `hasBias`. */
  dbias?: Tensor;
  /** Whether the forward had a bias (dbias is computed); default: whether dbias is given. */
  hasBias?: boolean;
}

/**
 * Backward of `layernorm`: dx += ∂L/∂x; dweight += ∂L/∂weight when weight is not null; dbias += ∂L/∂bias when
 * the forward had a bias (`grads.hasBias`, or `grads.dbias` given).
 * @param x (…, C) the forward input; weight (C) or null as in the forward; mean, rstd (N) from the forward.
 * @param dout (…, C) gradient with respect to the forward output.
 * @returns dx, dweight (null without weight) and dbias (null without bias).
 * @throws {DTypeError} when a tensor's dtype differs from x's.
 * @throws {ShapeError} when a shape does not fit x, or dweight / dbias is given for a missing weight / bias.
 */
export function layernormBackward(
  x: Tensor,
  weight: Tensor | null,
  mean: Tensor,
  rstd: Tensor,
  dout: Tensor,
  grads: LayernormGrads = {},
): {
  /** Gradient with respect to x, x's shape (the given `grads.dx`, added into, when there is one). */
  dx: Tensor;
  /** Gradient with respect to weight, (C); null when weight is null. */
  dweight: Tensor | null;
  /** Gradient with respect to the bias, (C); null when the forward had no bias. */
  dbias: Tensor | null;
} {
  const op = 'layernormBackward';
  const backend = sameBackend(op, [x, weight, mean, rstd, dout, grads.dx, grads.dweight, grads.dbias]);
  const { dtype, c, n } = checkRows(op, x, { weight });
  for (const [name, t] of [['mean', mean], ['rstd', rstd]] as const) {
    expectDType(op, name, t, dtype);
    expectShape(op, name, t, [n]);
  }
  expectDType(op, 'dout', dout, dtype);
  expectShape(op, 'dout', dout, x.shape);
  if (!weight && grads.dweight) {
    throw new ShapeError(`${op}: dweight ${formatShape(grads.dweight.shape)} given, but weight is null`);
  }
  const hasBias = grads.hasBias ?? grads.dbias !== undefined;
  if (!hasBias && grads.dbias) {
    throw new ShapeError(`${op}: dbias ${formatShape(grads.dbias.shape)} given, but hasBias is false`);
  }
  const dx = outputTensor(op, 'dx', grads.dx, x.shape, dtype, backend);
  const dweight = weight ? outputTensor(op, 'dweight', grads.dweight, [c], dtype, backend) : null;
  const dbias = hasBias ? outputTensor(op, 'dbias', grads.dbias, [c], dtype, backend) : null;
  withViews((view) => {
    kernel(backend, 'layernormBackward', dtype)({
      x: view(x, [n, c]),
      weight: weight && view(weight, [c]),
      mean: view(mean, [n]),
      rstd: view(rstd, [n]),
      dout: view(dout, [n, c]),
      dx: view(dx, [n, c]),
      dweight: dweight && view(dweight, [c]),
      dbias: dbias && view(dbias, [c]),
    });
  });
  return { dx, dweight, dbias };
}
