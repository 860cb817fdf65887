// Softmax and log-softmax over the rows of an (N, C) tensor, forward and backward. Each row subtracts its max
// before exponentiating, so large finite inputs never overflow.
// Argument types first, then the JS kernels; the family's conformance cases are in softmax.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/** Softmax (or log-softmax when `log`) over the last axis, minus the row max for stability. x, out: (N, C). */
export interface SoftmaxArgs {
  /** Input, (N, C), contiguous. */
  x: Tensor;
  /** Result, (N, C), overwritten. */
  out: Tensor;
  /** Compute log-softmax (x - max - log Σ exp) instead of softmax. */
  log: boolean;
}

/** Given y = softmax(x) (or log-softmax when `log`) and dy, `dx += ∂L/∂x`. All (N, C). */
export interface SoftmaxBackwardArgs {
  /** The forward's output (softmax or log-softmax), (N, C). */
  y: Tensor;
  /** Gradient with respect to `y`, (N, C). */
  dy: Tensor;
  /** Gradient with respect to the forward's input, (N, C), accumulated into (+=). */
  dx: Tensor;
  /** Whether the forward was log-softmax. */
  log: boolean;
}

/**
 * out = softmax(x) (or log-softmax when `log`) per row. A row whose max is ±Infinity gives NaN everywhere
 * (Infinity - Infinity); the op documents this.
 */
export function softmax({ x, out, log }: SoftmaxArgs): void {
  const [n, c] = x.shape as [number, number];
  const xs = floatsOf(x);
  const os = floatsOf(out);
  for (let row = 0; row < n; row++) {
    const xRow = x.offset + row * c;
    const oRow = out.offset + row * c;
    let max = -Infinity;
    for (let j = 0; j < c; j++) max = Math.max(max, xs[xRow + j]!);
    let sum = 0;
    for (let j = 0; j < c; j++) sum += Math.exp(xs[xRow + j]! - max);
    if (log) {
      const logSum = Math.log(sum);
      for (let j = 0; j < c; j++) os[oRow + j] = xs[xRow + j]! - max - logSum;
    } else {
      // Divides each exponential by the sum (as microgpt.py does) rather than multiplying by 1 / sum.
      for (let j = 0; j < c; j++) os[oRow + j] = Math.exp(xs[xRow + j]! - max) / sum;
    }
  }
}

/**
 * Given y = softmax(x): dx_j += y_j (dy_j - Σ_k y_k dy_k). Given y = log-softmax(x): dx_j += dy_j - exp(y_j) Σ_k dy_k.
 */
export function softmaxBackward({ y, dy, dx, log }: SoftmaxBackwardArgs): void {
  const [n, c] = y.shape as [number, number];
  const ys = floatsOf(y);
  const dys = floatsOf(dy);
  const dxs = floatsOf(dx);
  for (let row = 0; row < n; row++) {
    const yRow = y.offset + row * c;
    const dyRow = dy.offset + row * c;
    const dxRow = dx.offset + row * c;
    let dot = 0;
    if (log) {
      for (let j = 0; j < c; j++) dot += dys[dyRow + j]!;
      for (let j = 0; j < c; j++) dxs[dxRow + j]! += dys[dyRow + j]! - Math.exp(ys[yRow + j]!) * dot;
    } else {
      for (let j = 0; j < c; j++) dot += ys[yRow + j]! * dys[dyRow + j]!;
      for (let j = 0; j < c; j++) dxs[dxRow + j]! += ys[yRow + j]! * (dys[dyRow + j]! - dot);
    }
  }
}
