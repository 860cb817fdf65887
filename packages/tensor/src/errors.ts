// Typed errors: each message starts with the op's name and states what was expected and what was found.

/** Shapes that do not fit together, e.g. `matmul: a is [2, 3], b is [4, 5]; inner dims 3 and 4 differ`. */
export class ShapeError extends Error {
  /** Always `'ShapeError'`, so a caller can tell the error apart without `instanceof` (across bundles, say). */
  override readonly name = 'ShapeError';
}

/** A tensor of the wrong dtype, e.g. `embedding: ids must be int32, found float32`. */
export class DTypeError extends Error {
  /** Always `'DTypeError'`, so a caller can tell the error apart without `instanceof`. */
  override readonly name = 'DTypeError';
}

/** An index outside its bound, e.g. `embedding: ids[3] = 70 is outside [0, 65)`. */
export class IndexError extends Error {
  /** Always `'IndexError'`, so a caller can tell the error apart without `instanceof`. */
  override readonly name = 'IndexError';
}

/** A backend problem: unknown name, failed start-up, tensors on different backends, a disposed tensor. */
export class BackendError extends Error {
  /** `'BackendError'`, or a subclass's own name (typed `string` so that subclasses can override it). */
  override readonly name: string = 'BackendError';
}

/**
 * An allocation that does not fit: past the wasm backend's 4 GiB, or more than the engine gives one typed array
 * or the machine has (js), e.g. `wasm: allocating 2147483648 bytes would pass the WebAssembly memory limit …`.
 */
export class BackendMemoryError extends BackendError {
  /** Always `'BackendMemoryError'`, so a caller can tell an allocation failure from other backend errors. */
  override readonly name = 'BackendMemoryError';
}

/** `[2, 3]` for messages. */
export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}
