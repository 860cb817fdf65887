// The attention probabilities of a prompt, every layer and head: what the playground draws as heatmaps. A plain
// forward pass (no cache) leaves them in each block's `att` buffer, so this reads them rather than recomputing.
import { ModelError } from '../errors';
import { createPlan, planShapes } from './buffers';
import { asFloat64, checkedIds } from './inference';
import { estimateMemory } from './memory-estimate';
import { checkMemory } from './memory-limit';
import type { GPT } from './model';
import { createPass } from './pass';

/** Attention probabilities of T positions. */
export interface AttentionMaps {
  /** Tokens of the sequence. */
  readonly T: number;
  /** Layers (blocks) of the model: `layers.length`. */
  readonly nLayer: number;
  /** Heads per layer. */
  readonly nHead: number;
  /**
   * Per layer, (nHead, T, T) row-major in float64: layers[l][(h·T + i)·T + j] is how much position i attends
   * to position j under head h; each row sums to 1 and is 0 for j > i (the causal mask).
   */
  readonly layers: Float64Array[];
}

/**
 * The attention probabilities of every layer and head for `ids` (one sequence; dropout off), read back once per
 * layer (every read issued before any is awaited).
 * @param ids token ids, 1 ≤ length ≤ blockSize.
 * @throws {ModelError} (as a rejection) when there are no ids or more than blockSize, or an id is outside the
 * vocabulary; MemoryLimitError (a ModelError) when the pass does not fit the backend.
 */
export async function attentionMaps(model: GPT, ids: ArrayLike<number>): Promise<AttentionMaps> {
  const { config, dtype, backend } = model;
  const T = ids.length;
  if (!(T >= 1 && T <= config.blockSize)) throw new ModelError(`attentionMaps: expected 1 ≤ T ≤ ${config.blockSize} ids, found ${T}`);
  const idArray = checkedIds('attentionMaps', ids, config.vocabSize);
  checkMemory(estimateMemory(config, { dtype, forward: { batchSize: 1, T } }), `the attention maps of ${T} tokens`, { backend });
  const plan = createPlan(config, planShapes.forward(1, T), dtype, backend);
  try {
    const pass = createPass(model, plan);
    const s = pass.buffers(T);
    backend.write(s.ids.storage, s.ids.offset, idArray);
    pass.forward(T, false, { pos0: 0, cache: null, dropoutKey: 0 });
    const size = config.nHead * T * T;
    const reads = s.blocks.map(({ att }) => backend.readAsync(att.storage, att.offset, size));
    const layers = (await Promise.all(reads)).map(asFloat64);
    return { T, nLayer: config.nLayer, nHead: config.nHead, layers };
  } finally {
    plan.dispose();
  }
}
