// Each layer's forward and backward side by side (llm.c's train_gpt2.c), as direct kernel calls on planned
// buffers. N = B·T rows; C the width; matrices are (OC, IC). Backward functions ADD into parameter gradients;
// activation gradients are added or overwritten as each function says (the pass zeroes what needs it).
import { Tensor } from '@microgpt/tensor';
import type { NormBuffers } from './buffers';
import type { KernelSet } from './kernels';
import type { LinearOperator } from './linear-operator';
import { cachedView, rows } from './views';

// ----------------------------------------------------------------------------------------------------------
// linear: out (1, N, OC) = inp (1, N, IC) · weightᵀ (+ bias)

/** A linear layer's parameters and gradients as matmul-ready views. */
export interface LinearParams {
  /** (1, OC, IC) */
  readonly weight: Tensor;
  readonly dweight: Tensor | null;
  /** (1, N, OC) broadcast view of the (OC) bias, or null. */
  readonly bias: Tensor | null;
  /** (1, 1, OC) */
  readonly dbias: Tensor | null;
  /** Computes inp · weightᵀ instead of the matmul (quantized weights, inference only), or null. */
  readonly op: LinearOperator | null;
}

/** out = inp · weightᵀ + bias (overwrites out). */
export function linearForward(K: KernelSet, out: Tensor, inp: Tensor, p: LinearParams): void {
  if (p.op) p.op.forward(inp, out);
  else K.matmul({ a: inp, b: p.weight, out, transA: false, transB: true, accumulate: false });
  if (p.bias) K.binary({ op: 'add', a: out, b: p.bias, out });
}

/**
 * dweight += doutᵀ · inp, dbias += Σ_rows dout (as ones · dout), and dinp = dout · weight (added when
 * `accumulateInput`, else overwritten; skipped when dinp is null).
 * @param ones (1, 1, N) all ones.
 */
export function linearBackward(K: KernelSet, dinp: Tensor | null, accumulateInput: boolean, dout: Tensor, inp: Tensor, p: LinearParams, ones: Tensor): void {
  if (dinp) K.matmul({ a: dout, b: p.weight, out: dinp, transA: false, transB: false, accumulate: accumulateInput });
  if (p.dweight) K.matmul({ a: dout, b: inp, out: p.dweight, transA: true, transB: false, accumulate: true });
  if (p.dbias) K.matmul({ a: ones, b: dout, out: p.dbias, transA: false, transB: false, accumulate: true });
}

// ----------------------------------------------------------------------------------------------------------
// norm: RMSNorm or LayerNorm over the last axis of (N, C)

/** A norm's parameters (null when the config has no learned gain/bias) and its epsilon. */
export interface NormParams {
  readonly kind: 'rmsnorm' | 'layernorm';
  readonly eps: number;
  readonly weight: Tensor | null;
  readonly bias: Tensor | null;
  readonly dweight: Tensor | null;
  readonly dbias: Tensor | null;
}

/** Normalizes x (1, N, C) into s.out, saving mean (layernorm) and rstd. */
export function normForward(K: KernelSet, s: NormBuffers, x: Tensor, p: NormParams): void {
  const out = rows(s.out);
  if (p.kind === 'rmsnorm') K.rmsnorm({ x: rows(x), weight: p.weight, out, rstd: s.rstd, eps: p.eps });
  else K.layernorm({ x: rows(x), weight: p.weight, bias: p.bias, out, mean: s.mean!, rstd: s.rstd, eps: p.eps });
}

/** dx += ∂/∂x, dweight/dbias += their gradients, given dout = ∂L/∂s.out; all (1, N, C). */
export function normBackward(K: KernelSet, dx: Tensor, dout: Tensor, s: NormBuffers, x: Tensor, p: NormParams): void {
  const common = { x: rows(x), weight: p.weight, rstd: s.rstd, dout: rows(dout), dx: rows(dx) };
  if (p.kind === 'rmsnorm') K.rmsnormBackward({ ...common, dweight: p.dweight });
  else K.layernormBackward({ ...common, mean: s.mean!, dweight: p.dweight, dbias: p.dbias });
}

// ----------------------------------------------------------------------------------------------------------
// heads: attention reads q, k, v straight out of the fused (1, N, 3C) rows and writes its output into (1, N, C)
// rows; these are the (B, NH, T, HS) strided views it is given (no copies).

/** The (B, NH, T, HS) view of part `part` (0 q, 1 k, 2 v) of qkv rows (1, B·T, 3C). */
export function qkvHeads(qkv: Tensor, part: number, B: number, NH: number, HS: number): Tensor {
  return cachedView(qkv, `heads:${part}`, (t) => {
    const C = NH * HS;
    const T = t.shape[1]! / B;
    // Element (b, h, t, d) of the part sits at row b·T + t, column part·C + h·HS + d.
    return Tensor.view(t.storage, [B, NH, T, HS], [T * 3 * C, HS, 3 * C, 1], t.offset + part * C);
  });
}

/** The (B, NH, T, HS) view of rows y (1, B·T, C). */
export function rowHeads(y: Tensor, B: number, NH: number, HS: number): Tensor {
  return cachedView(y, 'heads', (t) => {
    const C = NH * HS;
    const T = t.shape[1]! / B;
    return Tensor.view(t.storage, [B, NH, T, HS], [T * C, HS, C, 1], t.offset);
  });
}

// ----------------------------------------------------------------------------------------------------------
// residual and dropout

/** out = a + b. Its backward is the residual gradient flowing to both unchanged (see the pass). */
export function residualForward(K: KernelSet, out: Tensor, a: Tensor, b: Tensor): void {
  K.binary({ op: 'add', a, b, out });
}

/** x *= mask in place (mask holds 0 or 1/(1-p)); also the backward, dx = dout · mask. */
export function applyMask(K: KernelSet, out: Tensor, x: Tensor, mask: Tensor): void {
  K.binary({ op: 'mul', a: x, b: mask, out });
}
