// The contract between tensors and the code that computes with them. A backend owns storage and implements
// kernels; the JS backend (backends/js) is the readable definition of every kernel, and any kernel a backend
// leaves out runs there instead (see dispatch.ts). Kernel arguments are plain objects of tensors and numbers.
import type { DType, TypedArray } from './dtype';
import type { Tensor } from './tensor';

/** A block of elements owned by one backend. Backends extend it with their own handle (array, offset, …). */
export interface Storage {
  /** The backend that allocated this storage and runs kernels on it. */
  readonly backend: Backend;
  readonly dtype: DType;
  /** Length in elements. */
  readonly size: number;
}

/** Live storage counts, to check that a loop allocates nothing after its first run. */
export interface MemoryStats {
  /** Storages allocated and not yet freed. */
  readonly liveStorages: number;
  /** Bytes held by those storages. */
  readonly liveBytes: number;
  /** Storages allocated since the backend started (never decreases). */
  readonly totalAllocations: number;
}

/**
 * A compute backend. Kernels always receive tensors whose storage this backend allocated; outputs are
 * allocated by the caller, contiguous, and of the documented shape. Forward kernels overwrite their output;
 * backward kernels ADD into their gradient outputs (`dx += …`), so a value used twice accumulates.
 * An output may be exactly the same tensor as an elementwise input (in-place), but must not otherwise
 * overlap an input. Scalars are applied in float64 and the result rounded to the output dtype.
 */
export interface Backend {
  /** Registry name, e.g. `js` or `wasm`. */
  readonly name: string;
  /** Dtypes this backend can store. */
  readonly dtypes: readonly DType[];
  /** Allocates zero-filled storage for `size` elements. */
  alloc(dtype: DType, size: number): Storage;
  /** Releases storage; using it afterwards is an error. */
  free(storage: Storage): void;
  /** Copies `length` elements starting at `offset` out into a new typed array of the storage's dtype. */
  read(storage: Storage, offset: number, length: number): TypedArray;
  /** Copies `data` (same dtype as the storage) into the storage starting at `offset`. */
  write(storage: Storage, offset: number, data: TypedArray): void;
  /** Live allocation counters. */
  memory(): MemoryStats;
  /**
   * The most bytes of storage this backend can hold at once, when it has a fixed limit (wasm: its 4 GiB address
   * space, less what the runtime keeps); absent when only the machine's memory bounds it (js). Allocations may be
   * rounded up (the wasm heap's size classes), so a total just under the limit can still fail with a
   * BackendMemoryError; callers use it to refuse work that cannot fit before allocating any of it.
   */
  readonly maxBytes?: number;
  /** The kernels this backend implements; a missing one runs on the JS reference with a one-time note. */
  readonly kernels: Partial<Kernels>;
  /** Whether `kernel` runs here for `dtype` (absent: every present kernel, every dtype in `dtypes`). */
  supports?(kernel: KernelName, dtype: DType): boolean;
  /** Releases workers and memory; the backend is unusable afterwards. */
  dispose?(): void;
}

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

/** Elementwise binary operators. */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/** `out = a op b`. a, b: any strides (broadcast views carry stride 0), shape equal to out's; out contiguous. */
export interface BinaryArgs {
  op: BinaryOp;
  a: Tensor;
  b: Tensor;
  out: Tensor;
}

/** `out = a op scalar`, or `out = scalar op a` when `scalarFirst`. a, out: contiguous, same shape. */
export interface BinaryScalarArgs {
  op: BinaryOp;
  a: Tensor;
  scalar: number;
  scalarFirst: boolean;
  out: Tensor;
}

/**
 * Elementwise unary functions. `pow` raises to `param`; `gelu_tanh` is GPT-2's tanh approximation,
 * `gelu_erf` the exact form; `squared_relu` is relu(x)².
 */
export type UnaryOp =
  | 'neg'
  | 'exp'
  | 'log'
  | 'sqrt'
  | 'rsqrt'
  | 'tanh'
  | 'pow'
  | 'relu'
  | 'gelu_tanh'
  | 'gelu_erf'
  | 'silu'
  | 'squared_relu';

/** `out = f(x)`. x, out: contiguous, same shape. `param` is the exponent for `pow`, ignored otherwise. */
export interface UnaryArgs {
  op: UnaryOp;
  x: Tensor;
  out: Tensor;
  param: number;
}

/** `dx += dout * f'(x)`, recomputing f' from x. x, dout, dx: contiguous, same shape. */
export interface UnaryBackwardArgs {
  op: UnaryOp;
  x: Tensor;
  dout: Tensor;
  dx: Tensor;
  param: number;
}

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
 * loss (0 for ignored rows). Returns the mean loss over rows that are not ignored (NaN when every row is).
 */
export interface CrossEntropyArgs {
  logits: Tensor;
  targets: Tensor;
  probs: Tensor;
  losses: Tensor;
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

/** Every kernel a backend may implement, by name. Each returns nothing except crossEntropy (the mean loss). */
export interface Kernels {
  matmul(args: MatmulArgs): void;
  binary(args: BinaryArgs): void;
  binaryScalar(args: BinaryScalarArgs): void;
  unary(args: UnaryArgs): void;
  unaryBackward(args: UnaryBackwardArgs): void;
  reduce(args: ReduceArgs): void;
  softmax(args: SoftmaxArgs): void;
  softmaxBackward(args: SoftmaxBackwardArgs): void;
  rmsnorm(args: RmsnormArgs): void;
  rmsnormBackward(args: RmsnormBackwardArgs): void;
  layernorm(args: LayernormArgs): void;
  layernormBackward(args: LayernormBackwardArgs): void;
  embedding(args: EmbeddingArgs): void;
  embeddingBackward(args: EmbeddingBackwardArgs): void;
  crossEntropy(args: CrossEntropyArgs): number;
  crossEntropyBackward(args: CrossEntropyBackwardArgs): void;
  attention(args: AttentionArgs): void;
  attentionBackward(args: AttentionBackwardArgs): void;
  adam(args: AdamArgs): void;
  fill(args: FillArgs): void;
  copy(args: CopyArgs): void;
  quantMatmul(args: QuantMatmulArgs): void;
}

/** Name of a kernel. */
export type KernelName = keyof Kernels;
