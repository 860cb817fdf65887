// The GPT's forward and backward passes over a plan's buffers: the model of nanoGPT's model.py written as
// kernel calls (embeddings → [norm] → blocks of attention and MLP with residuals → [final norm] → head →
// cross-entropy), and the backward in exact reverse. The same forward serves training (keys and values of
// the batch itself) and inference with a KV cache (keys and values appended to the cache, queries at an offset).
import { gradOf } from '@microgpt/autograd';
import { Tensor, contiguousStrides } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { type Activation, getActivation } from '../activations';
import { type GPTConfig, headSize } from '../config';
import type { BlockBuffers, PassBuffers, Plan } from './buffers';
import { dropoutKey, fillDropoutMask } from './dropout';
import type { KVCache } from './kv-cache';
import type { LinearOperator } from './linear-operator';
import { type LinearParams, type NormParams, applyMask, linearBackward, linearForward, normBackward, normForward, qkvHeads, residualForward, rowHeads } from './layers';
import { type KernelSet, kernelSet } from './kernels';
import { type GPT, flatGradients } from './model';
import { batchOfOne, cachedView, rows } from './views';

interface BlockParams {
  readonly ln1: NormParams;
  /** wq, wk, wv seen as one (3C, C) matrix (they are adjacent in the parameter block, biases too). */
  readonly qkv: LinearParams;
  readonly o: LinearParams;
  readonly ln2: NormParams;
  readonly fc1: LinearParams;
  readonly fc2: LinearParams;
}

/** The model's parameters as kernel-ready views for N rows. */
interface ParamViews {
  /** (V, C) token embeddings and their gradient. */
  readonly wte: Tensor;
  readonly dwte: Tensor | null;
  /** (blockSize, C) position embeddings and gradient, or null without them. */
  readonly wpe: Tensor | null;
  readonly dwpe: Tensor | null;
  readonly embNorm: NormParams | null;
  readonly blocks: readonly BlockParams[];
  readonly lnf: NormParams | null;
  readonly head: LinearParams;
}

function paramViews(model: GPT, N: number, training: boolean): ParamViews {
  const { config, params } = model;
  if (training && model.linears) throw new ModelError('training: this model has replaced linear layers (quantized weights) and runs inference only; train the float model');
  const grad = (name: string): Tensor | null => (training ? gradOf(params[name]!) : null);
  const op = (name: string): LinearOperator | null => model.linears?.[name] ?? null;
  const linear = (name: string): LinearParams => {
    const bias = params[`${name}.bias`];
    const OC = params[`${name}.weight`]!.shape[0]!;
    return {
      weight: batchOfOne(params[`${name}.weight`]!.value),
      dweight: training ? batchOfOne(grad(`${name}.weight`)!) : null,
      bias: bias ? bias.value.reshape([1, 1, OC]).broadcastTo([1, N, OC]) : null,
      dbias: bias && training ? batchOfOne(grad(`${name}.bias`)!) : null,
      op: op(name),
    };
  };
  const norm = (name: string): NormParams => ({
    kind: config.norm,
    eps: config.normEps,
    weight: params[`${name}.weight`]?.value ?? null,
    bias: params[`${name}.bias`]?.value ?? null,
    dweight: params[`${name}.weight`] ? grad(`${name}.weight`) : null,
    dbias: params[`${name}.bias`] ? grad(`${name}.bias`) : null,
  });
  const headName = config.tiedHead ? 'wte' : 'lm_head';
  return {
    wte: params.wte!.value,
    dwte: grad('wte'),
    wpe: params.wpe?.value ?? null,
    dwpe: params.wpe ? grad('wpe') : null,
    embNorm: config.embedNorm ? norm('ln_emb') : null,
    blocks: Array.from({ length: config.nLayer }, (_, i) => ({
      ln1: norm(`h.${i}.ln_1`),
      qkv: { ...fusedQkv(linear(`h.${i}.attn.q`), linear(`h.${i}.attn.k`), linear(`h.${i}.attn.v`), N), op: op(`h.${i}.attn.qkv`) },
      o: linear(`h.${i}.attn.o`),
      ln2: norm(`h.${i}.ln_2`),
      fc1: linear(`h.${i}.mlp.fc1`),
      fc2: linear(`h.${i}.mlp.fc2`),
    })),
    lnf: config.finalNorm ? norm('ln_f') : null,
    head: {
      weight: batchOfOne(params[headName]!.value),
      dweight: training ? batchOfOne(grad(headName)!) : null,
      bias: null,
      dbias: null,
      op: op('head'),
    },
  };
}

/** One (3C, C) linear over three adjacent (C, C) ones. @throws {ModelError} if they are not adjacent. */
function fusedQkv(q: LinearParams, k: LinearParams, v: LinearParams, N: number): LinearParams {
  const stacked = (a: Tensor, b: Tensor, c: Tensor, shape: number[]): Tensor => {
    const step = a.size;
    if (b.storage !== a.storage || c.storage !== a.storage || b.offset !== a.offset + step || c.offset !== b.offset + step) {
      throw new ModelError('attention: wq, wk and wv (and their biases and gradients) must be adjacent in one block, as gptFromParameters makes them');
    }
    return Tensor.view(a.storage, shape, contiguousStrides(shape), a.offset);
  };
  const C = q.weight.shape[2]!;
  const stack3 = (name: 'weight' | 'dweight' | 'dbias', shape: number[]): Tensor | null => (q[name] ? stacked(q[name], k[name]!, v[name]!, shape) : null);
  return {
    weight: stack3('weight', [1, 3 * C, C])!,
    dweight: stack3('dweight', [1, 3 * C, C]),
    bias: q.bias ? stacked(biasOf(q.bias), biasOf(k.bias!), biasOf(v.bias!), [3 * C]).reshape([1, 1, 3 * C]).broadcastTo([1, N, 3 * C]) : null,
    dbias: stack3('dbias', [1, 1, 3 * C]),
    op: null,
  };
}

/** The (OC) bias under a (1, N, OC) broadcast view. */
function biasOf(broadcast: Tensor): Tensor {
  const OC = broadcast.shape[2]!;
  return Tensor.view(broadcast.storage, [OC], [1], broadcast.offset);
}

/** What a forward pass needs besides the buffers. */
export interface ForwardOptions {
  /** Absolute position of the first token (tokens already in the cache); 0 without a cache. */
  readonly pos0: number;
  /** Keys and values to attend to and append to; null in training. */
  readonly cache: KVCache | null;
  /** Key of the dropout masks (run seed and step), used only when training with dropout > 0. */
  readonly dropoutKey: number;
}

/** A model bound to a plan: forward and backward over (B, T) batches with no allocation after warm-up. */
export interface Pass {
  readonly model: GPT;
  readonly plan: Plan;
  /** The buffers of the last forward. */
  buffers(T: number): PassBuffers;
  /**
   * Runs the model on the ids already written into `buffers(T).ids` (and targets, when `withLoss`). Nothing is read
   * back: logits are left in `buffers(T).logits` (1, B·T, V) and, when `withLoss`, the mean cross-entropy over
   * non-ignored targets in `buffers(T).loss` (NaN if all are ignored), for the caller to read when it needs them.
   */
  forward(T: number, withLoss: boolean, options: ForwardOptions): void;
  /** Adds ∂loss/∂param into every parameter's grad, after a training forward of the same T with the loss. */
  backward(T: number): void;
}

/** Binds `model` to `plan` (made with the model's config, dtype and backend). */
export function createPass(model: GPT, plan: Plan): Pass {
  const K = kernelSet(model.backend, model.dtype);
  const training = plan.shape.training;
  if (training) flatGradients(model).dispose();
  const activation = getActivation(model.config.activation);
  const views = new Map<number, ParamViews>();
  let lastOptions: ForwardOptions = { pos0: 0, cache: null, dropoutKey: 0 };
  const viewsFor = (T: number): ParamViews => {
    let found = views.get(T);
    if (!found) views.set(T, (found = paramViews(model, plan.shape.B * T, training)));
    return found;
  };
  return {
    model,
    plan,
    buffers: (T) => plan.buffers(T),
    forward: (T, withLoss, options) => {
      lastOptions = options;
      gptForward({ K, config: model.config, activation, options, B: plan.shape.B, T }, plan.buffers(T), viewsFor(T), withLoss);
    },
    backward: (T) => {
      gptBackward({ K, config: model.config, activation, options: lastOptions, B: plan.shape.B, T }, plan.buffers(T), viewsFor(T));
    },
  };
}

/** (B, T, C) view of the position embeddings pos0 … pos0+T-1, repeated over the batch (stride 0). */
function positionRows(wpe: Tensor, B: number, T: number, pos0: number): Tensor {
  const C = wpe.shape[1]!;
  return cachedView(wpe, `pos:${B}:${T}:${pos0}`, (w) => w.slice(0, pos0, pos0 + T).reshape([1, T, C]).broadcastTo([B, T, C]));
}

/** What every layer of one pass shares. */
interface PassContext {
  readonly K: KernelSet;
  readonly config: GPTConfig;
  readonly activation: Activation;
  readonly options: ForwardOptions;
  readonly B: number;
  readonly T: number;
}

/** The head layout of a pass: batch, heads and head size. */
function headsOf(ctx: PassContext): { B: number; NH: number; HS: number } {
  return { B: ctx.B, NH: ctx.config.nHead, HS: headSize(ctx.config) };
}

/** Draws the dropout mask of (layer, site) and applies it to x in place; nothing without a mask. */
function dropoutForward(ctx: PassContext, x: Tensor, mask: Tensor | null, layer: number, site: number): void {
  if (!mask) return;
  fillDropoutMask(mask, ctx.config.dropout, dropoutKey(ctx.options.dropoutKey, layer, site));
  applyMask(ctx.K, x, x, mask);
}

function gptForward(ctx: PassContext, s: PassBuffers, p: ParamViews, withLoss: boolean): void {
  const { K, config, options } = ctx;
  const { B, T } = s;
  K.embedding({ weight: p.wte, ids: s.ids, out: rows(s.emb) });
  if (p.wpe) {
    const emb3 = cachedView(s.emb, 'btc', (t) => t.reshape([B, T, config.nEmbd]));
    K.binary({ op: 'add', a: emb3, b: positionRows(p.wpe, B, T, options.pos0), out: emb3 });
  }
  dropoutForward(ctx, s.emb, s.embMask, config.nLayer, 0);
  let x = s.emb;
  if (s.embNorm) {
    normForward(K, s.embNorm, x, p.embNorm!);
    x = s.embNorm.out;
  }
  for (let l = 0; l < config.nLayer; l++) {
    const b = s.blocks[l]!;
    blockForward(ctx, b, p.blocks[l]!, x, l);
    x = b.res2;
  }
  if (s.lnf) {
    normForward(K, s.lnf, x, p.lnf!);
    x = s.lnf.out;
  }
  linearForward(K, s.logits, x, p.head);
  if (withLoss) K.crossEntropy({ logits: rows(s.logits), targets: s.targets, probs: rows(s.probs), losses: s.losses, loss: s.loss });
}

/** One block: res1 = x + attn(ln1(x)); res2 = res1 + mlp(ln2(res1)). */
function blockForward(ctx: PassContext, b: BlockBuffers, bp: BlockParams, x: Tensor, layer: number): void {
  const { K, options } = ctx;
  normForward(K, b.ln1, x, bp.ln1);
  linearForward(K, b.qkv, b.ln1.out, bp.qkv);
  const { B, NH, HS } = headsOf(ctx);
  const q = qkvHeads(b.qkv, 0, B, NH, HS);
  const out = rowHeads(b.y, B, NH, HS);
  const scale = 1 / Math.sqrt(HS);
  if (options.cache) {
    const { k, v } = options.cache.append(layer, b.qkv, options.pos0, ctx.T);
    K.attention({ q, k, v, out, att: b.att, scale, offset: options.pos0 });
  } else {
    K.attention({ q, k: qkvHeads(b.qkv, 1, B, NH, HS), v: qkvHeads(b.qkv, 2, B, NH, HS), out, att: b.att, scale, offset: 0 });
  }
  linearForward(K, b.attnProj, b.y, bp.o);
  dropoutForward(ctx, b.attnProj, b.attnMask, layer, 1);
  residualForward(K, b.res1, x, b.attnProj);
  normForward(K, b.ln2, b.res1, bp.ln2);
  linearForward(K, b.fch, b.ln2.out, bp.fc1);
  ctx.activation.forward(rows(b.fch), rows(b.fca));
  linearForward(K, b.mlpProj, b.fca, bp.fc2);
  dropoutForward(ctx, b.mlpProj, b.mlpMask, layer, 2);
  residualForward(K, b.res2, b.res1, b.mlpProj);
}

/**
 * The backward pass. The residual stream's gradient lives in one buffer (dresid) updated in place: each
 * branch reads it as its output gradient, then its input norm adds the branch's contribution, which turns
 * d(block output) into d(block input).
 */
function gptBackward(ctx: PassContext, s: PassBuffers, p: ParamViews): void {
  const { K } = ctx;
  const g = s.grads!;
  const ones = s.ones;
  const xLast = s.blocks.length > 0 ? s.blocks[s.blocks.length - 1]!.res2 : (s.embNorm?.out ?? s.emb);
  K.fill({ out: g.dlogits, value: 0 });
  K.crossEntropyBackward({ probs: rows(s.probs), targets: s.targets, dlogits: rows(g.dlogits), dloss: 1 });
  if (s.lnf) {
    linearBackward(K, g.dlnf, false, g.dlogits, s.lnf.out, p.head, ones);
    K.fill({ out: g.dresid, value: 0 });
    normBackward(K, g.dresid, g.dlnf!, s.lnf, xLast, p.lnf!);
  } else {
    linearBackward(K, g.dresid, false, g.dlogits, xLast, p.head, ones);
  }
  for (let l = s.blocks.length - 1; l >= 0; l--) {
    const x = l > 0 ? s.blocks[l - 1]!.res2 : (s.embNorm?.out ?? s.emb);
    blockBackward(ctx, s, s.blocks[l]!, p.blocks[l]!, x);
  }
  let demb = g.dresid;
  if (s.embNorm) {
    K.fill({ out: g.demb, value: 0 });
    normBackward(K, g.demb, g.dresid, s.embNorm, s.emb, p.embNorm!);
    demb = g.demb;
  }
  if (s.embMask) applyMask(K, demb, demb, s.embMask);
  K.embeddingBackward({ ids: s.ids, dout: rows(demb), dweight: p.dwte! });
  if (p.dwpe) {
    // dwpe[t] += Σ_b demb[b, t]: a (1, B) row of ones times demb seen as (B, T·C).
    const { B, T } = s;
    const TC = T * ctx.config.nEmbd;
    K.matmul({
      a: cachedView(ones, `first:${B}`, (t) => t.slice(2, 0, B)),
      b: cachedView(demb, 'bRows', (t) => t.reshape([1, B, TC])),
      out: cachedView(p.dwpe, `first:${T}`, (t) => t.slice(0, 0, T).reshape([1, 1, TC])),
      transA: false,
      transB: false,
      accumulate: true,
    });
  }
}

/** Backward of one block, turning dresid = ∂L/∂res2 into ∂L/∂x in place. */
function blockBackward(ctx: PassContext, s: PassBuffers, b: BlockBuffers, bp: BlockParams, x: Tensor): void {
  const { K } = ctx;
  const g = s.grads!.block;
  const dresid = s.grads!.dresid;
  const ones = s.ones;
  K.fill({ out: g.zeroed, value: 0 });
  // MLP branch: res2 = res1 + dropout(fc2(act(fc1(ln2(res1)))))
  let dproj = dresid;
  if (b.mlpMask) {
    applyMask(K, g.dproj!, dresid, b.mlpMask);
    dproj = g.dproj!;
  }
  linearBackward(K, g.dfca, false, dproj, b.fca, bp.fc2, ones);
  ctx.activation.backward(rows(b.fch), rows(g.dfca), rows(g.dfch));
  linearBackward(K, g.dln, false, g.dfch, b.ln2.out, bp.fc1, ones);
  normBackward(K, dresid, g.dln, b.ln2, b.res1, bp.ln2);
  // Attention branch: res1 = x + dropout(o(attention(q, k, v)))
  dproj = dresid;
  if (b.attnMask) {
    applyMask(K, g.dproj!, dresid, b.attnMask);
    dproj = g.dproj!;
  }
  linearBackward(K, g.dy, false, dproj, b.y, bp.o, ones);
  const { B, NH, HS } = headsOf(ctx);
  const [q, k, v] = [0, 1, 2].map((part) => qkvHeads(b.qkv, part, B, NH, HS)) as [Tensor, Tensor, Tensor];
  const [dq, dk, dv] = [0, 1, 2].map((part) => qkvHeads(g.dqkv, part, B, NH, HS)) as [Tensor, Tensor, Tensor];
  K.attentionBackward({ q, k, v, att: b.att, dout: rowHeads(g.dy, B, NH, HS), dq, dk, dv, scale: 1 / Math.sqrt(HS), offset: 0 });
  linearBackward(K, g.dln, false, g.dqkv, b.ln1.out, bp.qkv, ones);
  normBackward(K, dresid, g.dln, b.ln1, x, bp.ln1);
}
