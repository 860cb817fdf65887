// Dropout masks, drawn on the host and written to the backend: 0 with probability p, else 1/(1-p) (inverted
// dropout, as PyTorch). The draws are a pure function of (seed, step, site), so a resumed run redraws the same
// masks without saving generator state.
import type { Tensor } from '@microgpt/tensor';

/** A 32-bit mixing hash (splitmix32's finalizer): successive counters give independent-looking words. */
function mix32(x: number): number {
  x = Math.imul(x ^ (x >>> 16), 0x21f0aaad);
  x = Math.imul(x ^ (x >>> 15), 0x735a2d97);
  return (x ^ (x >>> 15)) >>> 0;
}

/**
 * Fills `mask` (any float tensor, contiguous) with a dropout mask for probability `p`.
 * @param key distinguishes masks: combine the run seed, the step and the site (layer, position in the layer).
 */
export function fillDropoutMask(mask: Tensor, p: number, key: number): void {
  const n = mask.size;
  const values = mask.dtype === 'float64' ? new Float64Array(n) : new Float32Array(n);
  const keep = 1 / (1 - p);
  const threshold = p * 4294967296;
  let state = mix32(key);
  for (let i = 0; i < n; i++) {
    state = (state + 0x9e3779b9) >>> 0;
    values[i] = mix32(state) < threshold ? 0 : keep;
  }
  mask.backend.write(mask.storage, mask.offset, values);
}

/** The key of one mask: a hash of the run's seed, the step and the site number. */
export function dropoutKey(seed: number, step: number, site: number): number {
  return mix32(mix32(mix32(seed >>> 0) ^ step) ^ site);
}
