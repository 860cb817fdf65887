// The wasm backend's kernel table: each kernel turns its tensors into byte addresses and calls the matching
// export of the AssemblyScript module (assembly/), split across threads where the work is large enough.
// Exports are typed by the bindings generated from assembly/ (module.ts), so an argument list that does not
// match an export's signature is a type error. Cases the module does not cover (a copy between dtypes) run on
// the JS reference.
import {
  type BinaryOp,
  type DType,
  type Kernels,
  type ReduceOp,
  type Tensor,
  type UnaryOp,
  BackendError,
  bytesPerElement,
  powCorrectlyRounded,
  referenceKernel,
  sameShape,
} from '../../index';
import { BINARY_OP_CODES, REDUCE_OP_CODES, UNARY_OP_CODES } from '../../generated/kernel-exports';
import type { Address, KernelExports, KernelName } from './module';
import type { WasmRuntime } from './runtime';

// The codes come from the AssemblyScript enums; these types make a TypeScript op without an AssemblyScript code an error.
const BINARY_CODES: Record<BinaryOp, number> = BINARY_OP_CODES;
const UNARY_CODES: Record<UnaryOp, number> = UNARY_OP_CODES;
const REDUCE_CODES: Record<ReduceOp, number> = REDUCE_OP_CODES;
/** Elementwise work is split in chunks of this many elements (whole SIMD vectors, whole cache lines). */
const ELEMENT_GRAIN = 64;
/**
 * Multiply-adds are ~16 times cheaper than the elements the pool's threshold counts (SIMD, in registers), so
 * matmul and attention report work / 16: only products of about 64×64×128 and up are split.
 */
const MAC_PER_WORK = 16;

/** The strided copy for each dtype, by element size (a copy moves bits, whatever they mean). */
const COPY_STRIDED = { float32: 'copyStrided4', float64: 'copyStrided8', int32: 'copyStrided4', uint8: 'copyStrided1' } as const satisfies Record<DType, KernelName>;

/** The suffix of each dtype's exports (`fillF32`, `fillI32`). */
const DTYPE_SUFFIX = { float32: 'F32', float64: 'F64', int32: 'I32', uint8: 'U8' } as const satisfies Record<DType, string>;
type DTypeSuffix = (typeof DTYPE_SUFFIX)[DType];
type FloatSuffix = (typeof DTYPE_SUFFIX)['float32' | 'float64'];

/** The export suffix of `t`'s dtype, for the exports that exist for every dtype (fill). */
function dtypeSuffix(t: Tensor): DTypeSuffix {
  return DTYPE_SUFFIX[t.dtype];
}

/**
 * The export suffix of float `t`, for the float-only exports.
 * @throws {BackendError} for an integer tensor (the backend registers its float kernels for float dtypes only).
 */
function floatSuffix(t: Tensor, kernel: string): FloatSuffix {
  if (t.dtype === 'float32' || t.dtype === 'float64') return DTYPE_SUFFIX[t.dtype];
  throw new BackendError(`wasm.${kernel}: expected float32 or float64 data, found ${t.dtype}`);
}

/** Batch, head and row strides of a (B, H, T, D) attention operand (its last axis is contiguous). */
function outerStrides(t: Tensor): number[] {
  return [t.strides[0]!, t.strides[1]!, t.strides[2]!];
}

/** The rows of a (…, C) tensor and C. */
function rowsOf(t: Tensor): [number, number] {
  const C = t.shape[t.rank - 1] ?? 1;
  return [C === 0 ? 0 : t.size / C, C];
}

/** Builds the kernel table over a started runtime. */
export function wasmKernels(rt: WasmRuntime): Partial<Kernels> {
  const address = (t: Tensor): Address => rt.address(t);
  const optionalAddress = (t: Tensor | null): Address => rt.optionalAddress(t);
  /** Splits `n` elements in chunks of ELEMENT_GRAIN. */
  const elementwise = <N extends KernelName>(name: N, n: number, argsFor: (start: number, end: number) => Parameters<KernelExports[N]>): void => {
    rt.pool.run(name, n, ELEMENT_GRAIN, n, argsFor);
  };
  /** Splits `n` rows (or blocks) one at a time, `work` being the kernel's whole cost. */
  const rows = <N extends KernelName>(name: N, n: number, work: number, argsFor: (start: number, end: number, thread: number) => Parameters<KernelExports[N]>): void => {
    rt.pool.run(name, n, 1, work, argsFor);
  };
  /** Matmul splits output rows in multiples of the module's register tile (5 rows, or 6 with relaxed SIMD). */
  const matmulRowGrain = rt.exports.matmulTileRows();

  const kernels: Partial<Kernels> = {
    matmul({ a, b, out, transA, transB, accumulate }) {
      const [batchA, aRows, aCols] = a.shape as [number, number, number];
      const [batchB, bRows, bCols] = b.shape as [number, number, number];
      const [B, M, N] = out.shape as [number, number, number];
      const K = transA ? aRows : aCols;
      const scratchBytes = rt.exports[`matmulScratchBytes${floatSuffix(a, 'matmul')}`](M, N, K);
      rt.pool.run(`matmul${floatSuffix(a, 'matmul')}`, B * M, matmulRowGrain, (B * M * N * K) / MAC_PER_WORK, (start, end, thread) => [
        address(a), address(b), address(out), B, M, N, K, +transA, +transB, +accumulate,
        batchA === 1 ? 0 : aRows * aCols, batchB === 1 ? 0 : bRows * bCols,
        start, end, rt.scratch(thread, scratchBytes),
      ]);
    },
    quantMatmul({ x, codes, scales, offsets, format, groupSize, activations, out }) {
      const [M, K] = x.shape as [number, number];
      const N = out.shape[1]!;
      const int16 = +(activations === 'int16');
      const scratchBytes = rt.exports.quantMatmulScratchBytes(M, K, groupSize, int16);
      // Split the longer side: output columns (generation: each thread reads only its rows of codes, in blocks of
      // the kernel's 4 rows) or rows of x (a long prompt through a narrow layer).
      const byRows = M > N;
      rt.pool.run('quantMatmul', byRows ? M : N, byRows ? 1 : 4, (M * N * K) / MAC_PER_WORK, (start, end, thread) => {
        const [mStart, mEnd, nStart, nEnd] = byRows ? [start, end, 0, N] : [0, M, start, end];
        return [
          address(x), address(codes), address(scales), optionalAddress(offsets), address(out), M, N, K, groupSize, +(format === 'int4'), int16,
          rt.scratch(thread, scratchBytes), mStart, mEnd, nStart, nEnd,
        ];
      });
    },
    binary({ op, a, b, out }) {
      const code = BINARY_CODES[op];
      const contiguous = a.isContiguous() && b.isContiguous() && sameShape(a.shape, out.shape) && sameShape(b.shape, out.shape);
      if (contiguous) {
        elementwise(`binaryContig${floatSuffix(out, 'binary')}`, out.size, (s, e) => [code, address(a), address(b), address(out), s, e]);
        return;
      }
      const meta = rt.meta([out.shape, a.strides, b.strides]);
      elementwise(`binaryStrided${floatSuffix(out, 'binary')}`, out.size, (s, e) => [code, address(a), address(b), address(out), out.rank, meta, s, e]);
    },
    binaryScalar({ op, a, scalar, scalarFirst, out }) {
      elementwise(`binaryScalar${floatSuffix(out, 'binaryScalar')}`, out.size, (s, e) => [BINARY_CODES[op], address(a), scalar, +scalarFirst, address(out), s, e]);
    },
    unary({ op, x, out, param }) {
      elementwise(`unary${floatSuffix(x, 'unary')}`, x.size, (s, e) => [UNARY_CODES[op], address(x), address(out), param, s, e]);
    },
    unaryBackward({ op, x, dout, dx, param }) {
      elementwise(`unaryBackward${floatSuffix(x, 'unaryBackward')}`, x.size, (s, e) => [UNARY_CODES[op], address(x), address(dout), address(dx), param, s, e]);
    },
    reduce({ op, x, out, outer, n, inner }) {
      rows(`reduce${floatSuffix(x, 'reduce')}`, outer, outer * n * inner, (s, e) => [REDUCE_CODES[op], address(x), address(out), outer, n, inner, s, e]);
    },
    softmax({ x, out, log }) {
      const [N, C] = rowsOf(x);
      rows(`softmax${floatSuffix(x, 'softmax')}`, N, N * C, (s, e) => [address(x), address(out), C, +log, s, e]);
    },
    softmaxBackward({ y, dy, dx, log }) {
      const [N, C] = rowsOf(y);
      rows(`softmaxBackward${floatSuffix(y, 'softmaxBackward')}`, N, N * C, (s, e) => [address(y), address(dy), address(dx), C, +log, s, e]);
    },
    rmsnorm({ x, weight, out, rstd, eps }) {
      const [N, C] = rowsOf(x);
      rows(`rmsnorm${floatSuffix(x, 'rmsnorm')}`, N, N * C, (s, e) => [address(x), optionalAddress(weight), address(out), address(rstd), C, eps, s, e]);
    },
    rmsnormBackward({ x, weight, rstd, dout, dx, dweight }) {
      const [N, C] = rowsOf(x);
      rt.exports[`rmsnormBackward${floatSuffix(x, 'rmsnormBackward')}`](address(x), optionalAddress(weight), address(rstd), address(dout), address(dx), optionalAddress(dweight), N, C);
    },
    layernorm({ x, weight, bias, out, mean, rstd, eps }) {
      const [N, C] = rowsOf(x);
      rows(`layernorm${floatSuffix(x, 'layernorm')}`, N, N * C, (s, e) => [address(x), optionalAddress(weight), optionalAddress(bias), address(out), address(mean), address(rstd), C, eps, s, e]);
    },
    layernormBackward({ x, weight, mean, rstd, dout, dx, dweight, dbias }) {
      const [N, C] = rowsOf(x);
      rt.exports[`layernormBackward${floatSuffix(x, 'layernormBackward')}`](address(x), optionalAddress(weight), address(mean), address(rstd), address(dout), address(dx), optionalAddress(dweight), optionalAddress(dbias), N, C);
    },
    embedding({ weight, ids, out }) {
      const [N, C] = rowsOf(out);
      rows(`embedding${floatSuffix(weight, 'embedding')}`, N, N * C, (s, e) => [address(weight), address(ids), address(out), C, s, e]);
    },
    embeddingBackward({ ids, dout, dweight }) {
      const [N, C] = rowsOf(dout);
      rt.exports[`embeddingBackward${floatSuffix(dweight, 'embeddingBackward')}`](address(ids), address(dout), address(dweight), N, C);
    },
    crossEntropy({ logits, targets, probs, losses, loss }) {
      const [N, V] = rowsOf(logits);
      rows(`crossEntropy${floatSuffix(logits, 'crossEntropy')}`, N, N * V, (s, e) => [address(logits), address(targets), address(probs), address(losses), V, s, e]);
      const lossValues = rt.view(losses);
      const targetValues = rt.view(targets);
      let total = 0;
      let count = 0;
      for (let i = 0; i < N; i++) {
        if (targetValues[i] === -1) continue;
        total += lossValues[i]!;
        count++;
      }
      rt.view(loss)[0] = count === 0 ? NaN : total / count;
    },
    crossEntropyBackward({ probs, targets, dlogits, dloss }) {
      const [N, V] = rowsOf(probs);
      const targetValues = rt.view(targets);
      let count = 0;
      for (let i = 0; i < N; i++) if (targetValues[i] !== -1) count++;
      if (count === 0) return;
      rows(`crossEntropyBackward${floatSuffix(probs, 'crossEntropyBackward')}`, N, N * V, (s, e) => [address(probs), address(targets), address(dlogits), V, dloss / count, s, e]);
    },
    attention({ q, k, v, out, att, scale, offset }) {
      const [B, H, Tq, D] = q.shape as [number, number, number, number];
      const Tk = k.shape[2]!;
      const strides = rt.meta([q, k, v, out].map(outerStrides));
      rows(`attention${floatSuffix(q, 'attention')}`, B * H, (B * H * Tq * Tk * D) / MAC_PER_WORK, (s, e) => [
        address(q), address(k), address(v), address(out), address(att), strides, H, Tq, Tk, D, scale, offset, s, e,
      ]);
    },
    attentionBackward({ q, k, v, att, dout, dq, dk, dv, scale, offset }) {
      const [B, H, Tq, D] = q.shape as [number, number, number, number];
      const Tk = k.shape[2]!;
      const strides = rt.meta([q, k, v, dout, dq, dk, dv].map(outerStrides));
      // Scratch per thread: a score row, a dq row and the (Tk, D) dk/dv sums of one block, in q's dtype.
      const scratchBytes = rt.exports[`attentionBackwardScratchBytes${floatSuffix(q, 'attentionBackward')}`](Tk, D);
      rows(`attentionBackward${floatSuffix(q, 'attentionBackward')}`, B * H, (B * H * Tq * Tk * D) / MAC_PER_WORK, (s, e, thread) => [
        address(q), address(k), address(v), address(att), address(dout), address(dq), address(dk), address(dv), strides, H, Tq, Tk, D, scale, offset, rt.scratch(thread, scratchBytes), s, e,
      ]);
    },
    adam({ param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step }) {
      const bias1 = 1 - powCorrectlyRounded(beta1, step);
      const bias2 = 1 - powCorrectlyRounded(beta2, step);
      elementwise(`adam${floatSuffix(param, 'adam')}`, param.size, (s, e) => [address(param), address(grad), address(m), address(v), lr, beta1, beta2, eps, weightDecay, bias1, bias2, s, e]);
    },
    fill({ out, value }) {
      if (out.isContiguous()) {
        elementwise(`fill${dtypeSuffix(out)}`, out.size, (s, e) => [address(out), value, s, e]);
        return;
      }
      const meta = rt.meta([out.shape, out.strides]);
      elementwise(`fillStrided${dtypeSuffix(out)}`, out.size, (s, e) => [address(out), value, out.rank, meta, s, e]);
    },
    copy(args) {
      const { src, dst } = args;
      if (src.dtype !== dst.dtype) {
        referenceKernel(src.backend, 'copy')(args);
        return;
      }
      if (src.isContiguous() && dst.isContiguous()) {
        rt.copyBytes(address(src), address(dst), src.size * bytesPerElement(src.dtype));
        return;
      }
      const meta = rt.meta([src.shape, src.strides, dst.strides]);
      elementwise(COPY_STRIDED[src.dtype], src.size, (s, e) => [address(src), address(dst), src.rank, meta, s, e]);
    },
  };
  return kernels;
}
