// The template backend's storage: one plain typed array per storage, found through a WeakMap keyed by the storage
// object. A device backend keeps its own handle here instead (a GPU buffer, an address in shared memory). Storages
// are recognized by identity, never by `storage.backend`: withAsyncFallback (and any backend composed over this one)
// relabels them.
import { BackendError, type Storage, type Tensor, type TypedArray } from '@microgpt/tensor';

/** The arrays behind a template backend's storages. */
export interface TemplateMemory {
  /** Registers a new storage's array. */
  add(storage: Storage, array: TypedArray): void;
  /** Forgets a freed storage. */
  remove(storage: Storage): void;
  /**
   * The array behind `storage`.
   * @throws {BackendError} naming `op` when the storage is freed or belongs to another backend.
   */
  arrayOf(storage: Storage, op: string): TypedArray;
  /** The array behind a float tensor, for kernels (ops have checked the dtype). */
  floatsOf(t: Tensor): Float32Array | Float64Array;
}

/** Storage for a backend named `name`. */
export function createMemory(name: string): TemplateMemory {
  const arrays = new WeakMap<Storage, TypedArray>();
  const arrayOf = (storage: Storage, op: string): TypedArray => {
    const array = arrays.get(storage);
    if (!array) throw new BackendError(`${name}.${op}: storage is freed or not from this backend`);
    return array;
  };
  return {
    add: (storage, array) => {
      arrays.set(storage, array);
    },
    remove: (storage) => {
      arrays.delete(storage);
    },
    arrayOf,
    floatsOf: (t) => arrayOf(t.storage, 'kernel') as Float32Array | Float64Array,
  };
}
