// Tensor: a dtype, a shape and strides over storage that a backend owns. Views (reshape, transpose, slice,
// broadcast) share storage; storage is freed when the last tensor over it is disposed.
import type { Backend, Storage } from './backend';
import type { DType, TypedArray } from './dtype';
import { BackendError, IndexError, ShapeError, formatShape } from './errors';
import { type Shape, checkShape, contiguousStrides, normalizeAxis, shapeSize } from './shape';
import { kernel } from './dispatch';
import { resolveBackend } from './registry';

// The count of live tensors over a storage rides on the storage object itself: cheaper than a WeakMap
// lookup, which showed up in the per-call cost of small ops. A storage freed by its owner (`freeStorage`) has
// count -1, so views disposed later never free it twice.
const REFS = Symbol('microgpt.refs');
type Counted = Storage & { [REFS]?: number };
const FREED = -1;

/** A nested array of numbers, as `toList` returns and `tensor()` accepts. */
export type NestedArray = number | NestedArray[];

/** An n-dimensional array on a backend. Create with `tensor`, `zeros`, `randn`, …; free with `dispose()`. */
export class Tensor {
  /** Element type of the storage (float32, float64, int32 or uint8); fixed for the tensor's life. */
  readonly dtype: DType;
  /** Size of each dimension, outermost first; `[]` for a scalar. */
  readonly shape: Shape;
  /** Element steps per dimension; 0 on a broadcast dimension. */
  readonly strides: readonly number[];
  /** Index of element [0, 0, …] in the storage. */
  readonly offset: number;
  /** The backend buffer holding the elements, possibly shared with other views (`reshape`, `slice`, …). */
  readonly storage: Storage;
  #disposed = false;

  private constructor(storage: Storage, shape: Shape, strides: readonly number[], offset: number) {
    this.storage = storage;
    this.dtype = storage.dtype;
    this.shape = Object.freeze([...shape]);
    this.strides = Object.freeze([...strides]);
    this.offset = offset;
    (storage as Counted)[REFS] = ((storage as Counted)[REFS] ?? 0) + 1;
  }

  /**
   * A tensor over existing storage (for backends and ops; users create tensors with `tensor`, `zeros`, …).
   * Each view holds a reference: the storage is freed when every view over it is disposed.
   */
  static view(storage: Storage, shape: Shape, strides: readonly number[] = contiguousStrides(shape), offset = 0): Tensor {
    return new Tensor(storage, shape, strides, offset);
  }

  /** A new zero-filled contiguous tensor of `shape` on `backend` (default: the current backend). */
  static empty(shape: Shape, dtype: DType = 'float32', backend?: Backend | string): Tensor {
    checkShape('empty', shape);
    const owner = resolveBackend(backend);
    if (!owner.dtypes.includes(dtype)) {
      throw new BackendError(`empty: backend '${owner.name}' cannot store ${dtype}; it stores ${owner.dtypes.join(', ')}`);
    }
    return new Tensor(owner.alloc(dtype, shapeSize(shape)), shape, contiguousStrides(shape), 0);
  }

  /** The backend that owns this tensor's storage. */
  get backend(): Backend {
    return this.storage.backend;
  }

  /** Number of elements. */
  get size(): number {
    return shapeSize(this.shape);
  }

  /** Number of dimensions. */
  get rank(): number {
    return this.shape.length;
  }

  /** Whether `dispose()` was called on this tensor. */
  get disposed(): boolean {
    return this.#disposed;
  }

  /** `float32 [2, 3] on js`, for messages. */
  describe(): string {
    return `${this.dtype} ${formatShape(this.shape)} on ${this.backend.name}`;
  }

  /** True when the elements are laid out row-major with no gaps (dimensions of size 1 may have any stride). */
  isContiguous(): boolean {
    let expected = 1;
    for (let i = this.rank - 1; i >= 0; i--) {
      const d = this.shape[i]!;
      if (d !== 1 && this.strides[i] !== expected) return false;
      expected *= d;
    }
    return true;
  }

  /**
   * The same elements in a new shape; one dimension may be -1 (inferred). A view when contiguous, else a copy.
   * @throws {ShapeError} when the sizes differ or -1 cannot be inferred.
   */
  reshape(shape: Shape): Tensor {
    const known = shape.reduce((n, d) => (d === -1 ? n : n * d), 1);
    const inferred = shape.filter((d) => d === -1).length;
    const resolved = shape.map((d) => (d === -1 ? this.size / known : d));
    checkShape('reshape', resolved);
    if (inferred > 1 || shapeSize(resolved) !== this.size) {
      throw new ShapeError(`reshape: cannot view ${formatShape(this.shape)} (${this.size} elements) as ${formatShape(shape)}`);
    }
    if (this.isContiguous()) return Tensor.view(this.storage, resolved, contiguousStrides(resolved), this.offset);
    const copy = this.clone();
    const view = Tensor.view(copy.storage, resolved, contiguousStrides(resolved), 0);
    copy.dispose();
    return view;
  }

  /** A view with dimensions `axes[i]` of this tensor as dimension i. @throws {ShapeError} when not a permutation. */
  permute(axes: readonly number[]): Tensor {
    const resolved = axes.map((a) => normalizeAxis('permute', a, this.rank));
    if (resolved.length !== this.rank || new Set(resolved).size !== this.rank) {
      throw new ShapeError(`permute: [${axes.join(', ')}] is not a permutation of the ${this.rank} axes of ${formatShape(this.shape)}`);
    }
    return Tensor.view(this.storage, resolved.map((a) => this.shape[a]!), resolved.map((a) => this.strides[a]!), this.offset);
  }

  /** A view with two dimensions swapped (default: the last two). */
  transpose(dim0 = -2, dim1 = -1): Tensor {
    const a = normalizeAxis('transpose', dim0, this.rank);
    const b = normalizeAxis('transpose', dim1, this.rank);
    const axes = this.shape.map((_, i) => (i === a ? b : i === b ? a : i));
    return this.permute(axes);
  }

  /**
   * A view of indices [start, end) along `axis` (negative values count from the end).
   * @throws {IndexError} when the range is outside the dimension.
   */
  slice(axis: number, start: number, end: number = this.shape[normalizeAxis('slice', axis, this.rank)]!): Tensor {
    const ax = normalizeAxis('slice', axis, this.rank);
    const dim = this.shape[ax]!;
    const from = start < 0 ? start + dim : start;
    const to = end < 0 ? end + dim : end;
    if (!Number.isInteger(from) || !Number.isInteger(to) || from < 0 || to > dim || from > to) {
      throw new IndexError(`slice: [${start}, ${end}) is outside axis ${axis} of size ${dim} in ${formatShape(this.shape)}`);
    }
    const shape = this.shape.map((d, i) => (i === ax ? to - from : d));
    return Tensor.view(this.storage, shape, this.strides, this.offset + from * this.strides[ax]!);
  }

  /**
   * A view repeated along dimensions of size 1 (stride 0) and new leading dimensions, NumPy rules.
   * @throws {ShapeError} when this shape does not broadcast to `shape`.
   */
  broadcastTo(shape: Shape): Tensor {
    const lead = shape.length - this.rank;
    if (lead < 0) throw new ShapeError(`broadcastTo: ${formatShape(this.shape)} has more dimensions than ${formatShape(shape)}`);
    const strides = shape.map((d, i) => {
      const own = i < lead ? 1 : this.shape[i - lead]!;
      if (own !== d && own !== 1) {
        throw new ShapeError(`broadcastTo: ${formatShape(this.shape)} does not broadcast to ${formatShape(shape)}`);
      }
      return i < lead || (own === 1 && d !== 1) ? 0 : this.strides[i - lead]!;
    });
    return Tensor.view(this.storage, shape, strides, this.offset);
  }

  /** A contiguous tensor with these elements: a new view of the same storage when already contiguous, else a copy. */
  contiguous(): Tensor {
    if (this.isContiguous()) return Tensor.view(this.storage, this.shape, contiguousStrides(this.shape), this.offset);
    return this.clone();
  }

  /** A contiguous copy on the same backend, or converted to `dtype`. */
  clone(dtype: DType = this.dtype): Tensor {
    const out = Tensor.empty(this.shape, dtype, this.backend);
    kernel(this.backend, 'copy', dtype)({ src: this, dst: out });
    return out;
  }

  /** A contiguous copy of this tensor on `backend`. @throws {BackendError} as `toArray`. */
  to(backend: Backend | string): Tensor {
    const target = resolveBackend(backend);
    const out = Tensor.empty(this.shape, this.dtype, target);
    target.write(out.storage, 0, this.toArray());
    return out;
  }

  /**
   * The elements in row-major order, as a new typed array of this dtype.
   * @throws {BackendError} when the backend reads only asynchronously (a GPU): use `await t.toArrayAsync()`.
   */
  toArray(): TypedArray {
    const { backend } = this;
    if (!backend.readSync) {
      throw new BackendError(`toArray: backend '${backend.name}' reads only asynchronously; use await t.toArrayAsync()`);
    }
    const source = this.contiguous();
    const data = backend.readSync(source.storage, source.offset, this.size);
    source.dispose();
    return data;
  }

  /**
   * The elements in row-major order, as a new typed array of this dtype, on any backend: the values as of this call
   * (work issued after it does not change them), delivered when the backend has read them.
   */
  async toArrayAsync(): Promise<TypedArray> {
    const source = this.contiguous();
    const data = this.backend.readAsync(source.storage, source.offset, this.size);
    source.dispose();
    return await data;
  }

  /** The elements as nested arrays (a number for a scalar). @throws {BackendError} as `toArray`. */
  toList(): NestedArray {
    return this.#nest(this.toArray());
  }

  /** The elements as nested arrays (a number for a scalar), on any backend; see `toArrayAsync`. */
  async toListAsync(): Promise<NestedArray> {
    return this.#nest(await this.toArrayAsync());
  }

  /** The single element of a one-element tensor. @throws {ShapeError} otherwise; {BackendError} as `toArray`. */
  item(): number {
    this.#expectOneElement('item');
    return this.toArray()[0]!;
  }

  /** The single element of a one-element tensor, on any backend; see `toArrayAsync`. Rejects with a ShapeError otherwise. */
  async itemAsync(): Promise<number> {
    this.#expectOneElement('itemAsync');
    return (await this.toArrayAsync())[0]!;
  }

  #expectOneElement(op: string): void {
    if (this.size !== 1) throw new ShapeError(`${op}: tensor ${formatShape(this.shape)} has ${this.size} elements, not 1`);
  }

  #nest(flat: TypedArray): NestedArray {
    const build = (dim: number, start: number): NestedArray => {
      if (dim === this.rank) return flat[start]!;
      const stride = shapeSize(this.shape.slice(dim + 1));
      return Array.from({ length: this.shape[dim]! }, (_, i) => build(dim + 1, start + i * stride));
    };
    return build(0, 0);
  }

  /** Releases this tensor; its storage is freed when no other view uses it. Calling twice does nothing. */
  dispose(): void {
    if (this.#disposed) return;
    this.#disposed = true;
    const storage = this.storage as Counted;
    if (storage[REFS] === FREED) return;
    const refs = (storage[REFS] ?? 1) - 1;
    storage[REFS] = refs;
    if (refs === 0) this.backend.free(this.storage);
  }

  /**
   * Frees this tensor's storage now, however many views of it are alive, and disposes this tensor. For owners of
   * an arena whose views are internal and never disposed one by one (a model's planned buffers): every view of
   * the storage is invalid afterwards, and disposing one later does nothing. Calling it twice does nothing.
   */
  freeStorage(): void {
    this.#disposed = true;
    const storage = this.storage as Counted;
    if (storage[REFS] === FREED) return;
    storage[REFS] = FREED;
    this.backend.free(this.storage);
  }

  /** `Tensor(…)` with the dtype, shape and backend, for logs and messages (never the values). */
  toString(): string {
    return `Tensor(${this.describe()})`;
  }
}
