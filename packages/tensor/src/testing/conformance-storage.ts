// The storage part of the conformance suite: what every backend's alloc, write, readAsync, readSync and memory
// counters must do, for each dtype it declares, checked through plain comparisons (no kernel involved, except the
// strided copy that reads a transposed view).
import type { Backend } from '../backend';
import { type DType, type TypedArray, allocTypedArray, dtypeOfArray } from '../dtype';
import { BackendError } from '../errors';
import { tensor } from '../create';
import type { Tensor } from '../tensor';

/** Seven values of `dtype` that survive a round trip exactly (negative, fractional, extreme where it has them). */
function sample(dtype: DType): TypedArray {
  const values = {
    float32: [-1.5, 0.1, 3.4028234663852886e38, -0, 1e-30, 7, Math.fround(Math.PI)],
    float64: [-1.5, 0.1, 1.7976931348623157e308, -0, 5e-324, 7, Math.PI],
    int32: [-2147483648, -1, 0, 1, 2147483647, 65536, -7],
    uint8: [0, 1, 127, 128, 254, 255, 7],
  }[dtype];
  const array = allocTypedArray(dtype, values.length);
  array.set(values);
  return array;
}

function expectSame(label: string, actual: TypedArray, expected: TypedArray): void {
  if (dtypeOfArray(actual) !== dtypeOfArray(expected)) {
    throw new Error(`${label}: a ${dtypeOfArray(actual)} array, expected ${dtypeOfArray(expected)}`);
  }
  const same = actual.length === expected.length && actual.every((x, i) => Object.is(x, expected[i]));
  if (!same) throw new Error(`${label}: [${actual.join(', ')}], expected [${expected.join(', ')}]`);
}

/** Reads with readAsync and, when the backend has it, with readSync, which must agree. */
async function readBoth(backend: Backend, label: string, storage: Tensor['storage'], offset: number, length: number): Promise<TypedArray> {
  const later = await backend.readAsync(storage, offset, length);
  if (backend.readSync) expectSame(`${label} (readSync vs readAsync)`, backend.readSync(storage, offset, length), later);
  return later;
}

/**
 * Checks `backend`'s storage for each dtype it declares: alloc zero-fills; write at an offset changes only its
 * range; readAsync (and readSync, equal to it) return copies of exactly the range asked for, of the storage's dtype,
 * empty for length 0; a read shows the state at its call, not later writes; alloc and free move the memory
 * counters (every read before the free was awaited, so nothing is queued); a transposed view reads back in row-major order; without readSync, toArray refuses with a BackendError.
 */
export async function checkStorage(backend: Backend): Promise<void> {
  for (const dtype of backend.dtypes) {
    const label = `${backend.name} ${dtype}`;
    const before = backend.memory();
    const storage = backend.alloc(dtype, 37);
    const counted = backend.memory();
    if (counted.liveStorages !== before.liveStorages + 1 || counted.totalAllocations !== before.totalAllocations + 1) {
      throw new Error(`${label}: alloc moved liveStorages ${before.liveStorages} → ${counted.liveStorages}, totalAllocations ${before.totalAllocations} → ${counted.totalAllocations}; expected +1 each`);
    }
    const zeros = allocTypedArray(dtype, 37);
    expectSame(`${label} after alloc`, await readBoth(backend, label, storage, 0, 37), zeros);
    const values = sample(dtype);
    backend.write(storage, 30, values);
    const pending = backend.readAsync(storage, 30, 7);
    backend.write(storage, 30, allocTypedArray(dtype, 7));
    expectSame(`${label} read before a later write`, await pending, values);
    backend.write(storage, 5, values);
    const expected = zeros.slice();
    expected.set(values, 5);
    expectSame(`${label} after write at 5`, await readBoth(backend, label, storage, 0, 37), expected);
    expectSame(`${label} range [6, 9)`, await readBoth(backend, label, storage, 6, 3), values.subarray(1, 4));
    expectSame(`${label} empty range`, await readBoth(backend, label, storage, 12, 0), allocTypedArray(dtype, 0));
    backend.free(storage);
    const after = backend.memory();
    if (after.liveStorages !== before.liveStorages || after.liveBytes !== before.liveBytes) {
      throw new Error(`${label}: after free, ${after.liveStorages} storages and ${after.liveBytes} bytes live, expected ${before.liveStorages} and ${before.liveBytes}`);
    }
  }
  const grid = tensor([[1, 2, 3], [4, 5, 6]], { dtype: 'float32', backend });
  const transposed = grid.transpose();
  expectSame(`${backend.name} transposed view`, await transposed.toArrayAsync(), Float32Array.from([1, 4, 2, 5, 3, 6]));
  if (!backend.readSync) {
    let refused: unknown = null;
    try {
      grid.toArray();
    } catch (error) {
      refused = error;
    }
    if (!(refused instanceof BackendError)) throw new Error(`${backend.name}: toArray without readSync must throw a BackendError, found ${String(refused)}`);
  }
  transposed.dispose();
  grid.dispose();
}
