// The KV cache of inference: per block, keys and values of every position so far, (B, NH, blockSize, HS).
// Attention reads the whole cache with the query offset, so the kernel sees keys 0 … pos0 + i only; entries
// past the current length are never read.
import { type Backend, type FloatDType, Tensor } from '@microgpt/tensor';
import { type GPTConfig, headSize } from '../config';
import type { KernelSet } from './kernels';
import { qkvHeads } from './layers';
import { cachedView } from './views';

/** Keys and values of B sequences, one pair of tensors per block. */
export interface KVCache {
  /** Number of sequences it holds. */
  readonly B: number;
  /** Keys per block, each (B, NH, blockSize, HS). */
  readonly k: readonly Tensor[];
  /** Values per block, each (B, NH, blockSize, HS). */
  readonly v: readonly Tensor[];
  /**
   * Writes the new keys and values (parts 1 and 2 of qkv rows (1, B·T, 3C)) at positions pos0 … pos0+T-1 of
   * block `layer`, and returns the block's whole cache for attention.
   */
  append(
    layer: number,
    qkv: Tensor,
    pos0: number,
    T: number,
  ): {
    /** The block's keys, (B, NH, blockSize, HS); positions past pos0 + T - 1 are not read (the causal offset masks them). */
    k: Tensor;
    /** The block's values, (B, NH, blockSize, HS). */
    v: Tensor;
  };
  /** Reorders sequences: sequence b takes the cache of sequence `from[b]` (beam search). */
  reorder(from: readonly number[]): void;
  /** Frees the cache. */
  dispose(): void;
}

/**
 * What {@link createKVCache} allocates for B sequences: `count` tensors of `shape` (B, NH, blockSize, HS), the
 * keys and values of every block and one spare for reordering.
 */
export function kvCacheTensors(config: GPTConfig, B: number): { shape: [number, number, number, number]; count: number } {
  return { shape: [B, config.nHead, config.blockSize, headSize(config)], count: 2 * config.nLayer + 1 };
}

/** A zeroed cache for B sequences of a model with `config` (see {@link kvCacheTensors} for its size). */
export function createKVCache(config: GPTConfig, B: number, kernels: KernelSet, dtype: FloatDType, backend: Backend): KVCache {
  const { shape } = kvCacheTensors(config, B);
  const [, NH, , HS] = shape;
  const make = (): Tensor[] => Array.from({ length: config.nLayer }, () => Tensor.empty(shape, dtype, backend));
  const k = make();
  const v = make();
  const spare = Tensor.empty(shape, dtype, backend);
  const write = (cache: Tensor, qkv: Tensor, part: number, pos0: number, T: number): void => {
    kernels.copy({ src: qkvHeads(qkv, part, B, NH, HS), dst: cachedView(cache, `at:${pos0}:${T}`, (t) => t.slice(2, pos0, pos0 + T)) });
  };
  return {
    B,
    k,
    v,
    append(layer, qkv, pos0, T) {
      write(k[layer]!, qkv, 1, pos0, T);
      write(v[layer]!, qkv, 2, pos0, T);
      return { k: k[layer]!, v: v[layer]! };
    },
    reorder(from) {
      for (const cache of [...k, ...v]) {
        from.forEach((src, b) => {
          kernels.copy({ src: cachedView(cache, `seq:${src}`, (t) => t.slice(0, src, src + 1)), dst: cachedView(spare, `seq:${b}`, (t) => t.slice(0, b, b + 1)) });
        });
        kernels.copy({ src: spare, dst: cache });
      }
    },
    dispose() {
      // Cached views of these (per position, per sequence) are never disposed one by one: free outright.
      for (const t of [...k, ...v, spare]) t.freeStorage();
    },
  };
}
