// RMSNorm and LayerNorm over the rows of an (N, C) tensor, forward and backward (llm.c style). The forward
// saves the per-row statistics (rstd, and mean for LayerNorm) so the backward need not recompute them.
// Argument types first, then the JS kernels; the family's conformance cases are in norm.cases.ts.
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/** RMSNorm over the last axis: out = x / sqrt(mean(x²) + eps) [* weight]. x, out: (N, C); weight: (C); rstd: (N) saved. */
export interface RmsnormArgs {
  /** Input rows, (N, C), contiguous. */
  x: Tensor;
  /** Per-channel gain, (C), or null for none. */
  weight: Tensor | null;
  /** Normalized rows, (N, C), overwritten. */
  out: Tensor;
  /** Per-row 1 / sqrt(mean(x²) + eps), (N), overwritten and saved for the backward. */
  rstd: Tensor;
  /** Added to the mean square before the square root (1e-5 typically). */
  eps: number;
}

/** Backward of RMSNorm: dx += …, dweight += … (when both weight and dweight are given). */
export interface RmsnormBackwardArgs {
  /** The forward's input, (N, C). */
  x: Tensor;
  /** The forward's gain, (C), or null. */
  weight: Tensor | null;
  /** The per-row rstd the forward saved, (N). */
  rstd: Tensor;
  /** Gradient with respect to the forward's output, (N, C). */
  dout: Tensor;
  /** Gradient with respect to `x`, (N, C), accumulated into (+=). */
  dx: Tensor;
  /** Gradient with respect to `weight`, (C), accumulated into (+=); null skips it. */
  dweight: Tensor | null;
}

/** LayerNorm over the last axis: out = (x - mean) * rstd [* weight] [+ bias]. x, out: (N, C); mean, rstd: (N) saved. */
export interface LayernormArgs {
  /** Input rows, (N, C), contiguous. */
  x: Tensor;
  /** Per-channel gain, (C), or null for none. */
  weight: Tensor | null;
  /** Per-channel bias, (C), or null for none. */
  bias: Tensor | null;
  /** Normalized rows, (N, C), overwritten. */
  out: Tensor;
  /** Per-row mean, (N), overwritten and saved for the backward. */
  mean: Tensor;
  /** Per-row 1 / sqrt(variance + eps), (N), overwritten and saved for the backward. */
  rstd: Tensor;
  /** Added to the variance before the square root (1e-5 typically). */
  eps: number;
}

/** Backward of LayerNorm: dx += …, dweight += …, dbias += … (each only when given). */
export interface LayernormBackwardArgs {
  /** The forward's input, (N, C). */
  x: Tensor;
  /** The forward's gain, (C), or null. */
  weight: Tensor | null;
  /** The per-row mean the forward saved, (N). */
  mean: Tensor;
  /** The per-row rstd the forward saved, (N). */
  rstd: Tensor;
  /** Gradient with respect to the forward's output, (N, C). */
  dout: Tensor;
  /** Gradient with respect to `x`, (N, C), accumulated into (+=). */
  dx: Tensor;
  /** Gradient with respect to `weight`, (C), accumulated into (+=); null skips it. */
  dweight: Tensor | null;
  /** Gradient with respect to `bias`, (C), accumulated into (+=); null skips it. */
  dbias: Tensor | null;
}

/**
 * out = x · rstd [· weight] with rstd = 1 / sqrt(mean(x²) + eps) per row, saved. The sum of squares runs left
 * to right as in microgpt.py, but rstd is 1 / Math.sqrt rather than its `** -0.5`: V8's `**` is not glibc's
 * pow, so neither form reproduces CPython bit for bit, and 1 / sqrt is what other backends compute.
 */
export function rmsnorm({ x, weight, out, rstd, eps }: RmsnormArgs): void {
  const [n, c] = x.shape as [number, number];
  const xs = floatsOf(x);
  const os = floatsOf(out);
  const rs = floatsOf(rstd);
  const ws = weight ? floatsOf(weight) : null;
  const wOff = weight ? weight.offset : 0;
  for (let row = 0; row < n; row++) {
    const xRow = x.offset + row * c;
    const oRow = out.offset + row * c;
    let sumSq = 0;
    for (let j = 0; j < c; j++) sumSq += xs[xRow + j]! * xs[xRow + j]!;
    const r = 1 / Math.sqrt(sumSq / c + eps);
    rs[rstd.offset + row] = r;
    if (ws) {
      for (let j = 0; j < c; j++) os[oRow + j] = xs[xRow + j]! * r * ws[wOff + j]!;
    } else {
      for (let j = 0; j < c; j++) os[oRow + j] = xs[xRow + j]! * r;
    }
  }
}

/**
 * With g = dout [· weight] and r = rstd: dx_j += r · g_j - r³ / C · x_j · Σ_k g_k x_k, and
 * dweight_j += Σ_rows dout_j · x_j · r (when weight and dweight are given).
 */
export function rmsnormBackward({ x, weight, rstd, dout, dx, dweight }: RmsnormBackwardArgs): void {
  const [n, c] = x.shape as [number, number];
  const xs = floatsOf(x);
  const rs = floatsOf(rstd);
  const dos = floatsOf(dout);
  const dxs = floatsOf(dx);
  const ws = weight ? floatsOf(weight) : null;
  const wOff = weight ? weight.offset : 0;
  const dws = weight && dweight ? floatsOf(dweight) : null;
  const dwOff = dweight ? dweight.offset : 0;
  for (let row = 0; row < n; row++) {
    const xRow = x.offset + row * c;
    const doRow = dout.offset + row * c;
    const dxRow = dx.offset + row * c;
    const r = rs[rstd.offset + row]!;
    let dot = 0;
    for (let j = 0; j < c; j++) dot += dos[doRow + j]! * (ws ? ws[wOff + j]! : 1) * xs[xRow + j]!;
    const k = (r * r * r * dot) / c;
    for (let j = 0; j < c; j++) {
      const g = dos[doRow + j]! * (ws ? ws[wOff + j]! : 1);
      dxs[dxRow + j]! += r * g - k * xs[xRow + j]!;
      if (dws) dws[dwOff + j]! += dos[doRow + j]! * xs[xRow + j]! * r;
    }
  }
}

/**
 * out = (x - mean) · rstd [· weight] [+ bias] with mean and rstd = 1 / sqrt(var + eps) (biased variance)
 * per row, both saved. The variance is the mean of squared deviations (two passes), which stays accurate
 * when the mean is large.
 */
export function layernorm({ x, weight, bias, out, mean, rstd, eps }: LayernormArgs): void {
  const [n, c] = x.shape as [number, number];
  const xs = floatsOf(x);
  const os = floatsOf(out);
  const ms = floatsOf(mean);
  const rs = floatsOf(rstd);
  const ws = weight ? floatsOf(weight) : null;
  const wOff = weight ? weight.offset : 0;
  const bs = bias ? floatsOf(bias) : null;
  const bOff = bias ? bias.offset : 0;
  for (let row = 0; row < n; row++) {
    const xRow = x.offset + row * c;
    const oRow = out.offset + row * c;
    let sum = 0;
    for (let j = 0; j < c; j++) sum += xs[xRow + j]!;
    const mu = sum / c;
    let sumSq = 0;
    for (let j = 0; j < c; j++) {
      const d = xs[xRow + j]! - mu;
      sumSq += d * d;
    }
    const r = 1 / Math.sqrt(sumSq / c + eps);
    ms[mean.offset + row] = mu;
    rs[rstd.offset + row] = r;
    for (let j = 0; j < c; j++) {
      let y = (xs[xRow + j]! - mu) * r;
      if (ws) y *= ws[wOff + j]!;
      if (bs) y += bs[bOff + j]!;
      os[oRow + j] = y;
    }
  }
}

/**
 * With norm = (x - mean) · rstd and g = dout [· weight]: dx += rstd · (g - mean(g) - norm · mean(g · norm)),
 * dweight += Σ_rows dout · norm, dbias += Σ_rows dout (each gradient only when given).
 */
export function layernormBackward({ x, weight, mean, rstd, dout, dx, dweight, dbias }: LayernormBackwardArgs): void {
  const [n, c] = x.shape as [number, number];
  const xs = floatsOf(x);
  const ms = floatsOf(mean);
  const rs = floatsOf(rstd);
  const dos = floatsOf(dout);
  const dxs = floatsOf(dx);
  const ws = weight ? floatsOf(weight) : null;
  const wOff = weight ? weight.offset : 0;
  const dws = dweight ? floatsOf(dweight) : null;
  const dwOff = dweight ? dweight.offset : 0;
  const dbs = dbias ? floatsOf(dbias) : null;
  const dbOff = dbias ? dbias.offset : 0;
  for (let row = 0; row < n; row++) {
    const xRow = x.offset + row * c;
    const doRow = dout.offset + row * c;
    const dxRow = dx.offset + row * c;
    const mu = ms[mean.offset + row]!;
    const r = rs[rstd.offset + row]!;
    let gMean = 0;
    let gNormMean = 0;
    for (let j = 0; j < c; j++) {
      const g = dos[doRow + j]! * (ws ? ws[wOff + j]! : 1);
      gMean += g;
      gNormMean += g * (xs[xRow + j]! - mu) * r;
    }
    gMean /= c;
    gNormMean /= c;
    for (let j = 0; j < c; j++) {
      const norm = (xs[xRow + j]! - mu) * r;
      const d = dos[doRow + j]!;
      const g = d * (ws ? ws[wOff + j]! : 1);
      dxs[dxRow + j]! += r * (g - gMean - norm * gNormMean);
      if (dws) dws[dwOff + j]! += d * norm;
      if (dbs) dbs[dbOff + j]! += d;
    }
  }
}
