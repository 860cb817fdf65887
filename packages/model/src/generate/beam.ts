// Beam search: keep the k most likely unfinished continuations (by total log-probability), extend each by every
// token, keep the best k that do not stop. A continuation that picks a stop token is finished: it goes to a
// pool of the k best finished hypotheses, scored by log p / max(1, length)^lengthPenalty. The search ends at
// the token limit (the live beams then count as hypotheses that reached it) or as soon as no live beam can
// still beat the k-th best finished hypothesis.
import { createStreamDecoder } from '@microgpt/tokenizer';
import { ModelError } from '../errors';
import { createSession } from '../gpt/inference';
import type { GPT } from '../gpt/model';
import type { BeamHypothesis, GenerateOptions, GenerateResult } from './generate';
import { feedOne } from './slide';

/** An unfinished continuation: its tokens and their total log-probability. */
interface Live {
  readonly ids: number[];
  readonly logp: number;
}

/** A hypothesis in the result pool, before its text is decoded. */
interface Scored {
  readonly ids: number[];
  readonly logp: number;
  readonly score: number;
  readonly stop: BeamHypothesis['stop'];
}

/**
 * log softmax of row b of logits (B, V).
 * @throws {ModelError} for a NaN logit (weights that are not finite).
 */
function logSoftmaxRow(logits: Float64Array, b: number, V: number): Float64Array {
  const out = new Float64Array(V);
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    const l = logits[b * V + i]!;
    if (Number.isNaN(l)) throw new ModelError(`beam search: logit ${i} is NaN; the model's weights are not finite`);
    max = Math.max(max, l);
  }
  let total = 0;
  for (let i = 0; i < V; i++) total += Math.exp(logits[b * V + i]! - max);
  const logTotal = Math.log(total) + max;
  for (let i = 0; i < V; i++) out[i] = logits[b * V + i]! - logTotal;
  return out;
}

/** The k largest entries' indices among those not in `skip` (ties to the lower index). */
function topIndices(values: Float64Array, k: number, skip: ReadonlySet<number>): number[] {
  return Array.from(values.keys())
    .filter((i) => !skip.has(i) && values[i]! > -Infinity)
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, k);
}

/** Best first; equal scores keep the shorter, then the lexicographically smaller ids, so results are stable. */
function byScore(a: Scored, b: Scored): number {
  return b.score - a.score || a.ids.length - b.ids.length || compareIds(a.ids, b.ids);
}

function compareIds(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return a.length - b.length;
}

/**
 * Adds `h` to the pool of the best `k` distinct hypotheses (in place, sorted by {@link byScore}): a hypothesis
 * with the same ids as one already there (another stop token after the same tokens) keeps the better score.
 */
function addToPool(pool: Scored[], h: Scored, k: number): void {
  const key = h.ids.join(',');
  const same = pool.findIndex((p) => p.ids.length === h.ids.length && p.ids.join(',') === key);
  if (same >= 0) {
    if (byScore(h, pool[same]!) >= 0) return;
    pool.splice(same, 1);
  }
  pool.push(h);
  pool.sort(byScore);
  if (pool.length > k) pool.length = k;
}

/**
 * Beam search of width k from `context` (already cropped to the block size); see `generate`.
 *
 * Scoring: a hypothesis of n new tokens (not counting the stop token) with total log-probability L (including
 * the stop token's) scores L / max(1, n)^α, α = `lengthPenalty` (default 1). Finished hypotheses are those
 * that picked a stop token; live beams become hypotheses (`stop: 'max-tokens'`) only when they reach
 * `maxNewTokens`.
 *
 * Stopping early: a live beam of n tokens and log-probability L ≤ 0 can only lose probability, and every
 * hypothesis it leads to has between n and maxNewTokens tokens, so its score is at most
 * max(L / max(1, n)^α, L / max(1, maxNewTokens)^α) (the score is monotone in the length for fixed L). The
 * search stops before the limit only when k hypotheses are finished and no live beam's bound exceeds the k-th
 * best finished score, or when no live beam is left. So with k at least the number of continuations at every
 * step, the result is the best hypothesis under this scoring over all sequences (the tests check it by brute
 * force), and `returnBeams` n ≤ k gives the n best. Each step reads the k beams' logits once.
 */
export async function beamSearch(model: GPT, context: readonly number[], options: GenerateOptions, k: number): Promise<GenerateResult> {
  const V = model.config.vocabSize;
  const M = options.maxNewTokens;
  const alpha = options.lengthPenalty ?? 1;
  const n = options.returnBeams ?? 1;
  const stops = new Set(options.stopTokens ?? []);
  const score = (logp: number, length: number): number => logp / Math.max(1, length) ** alpha;
  const bound = (beam: Live): number => Math.max(score(beam.logp, beam.ids.length), score(beam.logp, M));
  const finished: Scored[] = [];
  let live: Live[] = [{ ids: [], logp: 0 }];
  const session = createSession(model, k);
  try {
    let logits = await session.feed(Array.from({ length: k }, () => context).flat(), context.length);
    for (let step = 0; step < M; step++) {
      const candidates: { from: number; id: number; logp: number }[] = [];
      live.forEach((beam, b) => {
        const lp = logSoftmaxRow(logits, b, V);
        for (const id of stops) {
          const logp = beam.logp + lp[id]!;
          if (logp > -Infinity) addToPool(finished, { ids: beam.ids, logp, score: score(logp, beam.ids.length), stop: 'stop-token' }, k);
        }
        for (const id of topIndices(lp, k, stops)) candidates.push({ from: b, id, logp: beam.logp + lp[id]! });
      });
      candidates.sort((a, b) => b.logp - a.logp || a.from - b.from || a.id - b.id);
      const next = candidates.slice(0, k);
      live = next.map((c) => ({ ids: [...live[c.from]!.ids, c.id], logp: c.logp }));
      if (live.length === 0 || step + 1 === M) break;
      const kth = finished.length === k ? finished[k - 1]!.score : -Infinity;
      if (live.every((beam) => bound(beam) <= kth)) {
        live = [];
        break;
      }
      // Rows beyond the live beams repeat beam 0 (their logits are ignored), since a session holds k rows.
      const rows = Array.from({ length: k }, (_, r) => next[r] ?? next[0]!);
      session.reorder(rows.map((c) => c.from));
      const contexts = rows.map((_, r) => [...context, ...(live[r] ?? live[0]!).ids]);
      logits = await feedOne(session, contexts[0]!, rows.map((c) => c.id), contexts);
    }
    // Live beams left here reached the limit (an early stop empties them).
    const pool = [...finished];
    for (const beam of live) addToPool(pool, { ...beam, score: score(beam.logp, beam.ids.length), stop: 'max-tokens' }, k);
    const beams: BeamHypothesis[] = pool.slice(0, n).map((h) => ({ ids: h.ids, text: options.tokenizer?.decode(h.ids), stop: h.stop, score: h.score }));
    const best = beams[0]!;
    for (const id of best.ids) options.onToken?.(id);
    if (options.tokenizer && options.onText) {
      const decoder = createStreamDecoder(options.tokenizer);
      const text = best.ids.map((id) => decoder.push(id)).join('') + decoder.flush();
      if (text) options.onText(text);
    }
    return { ...best, beams };
  } finally {
    session.dispose();
  }
}
