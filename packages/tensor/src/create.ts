// Creating tensors: constants, ranges, nested arrays and typed arrays, and seeded random values.
import type { Backend } from './backend';
import { type DType, type TypedArray, allocTypedArray, dtypeOfArray } from './dtype';
import { ShapeError, formatShape } from './errors';
import { PythonRandom } from './random/index';
import { type Shape, shapeSize } from './shape';
import { type NestedArray, Tensor } from './tensor';
import { kernel } from './dispatch';

/** Where a new tensor goes and what it holds. */
export interface CreateOptions {
  /** Element type (default float32, or the typed array's own type). */
  dtype?: DType;
  /** Backend or its registered name (default: the current backend). */
  backend?: Backend | string;
}

/** Options of the random creators: a generator to draw from, or a seed for a new one. */
export interface RandomOptions extends CreateOptions {
  /** Draw from this generator (its state advances). */
  rng?: PythonRandom;
  /** Seed for a new generator when `rng` is absent (default: a random seed). */
  seed?: number;
}

function fromData(data: TypedArray, shape: Shape, options: CreateOptions): Tensor {
  const dtype = options.dtype ?? dtypeOfArray(data);
  const out = Tensor.empty(shape, dtype, options.backend);
  let typed = data;
  if (dtypeOfArray(data) !== dtype) {
    typed = allocTypedArray(dtype, data.length);
    typed.set(data);
  }
  out.backend.write(out.storage, 0, typed);
  return out;
}

function nestedShape(data: NestedArray): number[] {
  const shape: number[] = [];
  let level = data;
  while (Array.isArray(level)) {
    shape.push(level.length);
    level = level[0] ?? 0;
  }
  return shape;
}

function flatten(data: NestedArray, shape: Shape, out: number[], depth = 0): void {
  if (depth === shape.length) {
    if (typeof data !== 'number') throw new ShapeError(`tensor: ragged nested array, expected a number at depth ${depth}`);
    out.push(data);
    return;
  }
  if (!Array.isArray(data) || data.length !== shape[depth]) {
    throw new ShapeError(`tensor: ragged nested array, expected ${shape[depth]} items at depth ${depth} for shape ${formatShape(shape)}`);
  }
  for (const item of data) flatten(item, shape, out, depth + 1);
}

/**
 * A tensor from a number, nested arrays, or a typed array (copied). `shape` reshapes flat data.
 * @throws {ShapeError} for ragged arrays or a `shape` whose size differs from the data's.
 */
export function tensor(data: NestedArray | TypedArray, options: CreateOptions & { shape?: Shape } = {}): Tensor {
  const isTyped = ArrayBuffer.isView(data);
  const naturalShape = isTyped ? [data.length] : nestedShape(data);
  const shape = options.shape ?? naturalShape;
  let typed: TypedArray;
  if (isTyped) {
    typed = data;
  } else {
    const flat: number[] = [];
    flatten(data, naturalShape, flat);
    typed = allocTypedArray(options.dtype ?? 'float32', flat.length);
    typed.set(flat);
  }
  if (shapeSize(shape) !== typed.length) {
    throw new ShapeError(`tensor: ${typed.length} values do not fill shape ${formatShape(shape)} (${shapeSize(shape)} elements)`);
  }
  return fromData(typed, shape, options);
}

/** A tensor of `shape` filled with `value`. */
export function full(shape: Shape, value: number, options: CreateOptions = {}): Tensor {
  const out = Tensor.empty(shape, options.dtype, options.backend);
  if (value !== 0) kernel(out.backend, 'fill', out.dtype)({ out, value });
  return out;
}

/** A tensor of `shape` filled with zeros. */
export function zeros(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 0, options);
}

/** A tensor of `shape` filled with ones. */
export function ones(shape: Shape, options: CreateOptions = {}): Tensor {
  return full(shape, 1, options);
}

/**
 * The 1-D tensor start, start + step, … up to but excluding `stop` (NumPy's arange).
 * @throws {RangeError} when `step` is 0 or not finite.
 */
export function arange(start: number, stop: number, step = 1, options: CreateOptions = {}): Tensor {
  if (step === 0 || !Number.isFinite(step)) throw new RangeError(`arange: step must be a finite non-zero number, found ${step}`);
  const n = Math.max(0, Math.ceil((stop - start) / step));
  const data = allocTypedArray(options.dtype ?? 'float32', n);
  for (let i = 0; i < n; i++) data[i] = start + i * step;
  return fromData(data, [n], options);
}

function sample(shape: Shape, options: RandomOptions, draw: (rng: PythonRandom) => number): Tensor {
  const rng = options.rng ?? new PythonRandom(options.seed ?? Math.floor(Math.random() * 2 ** 32));
  const data = allocTypedArray(options.dtype ?? 'float32', shapeSize(shape));
  for (let i = 0; i < data.length; i++) data[i] = draw(rng);
  return fromData(data, shape, options);
}

/**
 * Normal samples N(mean, std²) in row-major order, drawn with Python's `random.gauss`, so that
 * `randn([r, c], {seed: 42, std: 0.08})` matches `[[random.gauss(0, 0.08) for _ in range(c)] for _ in range(r)]`
 * after `random.seed(42)`.
 */
export function randn(shape: Shape, options: RandomOptions & { mean?: number; std?: number } = {}): Tensor {
  const { mean = 0, std = 1 } = options;
  return sample(shape, options, (rng) => rng.gauss(mean, std));
}

/** Uniform samples in [low, high) in row-major order: `low + (high - low) * random.random()`. */
export function rand(shape: Shape, options: RandomOptions & { low?: number; high?: number } = {}): Tensor {
  const { low = 0, high = 1 } = options;
  return sample(shape, options, (rng) => low + (high - low) * rng.random());
}
