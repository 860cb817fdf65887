// The arguments of every core kernel, one interface per kernel (re-exported by backend.ts, which holds the kernel
// table). Conventions for all of them are on `Backend` in backend.ts.
import type { Tensor } from './tensor';

/**
 * Batched matmul `out = op(a) · op(b)` (`out += …` when `accumulate`).
 * a: (BA, M, K), or (BA, K, M) with `transA`; b: (BB, K, N), or (BB, N, K) with `transB`; BA and BB are
 * each B or 1 (a batch of 1 is shared by every batch item); out: (B, M, N). All contiguous.
 */
export interface MatmulArgs {
  a: Tensor;
  b: Tensor;
  out: Tensor;
  transA: boolean;
  transB: boolean;
  accumulate: boolean;
}

// The elementwise families' ops and arguments live with their JS kernels (backends/js/elementwise.ts and
// backends/js/unary.ts), so that a new op is one list entry there beside its kernel code.
export type { BinaryArgs, BinaryOp, BinaryScalarArgs } from './backends/js/elementwise';
export type { UnaryArgs, UnaryBackwardArgs, UnaryOp } from './backends/js/unary';

/** Reductions along one axis. */
export type ReduceOp = 'sum' | 'mean' | 'max';

/**
 * x contiguous, read as (outer, n, inner) whatever its shape; out contiguous, read as (outer, inner) = op over
 * the n axis. Ops never send `max` an empty axis (n = 0); sum gives 0 and mean NaN there.
 */
export interface ReduceArgs {
  op: ReduceOp;
  x: Tensor;
  out: Tensor;
  outer: number;
  n: number;
  inner: number;
}

/** Softmax (or log-softmax when `log`) over the last axis, minus the row max for stability. x, out: (N, C). */
export interface SoftmaxArgs {
  x: Tensor;
  out: Tensor;
  log: boolean;
}

/** Given y = softmax(x) (or log-softmax when `log`) and dy, `dx += ∂L/∂x`. All (N, C). */
export interface SoftmaxBackwardArgs {
  y: Tensor;
  dy: Tensor;
  dx: Tensor;
  log: boolean;
}

/** RMSNorm over the last axis: out = x / sqrt(mean(x²) + eps) [* weight]. x, out: (N, C); weight: (C); rstd: (N) saved. */
export interface RmsnormArgs {
  x: Tensor;
  weight: Tensor | null;
  out: Tensor;
  rstd: Tensor;
  eps: number;
}

/** Backward of RMSNorm: dx += …, dweight += … (when both weight and dweight are given). */
export interface RmsnormBackwardArgs {
  x: Tensor;
  weight: Tensor | null;
  rstd: Tensor;
  dout: Tensor;
  dx: Tensor;
  dweight: Tensor | null;
}

/** LayerNorm over the last axis: out = (x - mean) * rstd [* weight] [+ bias]. x, out: (N, C); mean, rstd: (N) saved. */
export interface LayernormArgs {
  x: Tensor;
  weight: Tensor | null;
  bias: Tensor | null;
  out: Tensor;
  mean: Tensor;
  rstd: Tensor;
  eps: number;
}

/** Backward of LayerNorm: dx += …, dweight += …, dbias += … (each only when given). */
export interface LayernormBackwardArgs {
  x: Tensor;
  weight: Tensor | null;
  mean: Tensor;
  rstd: Tensor;
  dout: Tensor;
  dx: Tensor;
  dweight: Tensor | null;
  dbias: Tensor | null;
}

/** Gather rows: out[i] = weight[ids[i]]. weight: (V, C); ids: (N) int32; out: (N, C). */
export interface EmbeddingArgs {
  weight: Tensor;
  ids: Tensor;
  out: Tensor;
}

/** Scatter-add: dweight[ids[i]] += dout[i]. ids: (N) int32; dout: (N, C); dweight: (V, C). */
export interface EmbeddingBackwardArgs {
  ids: Tensor;
  dout: Tensor;
  dweight: Tensor;
}

/**
 * Fused softmax + cross-entropy. logits, probs: (N, V); targets: (N) int32, -1 = ignore; losses: (N) per-row
 * loss (0 for ignored rows); loss: one element (shape [] or [1]) of logits' dtype, overwritten with the mean loss
 * over rows that are not ignored (NaN when every row is). The mean stays on the backend, so a GPU need not read
 * it back.
 */
export interface CrossEntropyArgs {
  logits: Tensor;
  targets: Tensor;
  probs: Tensor;
  losses: Tensor;
  loss: Tensor;
}

/** dlogits += (probs - onehot(targets)) * dloss / count, where count = rows not ignored. */
export interface CrossEntropyBackwardArgs {
  probs: Tensor;
  targets: Tensor;
  dlogits: Tensor;
  dloss: number;
}

/**
 * Causal scaled dot-product attention. q: (B, H, Tq, D); k, v: (B, H, Tk, D); out: (B, H, Tq, D);
 * att: (B, H, Tq, Tk) the softmax probabilities, saved for backward, contiguous. Query i sits at position
 * offset + i (offset = tokens already in a KV cache) and sees keys 0 … offset + i. q, k, v and out may have
 * any strides on their first three axes (a model's fused q|k|v rows seen as heads, say); their last axis
 * is contiguous (stride 1).
 */
export interface AttentionArgs {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  out: Tensor;
  att: Tensor;
  scale: number;
  offset: number;
}

/** Backward of attention: dq += …, dk += …, dv += …, shapes as q, k, v; strides as in AttentionArgs. */
export interface AttentionBackwardArgs {
  q: Tensor;
  k: Tensor;
  v: Tensor;
  att: Tensor;
  dout: Tensor;
  dq: Tensor;
  dk: Tensor;
  dv: Tensor;
  scale: number;
  offset: number;
}

/**
 * One Adam/AdamW step in place, with bias correction for `step` (1-based); `weightDecay` is decoupled
 * (AdamW, as PyTorch: param *= 1 - lr * weightDecay, before the Adam step); 0 gives plain Adam. param, grad, m, v:
 * same shape, contiguous.
 */
export interface AdamArgs {
  param: Tensor;
  grad: Tensor;
  m: Tensor;
  v: Tensor;
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
}

/** Sets every element of `out` (any strides) to `value`. */
export interface FillArgs {
  out: Tensor;
  value: number;
}

/** dst = src elementwise, any strides on both, same shape; converts between dtypes (float → int truncates). */
export interface CopyArgs {
  src: Tensor;
  dst: Tensor;
}

/**
 * Linear layer with quantized weights (inference): out (M, N) = x (M, K) · Wᵀ, where W (N, K) is decoded per group
 * of `groupSize` consecutive inputs of a row: W[n, k] = scales[n, g] · q[n, k] + offsets[n, g], g = ⌊k / groupSize⌋
 * (offsets null = 0).
 * - `int8`: codes holds N·K bytes, row-major; q is the byte read as a signed int8.
 * - `int4`: codes holds N·K/2 bytes; each group of G inputs is G/2 bytes, byte j holding q of input j (low
 *   nibble) and of input j + G/2 (high nibble), ggml's Q4_0 layout for G = 32; q is the nibble, 0…15.
 * `activations`: `float` multiplies x by the decoded weights; `int16` first rounds each row of x to int16 with
 * scale sx = max|x_row| / 32767, in float32 like the kernels: xq = the nearest integer to float32(x / sx) (ties to
 * even, clamped to ±32767; a row of zeros has sx = 0 and xq = 0), so |x − sx·xq| ≤ sx · (1/2 + 2⁻⁹) for a normal
 * sx. Each group's dot product is then exact in integers:
 * out[m, n] = sx · Σ_g (scales[n, g] · Σ_k xq·q + offsets[n, g] · Σ_k xq).
 * x: (M, K) float; codes: uint8; scales, offsets: (N, K / groupSize) float32; out: (M, N) of x's dtype,
 * overwritten. All contiguous; groupSize divides K (and is even for int4).
 */
export interface QuantMatmulArgs {
  x: Tensor;
  codes: Tensor;
  scales: Tensor;
  offsets: Tensor | null;
  format: 'int8' | 'int4';
  groupSize: number;
  activations: 'float' | 'int16';
  out: Tensor;
}
