// The GPT's forward and backward passes over a plan's buffers, llm.c style: the model of reference.ts (read that
// first) as direct kernel calls on buffers planned once, each layer a forward/backward pair in layers.ts, and the
// backward in exact reverse. The same forward serves training (keys and values of the batch itself) and inference
// with a KV cache (keys and values appended to the cache, queries at an offset).
//
// reference.ts (referenceForward)       forward (gptForward)                      backward (gptBackward, bottom-up)
// x = embedding(wte, idx) + wpe[0:T]    embeddingForward                          embeddingBackward
// x = dropout(x, nLayer, 0)             dropoutForward(emb, embMask)              applyMask(demb)
// x = norm(x, 'ln_emb')                 normForward(embNorm)                      normBackward(embNorm)
// x = block(x, l), each layer:          blockForward                              blockBackward
//   attention(norm(x, ln_1)):             normForward(ln1)                          normBackward(ln1), into dresid
//     linear q, k, v; heads               linearForward(qkv): one (3C, C) matmul    linearBackward(qkv)
//     A.attention(q, k, v)                attentionForward: heads read in place     attentionBackward
//     dropout(linear(y, o), l, 1)         linearForward(o), dropoutForward          applyMask, linearBackward(o)
//   res1 = x + attention                  residualForward(res1)                     dresid passes through
//   mlp(norm(res1, ln_2)):                normForward(ln2)                          normBackward(ln2), into dresid
//     activate(linear(·, fc1))            linearForward(fc1), activation.forward    activation.backward, linearBackward(fc1)
//     dropout(linear(·, fc2), l, 2)       linearForward(fc2), dropoutForward        applyMask, linearBackward(fc2)
//   res2 = res1 + mlp                     residualForward(res2)                     dresid passes through
// x = norm(x, 'ln_f')                   normForward(lnf)                          normBackward(lnf)
// logits = x · (wte or lm_head)ᵀ        linearForward(logits, head)               linearBackward(head)
// loss = crossEntropy(logits, targets)  kernels.crossEntropy                      kernels.crossEntropyBackward
//
// The dropout masks are drawn on the host before the forward's kernels, and the loss and its gradient (whose kernels
// count the targets on the host) run outside the rest, so that in training the forward's kernels and the backward's
// are each a run of kernel calls alone: on a backend that records them (replay.ts) each runs as one command list.
import { gradOf } from '@microgpt/autograd';
import { Tensor, contiguousStrides } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { type Activation, getActivation } from '../activations';
import { type GPTConfig, headSize } from '../config';
import type { BlockBuffers, PassBuffers, Plan } from './buffers';
import { dropoutKey, fillDropoutMask } from './dropout';
import type { KVCache } from './kv-cache';
import type { LinearOperator } from './linear-operator';
import {
  type EmbeddingParams,
  type Heads,
  type LinearParams,
  type NormParams,
  applyMask,
  attentionBackward,
  attentionForward,
  embeddingBackward,
  embeddingForward,
  linearBackward,
  linearForward,
  normBackward,
  normForward,
  residualForward,
} from './layers';
import { type KernelSet, liveKernelSet } from './kernels';
import { type GPT, flatGradients } from './model';
import { createReplay } from './replay';
import { batchOfOne, rows } from './views';

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
  readonly embeddings: EmbeddingParams;
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
    embeddings: { wte: params.wte!.value, dwte: grad('wte'), wpe: params.wpe?.value ?? null, dwpe: params.wpe ? grad('wpe') : null },
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
  /** The model whose parameters the pass reads (and whose grads its backward fills). */
  readonly model: GPT;
  /** The planned buffers the pass runs in. */
  readonly plan: Plan;
  /** The buffers of the last forward. */
  buffers(T: number): PassBuffers;
  /**
   * Runs the model on the ids already written into `buffers(T).ids` (and targets, when `withLoss`). Nothing is read
   * back: logits are left in `buffers(T).logits` (1, B·T, V) and, when `withLoss`, the mean cross-entropy over
   * non-ignored targets in `buffers(T).loss` (NaN if all are ignored), for the caller to read when it needs them.
   */
  forward(T: number, withLoss: boolean, options: ForwardOptions): void;
  /**
   * Adds `scale` · ∂loss/∂param into every parameter's grad, after a training forward of the same T with the loss.
   * @param scale the weight of this batch's mean loss in the loss being minimized (default 1; gradient
   * accumulation gives each micro-batch its share of the counted targets).
   */
  backward(T: number, scale?: number): void;
  /** Frees what the pass recorded (its command lists); the plan and the model are the caller's. */
  dispose(): void;
}

/**
 * Binds `model` to `plan` (made with the model's config, dtype and backend). A training plan's forward (without a
 * cache) and backward run as command lists where the backend records them (see replay.ts): call `dispose` when done.
 */
export function createPass(model: GPT, plan: Plan): Pass {
  const kernels = liveKernelSet(model.backend, model.dtype);
  const training = plan.shape.training;
  if (training) flatGradients(model).dispose();
  const activation = getActivation(model.config.activation);
  const replay = createReplay(model.backend, model.dtype);
  // Recorded sections must be kernel calls only: a registered activation runs tensor ops of its own.
  const replayable = training && activation.unaryOp !== undefined;
  const views = new Map<number, ParamViews>();
  let lastOptions: ForwardOptions = { pos0: 0, cache: null, dropoutKey: 0 };
  const viewsFor = (T: number): ParamViews => {
    let found = views.get(T);
    if (!found) views.set(T, (found = paramViews(model, plan.shape.B * T, training)));
    return found;
  };
  const contextOf = (T: number, options: ForwardOptions): PassContext => ({ kernels: kernels(), config: model.config, activation, options, B: plan.shape.B, T });
  return {
    model,
    plan,
    buffers: (T) => plan.buffers(T),
    forward: (T, withLoss, options) => {
      lastOptions = options;
      const ctx = contextOf(T, options);
      const buf = plan.buffers(T);
      const params = viewsFor(T);
      fillDropoutMasks(ctx, buf);
      replay.run(replayable && !options.cache ? `forward:${T}` : null, ctx.kernels, (recorded) => {
        gptForward({ ...ctx, kernels: recorded }, buf, params);
      });
      if (withLoss) ctx.kernels.crossEntropy({ logits: rows(buf.logits), targets: buf.targets, probs: rows(buf.probs), losses: buf.losses, loss: buf.loss });
    },
    backward: (T, scale = 1) => {
      const ctx = contextOf(T, lastOptions);
      const buf = plan.buffers(T);
      const params = viewsFor(T);
      lossBackward(ctx, buf, scale);
      replay.run(replayable ? `backward:${T}` : null, ctx.kernels, (recorded) => {
        gptBackward({ ...ctx, kernels: recorded }, buf, params);
      });
    },
    dispose: () => {
      replay.dispose();
    },
  };
}

/** What every layer of one pass shares. */
interface PassContext {
  readonly kernels: KernelSet;
  readonly config: GPTConfig;
  readonly activation: Activation;
  readonly options: ForwardOptions;
  readonly B: number;
  readonly T: number;
}

/** The head layout of a pass: batch, heads and head size. */
function headsOf(ctx: PassContext): Heads {
  return { B: ctx.B, NH: ctx.config.nHead, HS: headSize(ctx.config) };
}

/** Draws every dropout mask of the pass (none without dropout): embeddings (nLayer, 0), each layer's (l, 1) and (l, 2). */
function fillDropoutMasks(ctx: PassContext, buf: PassBuffers): void {
  const draw = (mask: Tensor | null, layer: number, site: number): void => {
    if (mask) fillDropoutMask(mask, ctx.config.dropout, dropoutKey(ctx.options.dropoutKey, layer, site));
  };
  draw(buf.embMask, ctx.config.nLayer, 0);
  buf.blocks.forEach((block, l) => {
    draw(block.attnMask, l, 1);
    draw(block.mlpMask, l, 2);
  });
}

/** Applies a mask drawn by fillDropoutMasks to x in place; nothing without a mask. */
function dropoutForward(ctx: PassContext, x: Tensor, mask: Tensor | null): void {
  if (mask) applyMask(ctx.kernels, x, x, mask);
}

/** The MLP's activation, through the pass's kernels for a built-in (so it can be recorded). */
function activationForward(ctx: PassContext, x: Tensor, out: Tensor): void {
  const op = ctx.activation.unaryOp;
  if (op) ctx.kernels.unary({ op, x, out, param: 0 });
  else ctx.activation.forward(x, out);
}

/** Adds dout · activation'(x) into dx, like activationForward. */
function activationBackward(ctx: PassContext, x: Tensor, dout: Tensor, dx: Tensor): void {
  const op = ctx.activation.unaryOp;
  if (op) ctx.kernels.unaryBackward({ op, x, dout, dx, param: 0 });
  else ctx.activation.backward(x, dout, dx);
}

/** The forward's kernels up to the logits (the masks drawn, the loss left to the caller). */
function gptForward(ctx: PassContext, buf: PassBuffers, params: ParamViews): void {
  const { kernels, config, options } = ctx;
  embeddingForward(kernels, buf.emb, buf.ids, params.embeddings, buf.B, buf.T, options.pos0);
  dropoutForward(ctx, buf.emb, buf.embMask);
  let x = buf.emb;
  if (buf.embNorm) {
    normForward(kernels, buf.embNorm, x, params.embNorm!);
    x = buf.embNorm.out;
  }
  for (let l = 0; l < config.nLayer; l++) {
    const block = buf.blocks[l]!;
    blockForward(ctx, block, params.blocks[l]!, x, l);
    x = block.res2;
  }
  if (buf.lnf) {
    normForward(kernels, buf.lnf, x, params.lnf!);
    x = buf.lnf.out;
  }
  linearForward(kernels, buf.logits, x, params.head);
}

/** One block: res1 = x + attn(ln1(x)); res2 = res1 + mlp(ln2(res1)). */
function blockForward(ctx: PassContext, block: BlockBuffers, params: BlockParams, x: Tensor, layer: number): void {
  const { kernels, options } = ctx;
  normForward(kernels, block.ln1, x, params.ln1);
  linearForward(kernels, block.qkv, block.ln1.out, params.qkv);
  const cached = options.cache ? options.cache.append(layer, block.qkv, options.pos0, ctx.T) : null;
  attentionForward(kernels, block.y, block.att, block.qkv, headsOf(ctx), cached, cached ? options.pos0 : 0);
  linearForward(kernels, block.attnProj, block.y, params.o);
  dropoutForward(ctx, block.attnProj, block.attnMask);
  residualForward(kernels, block.res1, x, block.attnProj);
  normForward(kernels, block.ln2, block.res1, params.ln2);
  linearForward(kernels, block.fc1Out, block.ln2.out, params.fc1);
  activationForward(ctx, rows(block.fc1Out), rows(block.actOut));
  linearForward(kernels, block.mlpProj, block.actOut, params.fc2);
  dropoutForward(ctx, block.mlpProj, block.mlpMask);
  residualForward(kernels, block.res2, block.res1, block.mlpProj);
}

/** dlogits = scale · ∂(mean loss)/∂logits: the backward's start, whose kernel counts the targets on the host. */
function lossBackward(ctx: PassContext, buf: PassBuffers, scale: number): void {
  const grads = buf.grads!;
  ctx.kernels.fill({ out: grads.dlogits, value: 0 });
  ctx.kernels.crossEntropyBackward({ probs: rows(buf.probs), targets: buf.targets, dlogits: rows(grads.dlogits), dloss: scale });
}

/**
 * The backward pass from dlogits (lossBackward) down. The residual stream's gradient lives in one buffer (dresid)
 * updated in place: each branch reads it as its output gradient, then its input norm adds the branch's contribution,
 * which turns d(block output) into d(block input).
 */
function gptBackward(ctx: PassContext, buf: PassBuffers, params: ParamViews): void {
  const { kernels } = ctx;
  const grads = buf.grads!;
  const ones = buf.ones;
  const xLast = buf.blocks.length > 0 ? buf.blocks[buf.blocks.length - 1]!.res2 : (buf.embNorm?.out ?? buf.emb);
  if (buf.lnf) {
    linearBackward(kernels, grads.dlnf, false, grads.dlogits, buf.lnf.out, params.head, ones);
    kernels.fill({ out: grads.dresid, value: 0 });
    normBackward(kernels, grads.dresid, grads.dlnf!, buf.lnf, xLast, params.lnf!);
  } else {
    linearBackward(kernels, grads.dresid, false, grads.dlogits, xLast, params.head, ones);
  }
  for (let l = buf.blocks.length - 1; l >= 0; l--) {
    const x = l > 0 ? buf.blocks[l - 1]!.res2 : (buf.embNorm?.out ?? buf.emb);
    blockBackward(ctx, buf, buf.blocks[l]!, params.blocks[l]!, x);
  }
  let demb = grads.dresid;
  if (buf.embNorm) {
    kernels.fill({ out: grads.demb, value: 0 });
    normBackward(kernels, grads.demb, grads.dresid, buf.embNorm, buf.emb, params.embNorm!);
    demb = grads.demb;
  }
  if (buf.embMask) applyMask(kernels, demb, demb, buf.embMask);
  embeddingBackward(kernels, demb, buf.ids, params.embeddings, ones, buf.B, buf.T);
}

/** Backward of one block, turning dresid = ∂L/∂res2 into ∂L/∂x in place. */
function blockBackward(ctx: PassContext, buf: PassBuffers, block: BlockBuffers, params: BlockParams, x: Tensor): void {
  const { kernels } = ctx;
  const grads = buf.grads!.block;
  const dresid = buf.grads!.dresid;
  const ones = buf.ones;
  kernels.fill({ out: grads.zeroed, value: 0 });
  // MLP branch: res2 = res1 + dropout(fc2(act(fc1(ln2(res1)))))
  let dproj = dresid;
  if (block.mlpMask) {
    applyMask(kernels, grads.dproj!, dresid, block.mlpMask);
    dproj = grads.dproj!;
  }
  linearBackward(kernels, grads.dactOut, false, dproj, block.actOut, params.fc2, ones);
  activationBackward(ctx, rows(block.fc1Out), rows(grads.dactOut), rows(grads.dfc1Out));
  linearBackward(kernels, grads.dln, false, grads.dfc1Out, block.ln2.out, params.fc1, ones);
  normBackward(kernels, dresid, grads.dln, block.ln2, block.res1, params.ln2);
  // Attention branch: res1 = x + dropout(o(attention(q, k, v)))
  dproj = dresid;
  if (block.attnMask) {
    applyMask(kernels, grads.dproj!, dresid, block.attnMask);
    dproj = grads.dproj!;
  }
  linearBackward(kernels, grads.dy, false, dproj, block.y, params.o, ones);
  attentionBackward(kernels, grads.dqkv, grads.dy, block.att, block.qkv, headsOf(ctx));
  linearBackward(kernels, grads.dln, false, grads.dqkv, block.ln1.out, params.qkv, ones);
  normBackward(kernels, dresid, grads.dln, block.ln1, x, params.ln1);
}
