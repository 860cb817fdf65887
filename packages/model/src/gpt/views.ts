// Kernels read shapes positionally (matmul wants (batch, M, N), norms and cross-entropy (N, C)), so one buffer
// is seen through several views. Making a view costs about a microsecond, so each is made once and cached
// on the tensor it views.
import type { Tensor } from '@microgpt/tensor';

const cache = new WeakMap<Tensor, Map<string, Tensor>>();

/** The view of `t` called `key`, made by `make` on first use. */
export function cachedView(t: Tensor, key: string, make: (t: Tensor) => Tensor): Tensor {
  let views = cache.get(t);
  if (!views) cache.set(t, (views = new Map<string, Tensor>()));
  let view = views.get(key);
  if (!view) views.set(key, (view = make(t)));
  return view;
}

/** A (1, N, X) buffer seen as (N, X) rows, for norms, cross-entropy and embeddings. */
export function rows(t: Tensor): Tensor {
  return cachedView(t, 'rows', (x) => x.reshape([x.size / x.shape[x.shape.length - 1]!, x.shape[x.shape.length - 1]!]));
}

/** A matrix (OC, IC) or vector (OC) seen as a batch of one (1, OC, IC) / (1, 1, OC), for matmul. */
export function batchOfOne(t: Tensor): Tensor {
  return cachedView(t, 'batch1', (x) => x.reshape(x.shape.length === 1 ? [1, 1, x.shape[0]!] : [1, ...x.shape]));
}
