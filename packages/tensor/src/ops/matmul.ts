// Matrix multiply, plain or batched, with either operand transposed. Operands that are the transpose of a
// contiguous tensor are passed to the kernel as they lie (flipping the transpose flag) instead of copied.
import { kernel, sameBackend } from '../dispatch';
import { DTypeError, ShapeError, formatShape } from '../errors';
import type { Tensor } from '../tensor';
import { expectFloat, outputTensor } from './checks';

/** Options of {@link matmul}. */
export interface MatmulOptions {
  /** Use aᵀ: a is (K, M) or (B, K, M). */
  transA?: boolean;
  /** Use bᵀ: b is (N, K) or (B, N, K). */
  transB?: boolean;
  /** Write the result here (contiguous, of the result's shape and dtype). */
  out?: Tensor;
  /** Add the product into `out` instead of overwriting it (requires `out`). */
  accumulate?: boolean;
}

/** The (batch, rows, cols) view the kernel reads, and whether its last two axes are swapped relative to `t`. */
function kernelOperand(t: Tensor): { view: Tensor; swapped: boolean } {
  // reshape is a view for contiguous data (one new Tensor) and copies otherwise.
  const as3d = (c: Tensor): Tensor => c.reshape(c.rank === 3 ? c.shape : [1, ...c.shape]);
  if (!t.isContiguous()) {
    const flipped = t.transpose(-2, -1);
    if (flipped.isContiguous()) {
      const view = as3d(flipped);
      flipped.dispose();
      return { view, swapped: true };
    }
    flipped.dispose();
  }
  return { view: as3d(t), swapped: false };
}

/**
 * Matrix product `op(a) · op(b)`, where op transposes the last two axes when `transA` / `transB` is set.
 * a: (M, K) or (B, M, K), with transA (K, M) or (B, K, M); b: (K, N) or (B, K, N), with transB (N, K) or
 * (B, N, K). A 2-D operand is shared by every batch item, and so is a batch of 1; otherwise batch sizes must
 * match. Result: (M, N) when both are 2-D, else (B, M, N). Both must have the same float dtype.
 * @throws {ShapeError} for ranks other than 2 or 3, differing inner dims or batch sizes, or a bad `out`.
 * @throws {DTypeError} for non-float or differing dtypes.
 * @throws {TypeError} when `accumulate` is set without `out`, or `out` shares storage with a or b.
 */
export function matmul(a: Tensor, b: Tensor, options: MatmulOptions = {}): Tensor {
  const { transA = false, transB = false, accumulate = false } = options;
  const backend = sameBackend('matmul', [a, b, options.out]);
  const dtype = expectFloat('matmul', 'a', a);
  if (b.dtype !== dtype) {
    throw new DTypeError(`matmul: a is ${dtype} ${formatShape(a.shape)}, b is ${b.dtype} ${formatShape(b.shape)}; dtypes must match`);
  }
  const described = (name: string, t: Tensor, trans: boolean): string =>
    `${name} is ${formatShape(t.shape)}${trans ? ` (trans${name.toUpperCase()})` : ''}`;
  // Built only for an error: formatting shapes on every call would cost more than a 16×16 product.
  const shapes = (): string => `${described('a', a, transA)}, ${described('b', b, transB)}`;
  for (const [name, t] of [['a', a], ['b', b]] as const) {
    if (t.rank !== 2 && t.rank !== 3) {
      throw new ShapeError(`matmul: ${name} must have 2 or 3 dimensions, found ${formatShape(t.shape)}`);
    }
  }
  const [aRows, aCols] = a.shape.slice(-2) as [number, number];
  const [bRows, bCols] = b.shape.slice(-2) as [number, number];
  const [M, Ka] = transA ? [aCols, aRows] : [aRows, aCols];
  const [Kb, N] = transB ? [bCols, bRows] : [bRows, bCols];
  if (Ka !== Kb) throw new ShapeError(`matmul: ${shapes()}; inner dims ${Ka} and ${Kb} differ`);
  const batchA = a.rank === 3 ? a.shape[0]! : 1;
  const batchB = b.rank === 3 ? b.shape[0]! : 1;
  if (batchA !== batchB && batchA !== 1 && batchB !== 1) {
    throw new ShapeError(`matmul: ${shapes()}; batch sizes ${batchA} and ${batchB} differ and neither is 1`);
  }
  const batch = batchA === 1 ? batchB : batchA;
  const shape = a.rank === 2 && b.rank === 2 ? [M, N] : [batch, M, N];
  if (accumulate && !options.out) throw new TypeError('matmul: accumulate adds into out, but no out was given');
  const out = outputTensor('matmul', 'out', options.out, shape, dtype, backend);
  if (out.storage === a.storage || out.storage === b.storage) {
    throw new TypeError(`matmul: out shares storage with ${out.storage === a.storage ? 'a' : 'b'}; a product cannot be written over its input`);
  }
  const ka = kernelOperand(a);
  const kb = kernelOperand(b);
  const out3d = out.reshape([batch, M, N]);
  try {
    kernel(backend, 'matmul', dtype)({
      a: ka.view,
      b: kb.view,
      out: out3d,
      transA: transA !== ka.swapped,
      transB: transB !== kb.swapped,
      accumulate,
    });
  } finally {
    ka.view.dispose();
    kb.view.dispose();
    out3d.dispose();
  }
  return out;
}
