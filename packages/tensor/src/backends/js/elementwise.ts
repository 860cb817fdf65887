// The binary elementwise family in one place: its operators with their definitions, argument types and JS kernels,
// tensor with tensor (any strides, so broadcast views work) and tensor with a scalar. The strided walk handles whole
// rows of the last axis at a time, with one loop per operator so that no inner loop branches on it. The conformance
// suite runs every operator here (elementwise.cases.ts).
import type { Tensor } from '../../tensor';
import { floatsOf } from './storage';

/** What an elementwise binary operator is, beside the loops below that compute it fast. */
export interface BinaryOpDefinition {
  /** `a op b` for one pair of float64 values: the definition every backend's kernel is tested against. */
  readonly apply: (a: number, b: number) => number;
  /** The values the right operand is defined for: `nonzero` ones (div) are infinite at b = 0, so tests avoid it. */
  readonly b: 'real' | 'nonzero';
}

/** An elementwise binary operator (a key of {@link BINARY_OP_DEFINITIONS}, which must define every one). */
export type BinaryOp = 'add' | 'sub' | 'mul' | 'div';

/**
 * Every elementwise binary operator with its definition: the op list, which the wasm and WebGPU kernels must each
 * give code (a type error otherwise), and which the conformance suite, the tests and autograd's gradient checks
 * read, so a new operator needs no case of its own there.
 */
export const BINARY_OP_DEFINITIONS: Readonly<Record<BinaryOp, BinaryOpDefinition>> = {
  add: { apply: (a, b) => a + b, b: 'real' },
  sub: { apply: (a, b) => a - b, b: 'real' },
  mul: { apply: (a, b) => a * b, b: 'real' },
  div: { apply: (a, b) => a / b, b: 'nonzero' },
};

/** The elementwise binary operators, in the order of {@link BINARY_OP_DEFINITIONS}. */
export const BINARY_OPS = Object.keys(BINARY_OP_DEFINITIONS) as readonly BinaryOp[];

/** `out = a op b`. a, b: any strides (broadcast views carry stride 0), shape equal to out's; out contiguous. */
export interface BinaryArgs {
  /** Which operator to apply. */
  op: BinaryOp;
  /** Left operand, out's shape, any strides (stride 0 on broadcast axes). */
  a: Tensor;
  /** Right operand, out's shape, any strides (stride 0 on broadcast axes). */
  b: Tensor;
  /** Result, contiguous, overwritten. */
  out: Tensor;
}

/** `out = a op scalar`, or `out = scalar op a` when `scalarFirst`. a, out: contiguous, same shape. */
export interface BinaryScalarArgs {
  /** Which operator to apply. */
  op: BinaryOp;
  /** The tensor operand, contiguous. */
  a: Tensor;
  /** The number operand, applied to every element. */
  scalar: number;
  /** True computes `scalar op a` (it matters for sub and div), false `a op scalar`. */
  scalarFirst: boolean;
  /** Result, contiguous, `a`'s shape, overwritten. */
  out: Tensor;
}

type Floats = Float32Array | Float64Array;

/** out[o + i] = a[ai + i·sa] op b[bi + i·sb] for i < n: one row, with the op chosen outside the loop. */
function row(op: BinaryOp, A: Floats, ai: number, sa: number, B: Floats, bi: number, sb: number, O: Floats, o: number, n: number): void {
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) O[o + i] = A[ai + i * sa]! + B[bi + i * sb]!;
      return;
    case 'sub':
      for (let i = 0; i < n; i++) O[o + i] = A[ai + i * sa]! - B[bi + i * sb]!;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) O[o + i] = A[ai + i * sa]! * B[bi + i * sb]!;
      return;
    case 'div':
      for (let i = 0; i < n; i++) O[o + i] = A[ai + i * sa]! / B[bi + i * sb]!;
      return;
    default:
      throw new Error(`binary: unknown op '${String(op satisfies never)}'`);
  }
}

/** `out = a op b`: a and b have out's shape with any strides (0 on broadcast axes); out is contiguous. */
export function binary({ op, a, b, out }: BinaryArgs): void {
  const A = floatsOf(a);
  const B = floatsOf(b);
  const O = floatsOf(out);
  const size = out.size;
  if (size === 0) return;
  if (a.isContiguous() && b.isContiguous()) {
    row(op, A, a.offset, 1, B, b.offset, 1, O, out.offset, size);
    return;
  }
  // Walk the outer axes with an odometer, carrying a and b's storage positions along; each step is one row.
  const rank = out.rank;
  const inner = out.shape[rank - 1]!;
  const counter = new Array<number>(rank).fill(0);
  let ai = a.offset;
  let bi = b.offset;
  for (let o = out.offset; o < out.offset + size; o += inner) {
    row(op, A, ai, a.strides[rank - 1]!, B, bi, b.strides[rank - 1]!, O, o, inner);
    for (let d = rank - 2; d >= 0; d--) {
      ai += a.strides[d]!;
      bi += b.strides[d]!;
      if (++counter[d]! < out.shape[d]!) break;
      ai -= a.strides[d]! * out.shape[d]!;
      bi -= b.strides[d]! * out.shape[d]!;
      counter[d] = 0;
    }
  }
}

/** `out = a op scalar`, or `out = scalar op a` when `scalarFirst`; a and out contiguous, same shape. */
export function binaryScalar({ op, a, scalar, scalarFirst, out }: BinaryScalarArgs): void {
  const n = a.size;
  const A = floatsOf(a).subarray(a.offset, a.offset + n);
  const O = floatsOf(out).subarray(out.offset, out.offset + n);
  const s = scalar;
  switch (op) {
    case 'add':
      for (let i = 0; i < n; i++) O[i] = A[i]! + s;
      return;
    case 'mul':
      for (let i = 0; i < n; i++) O[i] = A[i]! * s;
      return;
    case 'sub':
      if (scalarFirst) for (let i = 0; i < n; i++) O[i] = s - A[i]!;
      else for (let i = 0; i < n; i++) O[i] = A[i]! - s;
      return;
    case 'div':
      if (scalarFirst) for (let i = 0; i < n; i++) O[i] = s / A[i]!;
      else for (let i = 0; i < n; i++) O[i] = A[i]! / s;
      return;
    default:
      throw new Error(`binaryScalar: unknown op '${String(op satisfies never)}'`);
  }
}
