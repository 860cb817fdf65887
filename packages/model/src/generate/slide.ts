// Feeding one more token through a KV cache that may be full: the window slides by re-encoding its last half.
import type { InferenceSession } from '../gpt/inference';

/**
 * Feeds one new token per sequence, sliding first when the cache is full: the last half of the window
 * (`contexts[b]`, which already ends with the new tokens) is encoded again from position 0.
 * @returns the logits of each sequence's new last position, as `session.feed`.
 */
export function feedOne(session: InferenceSession, context: readonly number[], next: readonly number[], contexts?: readonly (readonly number[])[]): Promise<Float64Array> {
  const S = session.model.config.blockSize;
  if (session.length < S) return session.feed(next, 1);
  const keep = Math.max(1, Math.ceil(S / 2));
  const all = contexts ?? [context];
  const ids = all.flatMap((c) => c.slice(-keep));
  session.reset();
  return session.feed(ids, keep);
}
