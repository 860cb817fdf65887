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
  /** Releases workers and memory; the backend is unusable afterwards. */
  dispose?(): void;
}

/** The kernels that @microgpt/tensor defines. Each returns nothing: results go into output tensors. */
export interface CoreKernels {
  matmul(args: Args.MatmulArgs): void;
  binary(args: Args.BinaryArgs): void;
  binaryScalar(args: Args.BinaryScalarArgs): void;
  unary(args: Args.UnaryArgs): void;
  unaryBackward(args: Args.UnaryBackwardArgs): void;
  reduce(args: Args.ReduceArgs): void;
  softmax(args: Args.SoftmaxArgs): void;
  softmaxBackward(args: Args.SoftmaxBackwardArgs): void;
  rmsnorm(args: Args.RmsnormArgs): void;
  rmsnormBackward(args: Args.RmsnormBackwardArgs): void;
  layernorm(args: Args.LayernormArgs): void;
  layernormBackward(args: Args.LayernormBackwardArgs): void;
  embedding(args: Args.EmbeddingArgs): void;
  embeddingBackward(args: Args.EmbeddingBackwardArgs): void;
  crossEntropy(args: Args.CrossEntropyArgs): void;
  crossEntropyBackward(args: Args.CrossEntropyBackwardArgs): void;
  attention(args: Args.AttentionArgs): void;
  attentionBackward(args: Args.AttentionBackwardArgs): void;
  adam(args: Args.AdamArgs): void;
  fill(args: Args.FillArgs): void;
  copy(args: Args.CopyArgs): void;
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
