// Inference with a KV cache: a session holds B sequences' keys and values, takes a prompt chunk at once
// (prefill) or one token per sequence (decode), and returns the last position's logits, read back once per feed
// (what sampling on the host needs, nothing more). The generation strategies (sampling, beam search) in
// ../generate drive it.
import type { Backend, Tensor, TypedArray } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { createPlan, planShapes } from './buffers';
import { kernelSet } from './kernels';
import { type KVCache, createKVCache } from './kv-cache';
import { estimateMemory } from './memory-estimate';
import { checkMemory } from './memory-limit';
import type { GPT } from './model';
import { createPass } from './pass';

/** A running inference over B sequences of the same length. */
export interface InferenceSession {
  /** The model it runs (its parameters or replaced linear layers are read at each step). */
  readonly model: GPT;
  /** Number of sequences. */
  readonly B: number;
  /** Tokens each sequence has in the cache (≤ blockSize). */
  readonly length: number;
  /**
   * Feeds T more tokens per sequence (ids is (B, T) row-major, T ≥ 1) at positions length … length+T-1. The pass
   * is issued at once (the session is ready for `reorder` or the next feed right away); the logits arrive when the
   * backend has read them.
   * @returns the logits of each sequence's last new position, (B, V) row-major in float64.
   * @throws {ModelError} when length + T exceeds blockSize or an id is outside the vocabulary (thrown, not rejected).
   */
  feed(ids: ArrayLike<number>, T: number): Promise<Float64Array>;
  /** Sequence b continues from sequence from[b]'s cache (beam search keeps the best beams). */
  reorder(from: readonly number[]): void;
  /** Empties the cache (length 0). */
  reset(): void;
  /** Frees the cache and buffers. */
  dispose(): void;
}

/** Options of {@link createSession}. */
export interface SessionOptions {
  /** Bytes the model and the session may take in all; the backend's `maxBytes` applies too. */
  readonly memoryLimit?: number;
}

/**
 * A session for B sequences (default 1), once its plan and KV cache (which grow with B × blockSize × nLayer)
 * are checked against the backend's limit and `memoryLimit` (see `estimateMemory`).
 * @throws {ModelError} for B not a positive integer; MemoryLimitError (a ModelError) when the session does not fit.
 */
export function createSession(model: GPT, B = 1, options: SessionOptions = {}): InferenceSession {
  if (!Number.isSafeInteger(B) || B < 1) throw new ModelError(`createSession: B must be a positive integer, found ${B}`);
  const { config, dtype, backend } = model;
  const S = config.blockSize;
  const V = config.vocabSize;
  const what = `an inference session of ${B} sequence${B === 1 ? '' : 's'}`;
  checkMemory(estimateMemory(config, { dtype, session: { sequences: B } }), what, { backend, memoryLimit: options.memoryLimit });
  const plan = createPlan(config, planShapes.session(config, B), dtype, backend);
  const pass = createPass(model, plan);
  const cache: KVCache = createKVCache(config, B, kernelSet(backend, dtype), dtype, backend);
  let length = 0;
  const session: InferenceSession = {
    model,
    B,
    get length() {
      return length;
    },
    feed(ids, T) {
      if (!Number.isSafeInteger(T) || T < 1 || ids.length !== B * T) {
        throw new ModelError(`feed: expected ${B} × T ids with T ≥ 1, found ${ids.length} ids for T = ${T}`);
      }
      if (length + T > S) throw new ModelError(`feed: ${length} + ${T} tokens exceed the context of ${S} (blockSize)`);
      const idArray = checkedIds('feed', ids, V);
      const s = pass.buffers(T);
      backend.write(s.ids.storage, s.ids.offset, idArray);
      pass.forward(T, false, { pos0: length, cache, dropoutKey: 0 });
      length += T;
      return lastLogits(backend, s.logits, B, T, V);
    },
    reorder(from) {
      if (from.length !== B || from.some((f) => !Number.isInteger(f) || f < 0 || f >= B)) {
        throw new ModelError(`reorder: expected ${B} sequence indices in [0, ${B}), found [${from.join(', ')}]`);
      }
      cache.reorder(from);
    },
    reset() {
      length = 0;
    },
    dispose() {
      cache.dispose();
      plan.dispose();
    },
  };
  return session;
}

/** `values` (a read's own copy) as float64: itself when it is one already. */
export function asFloat64(values: TypedArray): Float64Array {
  return values instanceof Float64Array ? values : Float64Array.from(values);
}

/**
 * The logits of each sequence's last position, (B, V) in float64, out of logits (1, B·T, V): one read when the rows
 * are adjacent (T = 1, every decoding step), else one read per sequence, all issued before any is awaited. Each read
 * takes its copy when issued, so the buffers may be reused at once.
 */
function lastLogits(backend: Backend, logits: Tensor, B: number, T: number, V: number): Promise<Float64Array> {
  const rowOf = (b: number): number => logits.offset + (b * T + T - 1) * V;
  if (T === 1) return backend.readAsync(logits.storage, rowOf(0), B * V).then(asFloat64);
  const reads = Array.from({ length: B }, (_, b) => backend.readAsync(logits.storage, rowOf(b), V));
  return Promise.all(reads).then((rows) => {
    const out = new Float64Array(B * V);
    rows.forEach((row, b) => {
      out.set(row, b * V);
    });
    return out;
  });
}

/**
 * Logits of every position of B sequences of T tokens, without a cache (a plain forward pass), read back once.
 * @param ids (B, T) row-major token ids, T ≤ blockSize.
 * @returns (B, T, V) row-major logits in float64.
 * @throws {ModelError} (as a rejection) when T is out of range or an id is outside the vocabulary; MemoryLimitError (a
 * ModelError) when the pass does not fit the backend.
 */
export async function forwardLogits(model: GPT, ids: ArrayLike<number>, B: number, T: number): Promise<Float64Array> {
  const { config, dtype, backend } = model;
  if (!(Number.isSafeInteger(T) && T >= 1 && T <= config.blockSize && ids.length === B * T)) {
    throw new ModelError(`forwardLogits: expected ${B} × T ids with 1 ≤ T ≤ ${config.blockSize}, found ${ids.length} ids for T = ${T}`);
  }
  const idArray = checkedIds('forwardLogits', ids, config.vocabSize);
  checkMemory(estimateMemory(config, { dtype, forward: { batchSize: B, T } }), `a forward pass of ${B} × ${T} tokens`, { backend });
  const plan = createPlan(config, planShapes.forward(B, T), dtype, backend);
  try {
    const pass = createPass(model, plan);
    const s = pass.buffers(T);
    backend.write(s.ids.storage, s.ids.offset, idArray);
    pass.forward(T, false, { pos0: 0, cache: null, dropoutKey: 0 });
    return asFloat64(await backend.readAsync(s.logits.storage, s.logits.offset, B * T * config.vocabSize));
  } finally {
    plan.dispose();
  }
}

/** ids as Int32Array, each checked against the vocabulary. @throws {ModelError} naming the first bad id. */
export function checkedIds(op: string, ids: ArrayLike<number>, V: number): Int32Array {
  const out = new Int32Array(ids.length);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= V) throw new ModelError(`${op}: token id ${id} at index ${i} is outside the vocabulary [0, ${V})`);
    out[i] = id;
  }
  return out;
}
