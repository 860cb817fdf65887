// Each layer's forward and backward side by side (llm.c's train_gpt2.c), as direct kernel calls on planned
// buffers. N = B·T rows; C the width; matrices are (OC, IC). Backward functions ADD into parameter gradients;
// activation gradients are added or overwritten as each function says (the pass zeroes what needs it). Each pair
// is tested against the same layer on @microgpt/autograd ops (layers.test.ts).
import { Tensor } from '@microgpt/tensor';
import type { NormBuffers } from './buffers';
import type { KernelSet } from './kernels';
import type { LinearOperator } from './linear-operator';
import { cachedView, rows } from './views';

// ----------------------------------------------------------------------------------------------------------
// embeddings: out (1, N, C) = wte[ids] + wpe[pos0 + t] for row b·T + t

/** The token and position tables and their gradients (null in inference, and for positions without them). */
export interface EmbeddingParams {
  /** (V, C) */
  readonly wte: Tensor;
  readonly dwte: Tensor | null;
  /** (blockSize, C) */
  readonly wpe: Tensor | null;
  readonly dwpe: Tensor | null;
}

/** (B, T, C) view of the position embeddings pos0 … pos0+T-1, repeated over the batch (stride 0). */
function positionRows(wpe: Tensor, B: number, T: number, pos0: number): Tensor {
  const C = wpe.shape[1]!;
  return cachedView(wpe, `pos:${B}:${T}:${pos0}`, (w) => w.slice(0, pos0, pos0 + T).reshape([1, T, C]).broadcastTo([B, T, C]));
}

/** out = wte[ids] (+ wpe[pos0 + t]), overwriting out (1, B·T, C); ids (B·T) int32. */
export function embeddingForward(kernels: KernelSet, out: Tensor, ids: Tensor, params: EmbeddingParams, B: number, T: number, pos0: number): void {
  kernels.embedding({ weight: params.wte, ids, out: rows(out) });
  if (!params.wpe) return;
  const btc = cachedView(out, 'btc', (t) => t.reshape([B, T, t.shape[2]!]));
  kernels.binary({ op: 'add', a: btc, b: positionRows(params.wpe, B, T, pos0), out: btc });
}

/**
 * dwte[ids[n]] += dout[n], and dwpe[t] += Σ_b dout[b, t] (a (1, B) row of ones times dout seen as (B, T·C)).
 * @param dout (1, B·T, C); ones (1, 1, ≥ B) all ones.
 */
export function embeddingBackward(kernels: KernelSet, dout: Tensor, ids: Tensor, params: EmbeddingParams, ones: Tensor, B: number, T: number): void {
  kernels.embeddingBackward({ ids, dout: rows(dout), dweight: params.dwte! });
  if (!params.dwpe) return;
  const TC = T * dout.shape[2]!;
  kernels.matmul({
    a: cachedView(ones, `first:${B}`, (t) => t.slice(2, 0, B)),
    b: cachedView(dout, 'bRows', (t) => t.reshape([1, B, TC])),
    out: cachedView(params.dwpe, `first:${T}`, (t) => t.slice(0, 0, T).reshape([1, 1, TC])),
    transA: false,
    transB: false,
    accumulate: true,
  });
}

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
export function linearForward(kernels: KernelSet, out: Tensor, inp: Tensor, params: LinearParams): void {
  if (params.op) params.op.forward(inp, out);
  else kernels.matmul({ a: inp, b: params.weight, out, transA: false, transB: true, accumulate: false });
  if (params.bias) kernels.binary({ op: 'add', a: out, b: params.bias, out });
}

/**
 * dweight += doutᵀ · inp, dbias += Σ_rows dout (as ones · dout), and dinp = dout · weight (added when
 * `accumulateInput`, else overwritten; skipped when dinp is null).
 * @param ones (1, 1, N) all ones.
 */
export function linearBackward(kernels: KernelSet, dinp: Tensor | null, accumulateInput: boolean, dout: Tensor, inp: Tensor, params: LinearParams, ones: Tensor): void {
  if (dinp) kernels.matmul({ a: dout, b: params.weight, out: dinp, transA: false, transB: false, accumulate: accumulateInput });
  if (params.dweight) kernels.matmul({ a: dout, b: inp, out: params.dweight, transA: true, transB: false, accumulate: true });
  if (params.dbias) kernels.matmul({ a: ones, b: dout, out: params.dbias, transA: false, transB: false, accumulate: true });
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

/** Normalizes x (1, N, C) into saved.out, saving mean (layernorm) and rstd. */
export function normForward(kernels: KernelSet, saved: NormBuffers, x: Tensor, params: NormParams): void {
  const out = rows(saved.out);
  if (params.kind === 'rmsnorm') kernels.rmsnorm({ x: rows(x), weight: params.weight, out, rstd: saved.rstd, eps: params.eps });
  else kernels.layernorm({ x: rows(x), weight: params.weight, bias: params.bias, out, mean: saved.mean!, rstd: saved.rstd, eps: params.eps });
}

/** dx += ∂/∂x, dweight/dbias += their gradients, given dout = ∂L/∂saved.out; all (1, N, C). */
export function normBackward(kernels: KernelSet, dx: Tensor, dout: Tensor, saved: NormBuffers, x: Tensor, params: NormParams): void {
  const common = { x: rows(x), weight: params.weight, rstd: saved.rstd, dout: rows(dout), dx: rows(dx) };
  if (params.kind === 'rmsnorm') kernels.rmsnormBackward({ ...common, dweight: params.dweight });
  else kernels.layernormBackward({ ...common, mean: saved.mean!, dweight: params.dweight, dbias: params.dbias });
}

// ----------------------------------------------------------------------------------------------------------
// attention: y (1, N, C) = softmax(q·kᵀ/√HS, causal) · v per head, heads side by side. The kernel reads q, k
// and v straight out of the fused (1, N, 3C) rows and writes y's rows through (B, NH, T, HS) strided views (no
// copies).

/** The head layout of a pass: batch, heads and head size (C = NH · HS). */
export interface Heads {
  readonly B: number;
  readonly NH: number;
  readonly HS: number;
}

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
function rowHeads(y: Tensor, B: number, NH: number, HS: number): Tensor {
  return cachedView(y, 'heads', (t) => {
    const C = NH * HS;
    const T = t.shape[1]! / B;
    return Tensor.view(t.storage, [B, NH, T, HS], [T * C, HS, C, 1], t.offset);
  });
}

/**
 * Overwrites y (1, B·T, C) with the attention of the queries in qkv over the keys and values in qkv (training,
 * `cached` null, offset 0), or over `cached` ones (a KV cache holding positions 0 … offset + T - 1, the queries
 * at absolute positions offset …); saves the probabilities in att (B, NH, T, Tk) for the backward.
 */
export function attentionForward(kernels: KernelSet, y: Tensor, att: Tensor, qkv: Tensor, heads: Heads, cached: { k: Tensor; v: Tensor } | null, offset: number): void {
  const { B, NH, HS } = heads;
  const q = qkvHeads(qkv, 0, B, NH, HS);
  const k = cached?.k ?? qkvHeads(qkv, 1, B, NH, HS);
  const v = cached?.v ?? qkvHeads(qkv, 2, B, NH, HS);
  kernels.attention({ q, k, v, out: rowHeads(y, B, NH, HS), att, scale: 1 / Math.sqrt(HS), offset });
}

/** dqkv (1, B·T, 3C) += the gradients of q, k and v, given dy = ∂L/∂y and the forward's att (training: no cache). */
export function attentionBackward(kernels: KernelSet, dqkv: Tensor, dy: Tensor, att: Tensor, qkv: Tensor, heads: Heads): void {
  const { B, NH, HS } = heads;
  const [q, k, v] = [0, 1, 2].map((part) => qkvHeads(qkv, part, B, NH, HS)) as [Tensor, Tensor, Tensor];
  const [dq, dk, dv] = [0, 1, 2].map((part) => qkvHeads(dqkv, part, B, NH, HS)) as [Tensor, Tensor, Tensor];
  kernels.attentionBackward({ q, k, v, att, dout: rowHeads(dy, B, NH, HS), dq, dk, dv, scale: 1 / Math.sqrt(HS), offset: 0 });
}

// ----------------------------------------------------------------------------------------------------------
// residual and dropout

/** out = a + b. Its backward is the residual gradient flowing to both unchanged (see the pass). */
export function residualForward(kernels: KernelSet, out: Tensor, a: Tensor, b: Tensor): void {
  kernels.binary({ op: 'add', a, b, out });
}

/** x *= mask in place (mask holds 0 or 1/(1-p)); also the backward, dx = dout · mask. */
export function applyMask(kernels: KernelSet, out: Tensor, x: Tensor, mask: Tensor): void {
  kernels.binary({ op: 'mul', a: x, b: mask, out });
}
