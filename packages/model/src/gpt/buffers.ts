// Memory planned up front (llm.c's malloc_and_point): every activation and activation gradient of a (B, T)
// pass is a view into one of a few arenas, sized once for the largest T. A pass allocates nothing; views for
// a smaller T (documents of different lengths) reuse the same arenas.
import { type Backend, type FloatDType, type Storage, Tensor, contiguousStrides } from '@microgpt/tensor';
import { type GPTConfig, mlpHidden } from '../config';

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
  /** (1, N, C) attention projection (after dropout), and the residual stream after it. */
  readonly attnProj: Tensor;
  readonly res1: Tensor;
  readonly ln2: NormBuffers;
  /** (1, N, F) MLP hidden before and after the activation. */
  readonly fch: Tensor;
  readonly fca: Tensor;
  /** (1, N, C) MLP projection (after dropout), and the residual stream after the block. */
  readonly mlpProj: Tensor;
  readonly res2: Tensor;
  /** (1, N, C) dropout masks (0 or 1/(1-p)), null without dropout. */
  readonly attnMask: Tensor | null;
  readonly mlpMask: Tensor | null;
}

/** Activation gradients of one block, shared by every block (backward visits one at a time). */
export interface BlockGradBuffers {
  /** dqkv (1, N, 3C) and dfch (1, N, F): one region, zeroed per block because kernels add into it. */
  readonly zeroed: Tensor;
  readonly dqkv: Tensor;
  readonly dfch: Tensor;
  /** Overwritten before being read: dy (1, N, C), dln (1, N, C), dfca (1, N, F). */
  readonly dy: Tensor;
  readonly dln: Tensor;
  readonly dfca: Tensor;
  /** (1, N, C) the residual gradient through a dropout mask (null without dropout). */
  readonly dproj: Tensor | null;
}

/** Every buffer of a (B, T) pass. */
export interface PassBuffers {
  readonly B: number;
  readonly T: number;
  /** (B·T) int32 token ids and targets (-1 = ignored). */
  readonly ids: Tensor;
  readonly targets: Tensor;
  /** (1, N, C) token + position embeddings (after dropout), the embedding norm, and per-row losses (N). */
  readonly emb: Tensor;
  readonly embNorm: NormBuffers | null;
  readonly embMask: Tensor | null;
  readonly blocks: readonly BlockBuffers[];
  readonly lnf: NormBuffers | null;
  /** (1, N, V) logits, softmax probabilities, and (N) per-row losses. */
  readonly logits: Tensor;
  readonly probs: Tensor;
  readonly losses: Tensor;
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
  /** (1, N, C) gradient of the final norm's output (overwritten), and of the embeddings (zeroed). */
  readonly dlnf: Tensor | null;
  readonly demb: Tensor;
  readonly block: BlockGradBuffers;
}

type Take = (shape: readonly number[]) => Tensor;

/**
 * Hands out consecutive views of one storage, each starting on a 16-element boundary (SIMD-friendly). Sizing
 * runs the same layout over a phantom storage that no kernel ever sees, so sizes are derived, not restated.
 */
function bump(storage: Storage): { take: Take; used: () => number } {
  let used = 0;
  const take: Take = (shape) => {
    const size = shape.reduce((a, b) => a * b, 1);
    const offset = used;
    used += Math.ceil(size / 16) * 16;
    return Tensor.view(storage, shape, contiguousStrides(shape), offset);
  };
  return { take, used: () => used };
}

/** Options of a plan: batch size, largest T, whether it trains (gradients), and attention context length. */
export interface PlanShape {
  readonly B: number;
  readonly maxT: number;
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
    fch: take([1, N, F]),
    fca: take([1, N, F]),
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
    dfch: part(3 * N * C, [1, N, F]),
    dy: take([1, N, C]),
    dln: take([1, N, C]),
    dfca: take([1, N, F]),
    dproj: dropout ? take([1, N, C]) : null,
  };
}

function floatViews(config: GPTConfig, shape: PlanShape, T: number, take: Take): Omit<PassBuffers, 'ids' | 'targets' | 'ones'> {
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
    blocks: Array.from({ length: config.nLayer }, () => blockBuffers(config, take, B, T, Tk, dropout)),
    lnf: config.finalNorm ? normBuffers(config, take, N) : null,
    logits: take([1, N, V]),
    probs: take([1, N, V]),
    losses: take([N]),
  };
  const grads: PassGradBuffers | null = training
    ? {
        dresid: take([1, N, C]),
        dlogits: take([1, N, V]),
        dlnf: config.finalNorm ? take([1, N, C]) : null,
        demb: take([1, N, C]),
        block: blockGradBuffers(config, take, B, T, dropout),
      }
    : null;
  return { ...activations, grads };
}

/** A planned pass: one arena for every T ≤ maxT, with views made once per T. */
export interface Plan {
  readonly config: GPTConfig;
  readonly shape: PlanShape;
  readonly dtype: FloatDType;
  readonly backend: Backend;
  /** The buffers of a (B, T) pass, T ≤ maxT (views made on first use, then cached). */
  buffers(T: number): PassBuffers;
  /** Frees the arenas (the plan is unusable afterwards). */
  dispose(): void;
}

/**
 * Plans the buffers of passes of `shape` for a model with `config`.
 * @returns a Plan whose `buffers(T)` never allocates float memory after the first call for each T.
 */
export function createPlan(config: GPTConfig, shape: PlanShape, dtype: FloatDType, backend: Backend): Plan {
  const measure = bump({ backend, dtype, size: 0 });
  floatViews(config, shape, shape.maxT, measure.take);
  const arena = Tensor.empty([measure.used()], dtype, backend);
  const byT = new Map<number, PassBuffers>();
  const owned: Tensor[] = [arena];
  const buffers = (T: number): PassBuffers => {
    let found = byT.get(T);
    if (!found) {
      const { take } = bump(arena.storage);
      const views = floatViews(config, shape, T, take);
      const N = shape.B * T;
      const ids = Tensor.empty([N], 'int32', backend);
      const targets = Tensor.empty([N], 'int32', backend);
      // Outside the arena: every T's views overlap there, and the ones must survive other passes.
      const ones = Tensor.empty([1, 1, N], dtype, backend);
      backend.write(ones.storage, 0, (dtype === 'float64' ? new Float64Array(N) : new Float32Array(N)).fill(1));
      owned.push(ids, targets, ones);
      found = { ...views, ids, targets, ones };
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
