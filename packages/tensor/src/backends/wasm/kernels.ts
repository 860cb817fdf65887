// The wasm backend's kernel table: each kernel turns its tensors into byte addresses and calls the matching
// export of the AssemblyScript module (assembly/), split across threads where the work is large enough.
// Cases the module does not cover (a copy between dtypes) run on the JS reference.
import {
  type BinaryOp,
  type DType,
  type Kernels,
  type ReduceOp,
  type Tensor,
  type UnaryOp,
  bytesPerElement,
  powCorrectlyRounded,
  referenceKernel,
  sameShape,
} from '../../index';
import type { WasmRuntime } from './runtime';

const BINARY_CODES: Record<BinaryOp, number> = { add: 0, sub: 1, mul: 2, div: 3 };
const UNARY_CODES: Record<UnaryOp, number> = {
  neg: 0, exp: 1, log: 2, sqrt: 3, rsqrt: 4, tanh: 5, pow: 6, relu: 7, gelu_tanh: 8, gelu_erf: 9, silu: 10, squared_relu: 11,
};
const REDUCE_CODES: Record<ReduceOp, number> = { sum: 0, mean: 1, max: 2 };
/** Elementwise work is split in chunks of this many elements (whole SIMD vectors, whole cache lines). */
const ELEMENT_GRAIN = 64;
/** Matmul splits output rows in multiples of its 5-row register tile. */
const MATMUL_ROW_GRAIN = 5;
/**
 * Multiply-adds are ~16 times cheaper than the elements the pool's threshold counts (SIMD, in registers), so
 * matmul and attention report work / 16: only products of about 64×64×128 and up are split.
 */
const MAC_PER_WORK = 16;

const SUFFIX: Record<DType, string> = { float32: 'F32', float64: 'F64', int32: 'I32', uint8: 'U8' };

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
  const at = (t: Tensor): number => rt.address(t);
  const at0 = (t: Tensor | null): number => (t ? rt.address(t) : 0);
  const sfx = (t: Tensor): string => SUFFIX[t.dtype];
  const elementwise = (name: string, n: number, argsFor: (start: number, end: number) => number[]): void => {
    rt.pool.run(name, n, ELEMENT_GRAIN, n, (start, end) => argsFor(start, end));
  };
  const rows = (name: string, n: number, work: number, argsFor: (start: number, end: number, thread: number) => number[]): void => {
    rt.pool.run(name, n, 1, work, argsFor);
  };

  const kernels: Partial<Kernels> = {
    matmul({ a, b, out, transA, transB, accumulate }) {
      const [batchA, aRows, aCols] = a.shape as [number, number, number];
      const [batchB, bRows, bCols] = b.shape as [number, number, number];
      const [B, M, N] = out.shape as [number, number, number];
      const K = transA ? aRows : aCols;
      const scratchBytes = rt.exports[`matmulScratchBytes${sfx(a)}`]!(M, N, K);
      rt.pool.run(`matmul${sfx(a)}`, B * M, MATMUL_ROW_GRAIN, (B * M * N * K) / MAC_PER_WORK, (start, end, thread) => [
        at(a), at(b), at(out), B, M, N, K, +transA, +transB, +accumulate,
        batchA === 1 ? 0 : aRows * aCols, batchB === 1 ? 0 : bRows * bCols,
        start, end, rt.scratch(thread, scratchBytes),
      ]);
    },
    quantMatmul({ x, codes, scales, offsets, format, groupSize, activations, out }) {
      const [M, K] = x.shape as [number, number];
      const N = out.shape[1]!;
      const int16 = +(activations === 'int16');
      const scratchBytes = rt.exports.quantMatmulScratchBytes!(M, K, groupSize, int16);
      // Split the longer side: output columns (generation: each thread reads only its rows of codes, in blocks of
      // the kernel's 4 rows) or rows of x (a long prompt through a narrow layer).
      const byRows = M > N;
      rt.pool.run('quantMatmul', byRows ? M : N, byRows ? 1 : 4, (M * N * K) / MAC_PER_WORK, (start, end, thread) => [
        at(x), at(codes), at(scales), at0(offsets), at(out), M, N, K, groupSize, +(format === 'int4'), int16,
        rt.scratch(thread, scratchBytes), ...(byRows ? [start, end, 0, N] : [0, M, start, end]),
      ]);
    },
    binary({ op, a, b, out }) {
      const code = BINARY_CODES[op];
      const contiguous = a.isContiguous() && b.isContiguous() && sameShape(a.shape, out.shape) && sameShape(b.shape, out.shape);
      if (contiguous) {
        elementwise(`binaryContig${sfx(out)}`, out.size, (s, e) => [code, at(a), at(b), at(out), s, e]);
        return;
      }
      const meta = rt.meta([out.shape, a.strides, b.strides]);
      elementwise(`binaryStrided${sfx(out)}`, out.size, (s, e) => [code, at(a), at(b), at(out), out.rank, meta, s, e]);
    },
    binaryScalar({ op, a, scalar, scalarFirst, out }) {
      elementwise(`binaryScalar${sfx(out)}`, out.size, (s, e) => [BINARY_CODES[op], at(a), scalar, +scalarFirst, at(out), s, e]);
    },
    unary({ op, x, out, param }) {
      elementwise(`unary${sfx(x)}`, x.size, (s, e) => [UNARY_CODES[op], at(x), at(out), param, s, e]);
    },
    unaryBackward({ op, x, dout, dx, param }) {
      elementwise(`unaryBackward${sfx(x)}`, x.size, (s, e) => [UNARY_CODES[op], at(x), at(dout), at(dx), param, s, e]);
    },
    reduce({ op, x, out, outer, n, inner }) {
      rows(`reduce${sfx(x)}`, outer, outer * n * inner, (s, e) => [REDUCE_CODES[op], at(x), at(out), outer, n, inner, s, e]);
    },
    softmax({ x, out, log }) {
      const [N, C] = rowsOf(x);
      rows(`softmax${sfx(x)}`, N, N * C, (s, e) => [at(x), at(out), C, +log, s, e]);
    },
    softmaxBackward({ y, dy, dx, log }) {
      const [N, C] = rowsOf(y);
      rows(`softmaxBackward${sfx(y)}`, N, N * C, (s, e) => [at(y), at(dy), at(dx), C, +log, s, e]);
    },
    rmsnorm({ x, weight, out, rstd, eps }) {
      const [N, C] = rowsOf(x);
      rows(`rmsnorm${sfx(x)}`, N, N * C, (s, e) => [at(x), at0(weight), at(out), at(rstd), C, eps, s, e]);
    },
    rmsnormBackward({ x, weight, rstd, dout, dx, dweight }) {
      const [N, C] = rowsOf(x);
      rt.exports[`rmsnormBackward${sfx(x)}`]!(at(x), at0(weight), at(rstd), at(dout), at(dx), at0(dweight), N, C);
    },
    layernorm({ x, weight, bias, out, mean, rstd, eps }) {
      const [N, C] = rowsOf(x);
      rows(`layernorm${sfx(x)}`, N, N * C, (s, e) => [at(x), at0(weight), at0(bias), at(out), at(mean), at(rstd), C, eps, s, e]);
    },
    layernormBackward({ x, weight, mean, rstd, dout, dx, dweight, dbias }) {
      const [N, C] = rowsOf(x);
      rt.exports[`layernormBackward${sfx(x)}`]!(at(x), at0(weight), at(mean), at(rstd), at(dout), at(dx), at0(dweight), at0(dbias), N, C);
    },
    embedding({ weight, ids, out }) {
      const [N, C] = rowsOf(out);
      rows(`embedding${sfx(weight)}`, N, N * C, (s, e) => [at(weight), at(ids), at(out), C, s, e]);
    },
    embeddingBackward({ ids, dout, dweight }) {
      const [N, C] = rowsOf(dout);
      rt.exports[`embeddingBackward${sfx(dweight)}`]!(at(ids), at(dout), at(dweight), N, C);
    },
    crossEntropy({ logits, targets, probs, losses, loss }) {
      const [N, V] = rowsOf(logits);
      rows(`crossEntropy${sfx(logits)}`, N, N * V, (s, e) => [at(logits), at(targets), at(probs), at(losses), V, s, e]);
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
      rows(`crossEntropyBackward${sfx(probs)}`, N, N * V, (s, e) => [at(probs), at(targets), at(dlogits), V, dloss / count, s, e]);
    },
    attention({ q, k, v, out, att, scale, offset }) {
      const [B, H, Tq, D] = q.shape as [number, number, number, number];
      const Tk = k.shape[2]!;
      const strides = rt.meta([q, k, v, out].map(outerStrides));
      rows(`attention${sfx(q)}`, B * H, (B * H * Tq * Tk * D) / MAC_PER_WORK, (s, e) => [
        at(q), at(k), at(v), at(out), at(att), strides, H, Tq, Tk, D, scale, offset, s, e,
      ]);
    },
    attentionBackward({ q, k, v, att, dout, dq, dk, dv, scale, offset }) {
      const [B, H, Tq, D] = q.shape as [number, number, number, number];
      const Tk = k.shape[2]!;
      const strides = rt.meta([q, k, v, dout, dq, dk, dv].map(outerStrides));
      // Scratch per thread: a score row, a dq row and the (Tk, D) dk/dv sums of one block, in q's dtype.
      const scratchBytes = rt.exports[`attentionBackwardScratchBytes${sfx(q)}`]!(Tk, D);
      rows(`attentionBackward${sfx(q)}`, B * H, (B * H * Tq * Tk * D) / MAC_PER_WORK, (s, e, thread) => [
        at(q), at(k), at(v), at(att), at(dout), at(dq), at(dk), at(dv), strides, H, Tq, Tk, D, scale, offset, rt.scratch(thread, scratchBytes), s, e,
      ]);
    },
    adam({ param, grad, m, v, lr, beta1, beta2, eps, weightDecay, step }) {
      const bias1 = 1 - powCorrectlyRounded(beta1, step);
      const bias2 = 1 - powCorrectlyRounded(beta2, step);
      elementwise(`adam${sfx(param)}`, param.size, (s, e) => [at(param), at(grad), at(m), at(v), lr, beta1, beta2, eps, weightDecay, bias1, bias2, s, e]);
    },
    fill({ out, value }) {
      if (out.isContiguous()) {
        elementwise(`fill${sfx(out)}`, out.size, (s, e) => [at(out), value, s, e]);
        return;
      }
      const meta = rt.meta([out.shape, out.strides]);
      elementwise(`fillStrided${sfx(out)}`, out.size, (s, e) => [at(out), value, out.rank, meta, s, e]);
    },
    copy(args) {
      const { src, dst } = args;
      if (src.dtype !== dst.dtype) {
        referenceKernel(src.backend, 'copy')(args);
        return;
      }
      const bytes = bytesPerElement(src.dtype);
      if (src.isContiguous() && dst.isContiguous()) {
        rt.copyBytes(at(src), at(dst), src.size * bytes);
        return;
      }
      const meta = rt.meta([src.shape, src.strides, dst.strides]);
      elementwise(`copyStrided${bytes}`, src.size, (s, e) => [at(src), at(dst), src.rank, meta, s, e]);
    },
  };
  return kernels;
}
