// Memory planned up front (llm.c's malloc_and_point): every activation and activation gradient of a (B, T)
// pass is a view into one of a few arenas, sized once for the largest T. A pass allocates nothing; views for
// a smaller T (documents of different lengths) reuse the same arenas.
import { type Backend, type FloatDType, type Storage, Tensor, contiguousStrides } from '@microgpt/tensor';
import { type GPTConfig, mlpHidden } from '../config';
import { ModelError } from '../errors';

/** Saved by a norm's forward for its backward. */
export interface NormBuffers {
  /** (N, C) normalized output. */
  readonly out: Tensor;
  /** (N) means (layernorm only). */
  readonly mean: Tensor | null;
  /** (N) reciprocal standard deviations. */
  readonly rstd: Tensor;
}

/** One block's activations, N = B·T, shapes as noted; (1, N, X) views feed matmul directly. */
export interface BlockBuffers {
  /** The first norm (before attention): its (1, N, C) output and saved statistics. */
  readonly ln1: NormBuffers;
  /**
   * (1, N, 3C) q, k and v side by side (one matmul: wq, wk, wv are adjacent in the parameter block); attention
   * reads its heads in place.
   */
  readonly qkv: Tensor;
  /** (B, NH, T, Tk) attention probabilities, Tk = T in training, blockSize with a KV cache. */
  readonly att: Tensor;
  /** (1, N, C) attention output, heads side by side (the kernel writes it in place). */
  readonly y: Tensor;
  /** (1, N, C) attention projection (after dropout). */
  readonly attnProj: Tensor;
  /** (1, N, C) the residual stream after attention: the block's input plus attnProj. */
  readonly res1: Tensor;
  /** The second norm (before the MLP): its (1, N, C) output and saved statistics. */
  readonly ln2: NormBuffers;
  /** (1, N, F) fc1's output: the MLP's hidden layer before the activation. */
  readonly fc1Out: Tensor;
  /** (1, N, F) the activation's output, fc2's input. */
  readonly actOut: Tensor;
  /** (1, N, C) MLP projection (after dropout). */
  readonly mlpProj: Tensor;
  /** (1, N, C) the residual stream after the block: res1 plus mlpProj. */
  readonly res2: Tensor;
  /** (1, N, C) dropout mask of the attention projection (0 or 1/(1-p)), null without dropout. */
  readonly attnMask: Tensor | null;
  /** (1, N, C) dropout mask of the MLP projection (0 or 1/(1-p)), null without dropout. */
  readonly mlpMask: Tensor | null;
}

/** Activation gradients of one block, shared by every block (backward visits one at a time). */
export interface BlockGradBuffers {
  /** dqkv and dfc1Out as one region (3N·C + N·F), zeroed per block because kernels add into it. */
  readonly zeroed: Tensor;
  /** (1, N, 3C) gradient of qkv, a view of `zeroed`. */
  readonly dqkv: Tensor;
  /** (1, N, F) gradient of fc1's output, a view of `zeroed`. */
  readonly dfc1Out: Tensor;
  /** (1, N, C) gradient of the attention output y; overwritten before being read. */
  readonly dy: Tensor;
  /** (1, N, C) gradient of a norm's output; overwritten before being read. */
  readonly dln: Tensor;
  /** (1, N, F) gradient of the activation's output; overwritten before being read. */
  readonly dactOut: Tensor;
  /** (1, N, C) the residual gradient through a dropout mask (null without dropout). */
  readonly dproj: Tensor | null;
}

/** Every buffer of a (B, T) pass. */
export interface PassBuffers {
  /** Sequences in the batch. */
  readonly B: number;
  /** Tokens per sequence in this pass (≤ the plan's maxT); N = B·T rows. */
  readonly T: number;
  /** (B·T) int32 token ids, written by the caller before a forward. */
  readonly ids: Tensor;
  /** (B·T) int32 next-token targets, -1 = no loss at that position; written before a forward with the loss. */
  readonly targets: Tensor;
  /** (1, N, C) token + position embeddings (after dropout). */
  readonly emb: Tensor;
  /** The embedding norm's buffers, null when the config has no embedding norm. */
  readonly embNorm: NormBuffers | null;
  /** (1, N, C) dropout mask of the embeddings, null without dropout. */
  readonly embMask: Tensor | null;
  /** Each block's activations, nLayer of them. */
  readonly blocks: readonly BlockBuffers[];
  /** The final norm's buffers, null when the config has no final norm. */
  readonly lnf: NormBuffers | null;
  /** (1, N, V) logits. */
  readonly logits: Tensor;
  /** (1, N, V) softmax of the logits, saved by the loss for the backward. */
  readonly probs: Tensor;
  /** (N) per-position losses (0 where the target is -1). */
  readonly losses: Tensor;
  /** (1) the mean loss over positions with a target (NaN when there is none). */
  readonly loss: Tensor;
  /** (1, 1, N) ones, to sum rows with a matmul (bias gradients). */
  readonly ones: Tensor;
  /** Gradients (training plans only). */
  readonly grads: PassGradBuffers | null;
}

/** Model-level activation gradients. */
export interface PassGradBuffers {
  /** (1, N, C) gradient of the residual stream, updated in place block by block (zeroed each pass). */
  readonly dresid: Tensor;
  /** (1, N, V) logits gradient (zeroed each pass). */
  readonly dlogits: Tensor;
  /** (1, N, C) gradient of the final norm's output (overwritten); null without a final norm. */
  readonly dlnf: Tensor | null;
  /** (1, N, C) gradient of the embeddings (zeroed each pass). */
  readonly demb: Tensor;
  /** The one set of block gradients, reused by every block. */
  readonly block: BlockGradBuffers;
}

/** Hands out the next view of the arena; `logits` marks the vocabulary-wide buffers (sized apart in estimates). */
type Take = (shape: readonly number[], logits?: 'logits') => Tensor;

/** Where views come from: `take` for one buffer, `layers` for the nLayer blocks (each built by `make`). */
interface Layout {
  readonly take: Take;
  readonly layers: <X>(make: () => X) => X[];
}

const align = (size: number): number => Math.ceil(size / 16) * 16;
const sizeOf = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Hands out consecutive views of one storage, each starting on a 16-element boundary (SIMD-friendly), one set
 * of block buffers per layer.
 */
function bump(storage: Storage, nLayer: number): Layout {
  let used = 0;
  return {
    take: (shape) => {
      const offset = used;
      used += align(sizeOf(shape));
      return Tensor.view(storage, shape, contiguousStrides(shape), offset);
    },
    layers: (make) => Array.from({ length: nLayer }, make),
  };
}

/** Storage that sizing lays views over: no kernel ever sees it, so it has no backend behind it. */
function phantomStorage(dtype: FloatDType): Storage {
  return {
    dtype,
    size: 0,
    get backend(): Backend {
      throw new ModelError('buffers: a phantom storage used for sizing reached a kernel');
    },
  };
}

/**
 * Runs a layout over a phantom storage and counts the elements it takes, the same layout the arena gets: every
 * block is alike, so one is built and counted nLayer times (no per-layer work for huge configs).
 */
function measure(dtype: FloatDType, nLayer: number, lay: (layout: Layout) => unknown): { total: number; logits: number } {
  const storage = phantomStorage(dtype);
  let total = 0;
  let logits = 0;
  const take: Take = (shape, kind) => {
    const size = align(sizeOf(shape));
    total += size;
    if (kind === 'logits') logits += size;
    return Tensor.view(storage, shape, contiguousStrides(shape), 0);
  };
  lay({
    take,
    layers: (make) => {
      const before = total;
      const one = make();
      total = before + nLayer * (total - before);
      return [one];
    },
  });
  return { total, logits };
}

/** Options of a plan: batch size, largest T, whether it trains (gradients), and attention context length. */
export interface PlanShape {
  /** Sequences per pass. */
  readonly B: number;
  /** Longest T a pass may have (≤ blockSize); the arena is sized for it. */
  readonly maxT: number;
  /** Plan the gradient buffers too (a training step); false for forward-only passes. */
  readonly training: boolean;
  /** Keys each query may see: T in training; blockSize with a KV cache. null = T. */
  readonly contextT: number | null;
}

function normBuffers(config: GPTConfig, take: Take, N: number): NormBuffers {
  return { out: take([1, N, config.nEmbd]), mean: config.norm === 'layernorm' ? take([N]) : null, rstd: take([N]) };
}

function blockBuffers(config: GPTConfig, take: Take, B: number, T: number, Tk: number, dropout: boolean): BlockBuffers {
  const N = B * T;
  const C = config.nEmbd;
  const F = mlpHidden(config);
  return {
    ln1: normBuffers(config, take, N),
    qkv: take([1, N, 3 * C]),
    att: take([B, config.nHead, T, Tk]),
    y: take([1, N, C]),
    attnProj: take([1, N, C]),
    res1: take([1, N, C]),
    ln2: normBuffers(config, take, N),
    fc1Out: take([1, N, F]),
    actOut: take([1, N, F]),
    mlpProj: take([1, N, C]),
    res2: take([1, N, C]),
    attnMask: dropout ? take([1, N, C]) : null,
    mlpMask: dropout ? take([1, N, C]) : null,
  };
}

function blockGradBuffers(config: GPTConfig, take: Take, B: number, T: number, dropout: boolean): BlockGradBuffers {
  const N = B * T;
  const C = config.nEmbd;
  const F = mlpHidden(config);
  const zeroed = take([3 * N * C + N * F]);
  const part = (index: number, shape: readonly number[]): Tensor => Tensor.view(zeroed.storage, shape, contiguousStrides(shape), zeroed.offset + index);
  return {
    zeroed,
    dqkv: part(0, [1, N, 3 * C]),
    dfc1Out: part(3 * N * C, [1, N, F]),
    dy: take([1, N, C]),
    dln: take([1, N, C]),
    dactOut: take([1, N, F]),
    dproj: dropout ? take([1, N, C]) : null,
  };
}

/** The arena's views for a (B, T) pass: the one table both the arena's size and its views come from. */
function floatViews(config: GPTConfig, shape: PlanShape, T: number, { take, layers }: Layout): Omit<PassBuffers, 'ids' | 'targets' | 'ones'> {
  const { B, training } = shape;
  const N = B * T;
  const C = config.nEmbd;
  const V = config.vocabSize;
  const dropout = training && config.dropout > 0;
  const Tk = shape.contextT ?? T;
  const activations = {
    B,
    T,
    emb: take([1, N, C]),
    embNorm: config.embedNorm ? normBuffers(config, take, N) : null,
    embMask: dropout ? take([1, N, C]) : null,
    blocks: layers(() => blockBuffers(config, take, B, T, Tk, dropout)),
    lnf: config.finalNorm ? normBuffers(config, take, N) : null,
    logits: take([1, N, V], 'logits'),
    probs: take([1, N, V], 'logits'),
    losses: take([N], 'logits'),
    loss: take([1], 'logits'),
  };
  const grads: PassGradBuffers | null = training
    ? {
        dresid: take([1, N, C]),
        dlogits: take([1, N, V], 'logits'),
        dlnf: config.finalNorm ? take([1, N, C]) : null,
        demb: take([1, N, C]),
        block: blockGradBuffers(config, take, B, T, dropout),
      }
    : null;
  return { ...activations, grads };
}

/** The plans the model's passes use, so that what allocates them and what estimates them agree. */
export const planShapes = {
  /** A training step of B sequences of up to blockSize tokens. */
  training: (config: GPTConfig, B: number): PlanShape => ({ B, maxT: config.blockSize, training: true, contextT: null }),
  /** A forward pass without a cache (evaluation, forwardLogits, attentionMaps) of B sequences of up to T tokens. */
  forward: (B: number, T: number): PlanShape => ({ B, maxT: T, training: false, contextT: null }),
  /** An inference session of B sequences: chunks of up to blockSize tokens attending over a cache of blockSize. */
  session: (config: GPTConfig, B: number): PlanShape => ({ B, maxT: config.blockSize, training: false, contextT: config.blockSize }),
};

/** Elements a plan allocates, by region, computed from its layout without building nLayer blocks. */
export interface PlanElements {
  /** The arena besides the logits: activations (and their gradients in training) of every block. */
  readonly activations: number;
  /** The (N, V) logits, probabilities and (training) their gradient, plus the (N) losses and their mean. */
  readonly logits: number;
  /** N = B · maxT: the length of the plan's int32 ids and targets and of its row of ones. */
  readonly rows: number;
}

/**
 * What `createPlan(config, shape, dtype, …)` allocates, in elements (floating point, so absurd shapes give large
 * numbers instead of a long loop): an arena of `activations + logits` elements of `dtype`, ids and targets of
 * `rows` int32 each, and `rows` ones of `dtype`.
 */
export function planElements(config: GPTConfig, shape: PlanShape, dtype: FloatDType): PlanElements {
  const { total, logits } = measure(dtype, config.nLayer, (layout) => floatViews(config, shape, shape.maxT, layout));
  return { activations: total - logits, logits, rows: shape.B * shape.maxT };
}

/** A planned pass: one arena for every T ≤ maxT, with views made once per T. */
export interface Plan {
  /** The model config the buffers are shaped for. */
  readonly config: GPTConfig;
  /** Batch size, largest T and whether it trains. */
  readonly shape: PlanShape;
  /** Float type of every activation buffer. */
  readonly dtype: FloatDType;
  /** Backend the arenas live on (the model's). */
  readonly backend: Backend;
  /** The buffers of a (B, T) pass, T ≤ maxT (views made on first use, then cached). */
  buffers(T: number): PassBuffers;
  /** Frees the arenas (the plan is unusable afterwards). */
  dispose(): void;
}

/**
 * Plans the buffers of passes of `shape` for a model with `config`: allocates the arena, ids, targets and
 * ones at once ({@link planElements} says how much), so that `buffers(T)` only makes views.
 * @returns a Plan whose `buffers(T)` never allocates backend memory.
 */
export function createPlan(config: GPTConfig, shape: PlanShape, dtype: FloatDType, backend: Backend): Plan {
  const size = planElements(config, shape, dtype);
  const arena = Tensor.empty([size.activations + size.logits], dtype, backend);
  // Outside the arena, sized for maxT: a smaller T uses a prefix. Ids and targets are written before each pass
  // that reads them, and the ones must survive every pass (the arena's views for each T overlap).
  const ids = Tensor.empty([size.rows], 'int32', backend);
  const targets = Tensor.empty([size.rows], 'int32', backend);
  const ones = Tensor.empty([size.rows], dtype, backend);
  backend.write(ones.storage, 0, (dtype === 'float64' ? new Float64Array(size.rows) : new Float32Array(size.rows)).fill(1));
  const byT = new Map<number, PassBuffers>();
  const owned: Tensor[] = [arena, ids, targets, ones];
  const buffers = (T: number): PassBuffers => {
    let found = byT.get(T);
    if (!found) {
      const views = floatViews(config, shape, T, bump(arena.storage, config.nLayer));
      const N = shape.B * T;
      found = { ...views, ids: Tensor.view(ids.storage, [N]), targets: Tensor.view(targets.storage, [N]), ones: Tensor.view(ones.storage, [1, 1, N]) };
      byT.set(T, found);
    }
    return found;
  };
  return {
    config,
    shape,
    dtype,
    backend,
    buffers,
    // The passes make views of these buffers (per T, per head, per row) that nobody disposes one by one, so the
    // plan frees its storages outright.
    dispose: () => {
      for (const t of owned) t.freeStorage();
      byT.clear();
    },
  };
}
