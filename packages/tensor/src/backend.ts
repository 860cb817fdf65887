// The contract between tensors and the code that computes with them. A backend owns storage and implements
// kernels; the JS backend (backends/js) is the readable definition of every kernel, and any kernel a backend
// leaves out runs there instead (see dispatch.ts). Kernel arguments are plain objects of tensors and numbers
// (each defined beside its JS kernel in backends/js/<family>.ts, gathered in kernel-args.ts); the kernel table below
// names them and says which tensors each one writes.
import type { DType, TypedArray } from './dtype';
import type * as Args from './kernel-args';
import type { Tensor } from './tensor';

export type * from './kernel-args';

/** A block of elements owned by one backend. Backends extend it with their own handle (array, offset, …). */
export interface Storage {
  /**
   * The backend that tensors over this storage run their kernels on: the backend that allocated it, or a backend
   * composed over that one (`composeBackend`, `withAsyncFallback`), which relabels the storages its base allocates
   * for it. So a backend recognizes its own storages by something else (a WeakSet of what it allocated), never
   * by this field, and returns storage objects whose `backend` can be reassigned.
   */
  readonly backend: Backend;
  /** Element type of every element in the buffer. */
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
 *
 * Storage ownership: `alloc` returns storages labeled with this backend, but a backend composed over this one
 * relabels them (see `Storage.backend`), so `free`, `readSync`, `readAsync`, `write` and the kernels must find
 * their storages by identity in a set of their own (a WeakSet), not by `storage.backend === this`.
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
  /**
   * Resolves to a copy of `length` elements starting at `offset`, in a new typed array of the storage's dtype.
   * The copy shows every `write` and kernel called before `readAsync` and nothing called after: take it (or
   * enqueue it on the device) before returning the promise. Every backend has it; a GPU has only this one.
   */
  readAsync(storage: Storage, offset: number, length: number): Promise<TypedArray>;
  /**
   * The same copy, synchronously: a capability of backends whose memory the CPU can read (js, wasm). Without it
   * `Tensor.toArray()` throws (use `toArrayAsync()`), and the JS fallback of a missing kernel needs the backend
   * wrapped in `withAsyncFallback`.
   */
  readSync?(storage: Storage, offset: number, length: number): TypedArray;
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
  /** The kernels this backend implements (core or registered ones); a missing one runs on the JS reference, noted once. */
  readonly kernels: Partial<Kernels>;
  /** Whether `kernel` runs here for `dtype` (absent: every present kernel, every dtype in `dtypes`). */
  supports?(kernel: KernelName, dtype: DType): boolean;
  /**
   * Records kernel calls to run again later with one call each time (a capability: wasm has it; a backend without it,
   * or a backend composed over one that has it, runs kernels one by one). `record` makes its calls on `kernels`,
   * which compute nothing yet: each call is kept with its tensors' addresses and its numbers, so a replay reads the
   * tensors' contents at that time (inputs written since, parameters updated since) but the same numbers. Returns
   * null, having kept nothing, when a call cannot be recorded: a kernel that needs the host between kernels (one that
   * reads or writes memory from JavaScript, like crossEntropy's mean), or one large enough to split across threads.
   */
  recordCommands?(record: (kernels: Partial<Kernels>) => void): CommandList | null;
  /** Releases workers and memory; the backend is unusable afterwards. */
  dispose?(): void;
}

/** Kernel calls recorded by `Backend.recordCommands`, replayed in the order they were made. */
export interface CommandList {
  /** Number of kernel calls recorded. */
  readonly length: number;
  /**
   * Runs the recorded calls again. Returns false, running nothing, when the list no longer applies (a tensor it
   * uses was freed, or the backend's thread settings changed since it was recorded): record it again.
   */
  run(): boolean;
  /** Frees the list's memory; `run` returns false afterwards. */
  dispose(): void;
}

/** The kernels that @microgpt/tensor defines. Each returns nothing: results go into output tensors. */
export interface CoreKernels {
  /** Matrix product into `out` (batched, transposes, accumulation): the kernel of `matmul`. */
  matmul(args: Args.MatmulArgs): void;
  /** An elementwise binary operator with NumPy broadcasting into `out`. */
  binary(args: Args.BinaryArgs): void;
  /** An elementwise binary operator between a tensor and a number into `out`. */
  binaryScalar(args: Args.BinaryScalarArgs): void;
  /** An elementwise unary function (a `UnaryOp`) into `out`. */
  unary(args: Args.UnaryArgs): void;
  /** Adds dout · f'(x) into the input's gradient. */
  unaryBackward(args: Args.UnaryBackwardArgs): void;
  /** A sum, mean or max over one axis or all of them into `out`. */
  reduce(args: Args.ReduceArgs): void;
  /** Softmax (or log-softmax) over the last axis, computed minus each row's max. */
  softmax(args: Args.SoftmaxArgs): void;
  /** Adds softmax's (or log-softmax's) input gradient, from its output and dout, into dx. */
  softmaxBackward(args: Args.SoftmaxBackwardArgs): void;
  /** RMSNorm over the last axis (with an optional gain), saving rstd for the backward. */
  rmsnorm(args: Args.RmsnormArgs): void;
  /** Adds RMSNorm's input (and gain) gradients into dx (and dweight). */
  rmsnormBackward(args: Args.RmsnormBackwardArgs): void;
  /** LayerNorm over the last axis with gain and bias, saving mean and rstd for the backward. */
  layernorm(args: Args.LayernormArgs): void;
  /** Adds LayerNorm's input, gain and bias gradients. */
  layernormBackward(args: Args.LayernormBackwardArgs): void;
  /** Gathers rows of a (V, C) table by int32 ids into `out`. */
  embedding(args: Args.EmbeddingArgs): void;
  /** Adds each row of dout into the table gradient's row of its id. */
  embeddingBackward(args: Args.EmbeddingBackwardArgs): void;
  /** Softmax cross-entropy over the last axis (targets -1 ignored): probabilities, per-row losses, and their mean in `loss`. */
  crossEntropy(args: Args.CrossEntropyArgs): void;
  /** Adds the mean loss's gradient with respect to the logits. */
  crossEntropyBackward(args: Args.CrossEntropyBackwardArgs): void;
  /** Causal scaled dot-product attention over (B, H, T, D), with a KV-cache offset, saving the attention weights. */
  attention(args: Args.AttentionArgs): void;
  /** Adds attention's gradients into dq, dk and dv. */
  attentionBackward(args: Args.AttentionBackwardArgs): void;
  /** One Adam (AdamW with weight decay) update of a parameter and its m and v, in place. */
  adam(args: Args.AdamArgs): void;
  /** Sets every element of `out` to one value. */
  fill(args: Args.FillArgs): void;
  /** A strided copy into `out`, converting the dtype. */
  copy(args: Args.CopyArgs): void;
  /** x · Ŵᵀ with Ŵ decoded from int8 or int4 codes, scales and offsets (see `@microgpt/quant`). */
  quantMatmul(args: Args.QuantMatmulArgs): void;
}

/**
 * Every kernel by name: the core ones and those other packages add. A package adds a kernel (a fused kernel, a
 * backend's own op) by augmenting this interface and registering the kernel's JS reference and metadata:
 * ```ts
 * declare module '@microgpt/tensor' {
 *   interface Kernels { scaleRows(args: ScaleRowsArgs): void }
 * }
 * registerKernel('scaleRows', scaleRowsReference, { outputs: ['out'] });
 * ```
 * Kernels take one object of named arguments: tensors (or null) as top-level properties, and numbers, booleans or
 * strings; they return nothing.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type -- an interface, so that packages can augment it
export interface Kernels extends CoreKernels {}

/** Name of a kernel. */
export type KernelName = keyof Kernels;

/** The argument object of kernel `K`. */
export type KernelArgs<K extends KernelName> = Parameters<Kernels[K]>[0];

/** Names of the properties of `A` that hold a tensor (possibly null). */
export type TensorArgName<A> = { [P in keyof A]-?: NonNullable<A[P]> extends Tensor ? P : never }[keyof A] & string;

/** What the core needs to know about a kernel besides its code. */
export interface KernelInfo<A> {
  /**
   * The tensor arguments the kernel writes (overwrites, or adds into); the others it only reads. The per-kernel
   * fallback copies back only these.
   */
  readonly outputs: readonly TensorArgName<A>[];
}

/** The metadata of every core kernel. */
export const CORE_KERNEL_INFO: { readonly [K in keyof CoreKernels]: KernelInfo<Parameters<CoreKernels[K]>[0]> } = {
  matmul: { outputs: ['out'] },
  binary: { outputs: ['out'] },
  binaryScalar: { outputs: ['out'] },
  unary: { outputs: ['out'] },
  unaryBackward: { outputs: ['dx'] },
  reduce: { outputs: ['out'] },
  softmax: { outputs: ['out'] },
  softmaxBackward: { outputs: ['dx'] },
  rmsnorm: { outputs: ['out', 'rstd'] },
  rmsnormBackward: { outputs: ['dx', 'dweight'] },
  layernorm: { outputs: ['out', 'mean', 'rstd'] },
  layernormBackward: { outputs: ['dx', 'dweight', 'dbias'] },
  embedding: { outputs: ['out'] },
  embeddingBackward: { outputs: ['dweight'] },
  crossEntropy: { outputs: ['probs', 'losses', 'loss'] },
  crossEntropyBackward: { outputs: ['dlogits'] },
  attention: { outputs: ['out', 'att'] },
  attentionBackward: { outputs: ['dq', 'dk', 'dv'] },
  adam: { outputs: ['param', 'm', 'v'] },
  fill: { outputs: ['out'] },
  copy: { outputs: ['dst'] },
  quantMatmul: { outputs: ['out'] },
};
