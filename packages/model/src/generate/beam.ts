// Beam search: keep the k most likely continuations (by total log-probability), extend each by its k best
// tokens, keep the best k of those. A continuation that picks a stop token is finished and scored by its
// log-probability divided by length^lengthPenalty (so longer answers are not penalized merely for length).
import { createStreamDecoder } from '@microgpt/tokenizer';
import { createSession } from '../gpt/inference';
import type { GPT } from '../gpt/model';
import type { GenerateOptions, GenerateResult } from './generate';
import { feedOne } from './slide';

interface Beam {
  readonly ids: number[];
  readonly logp: number;
}

interface Candidate {
  readonly from: number;
  readonly id: number;
  readonly logp: number;
}

/** log softmax of row b of logits (B, V). */
function logSoftmaxRow(logits: Float64Array, b: number, V: number): Float64Array {
  const out = new Float64Array(V);
  let max = -Infinity;
  for (let i = 0; i < V; i++) max = Math.max(max, logits[b * V + i]!);
  let total = 0;
  for (let i = 0; i < V; i++) total += Math.exp(logits[b * V + i]! - max);
  const logTotal = Math.log(total) + max;
  for (let i = 0; i < V; i++) out[i] = logits[b * V + i]! - logTotal;
  return out;
}

/** The k largest entries' indices (ties to the lower index). */
function topIndices(values: Float64Array, k: number): number[] {
  return Array.from(values.keys())
    .sort((a, b) => values[b]! - values[a]! || a - b)
    .slice(0, k);
}

/** Beam search of width k from `context` (already cropped to the block size); see `generate`. */
export function beamSearch(model: GPT, context: readonly number[], options: GenerateOptions, k: number): GenerateResult {
  const V = model.config.vocabSize;
  const alpha = options.lengthPenalty ?? 1;
  const stops = new Set(options.stopTokens ?? []);
  const score = (beam: Beam): number => beam.logp / Math.max(1, beam.ids.length) ** alpha;
  const session = createSession(model, k);
  try {
    let logits = session.feed(Array.from({ length: k }, () => context).flat(), context.length);
    // Only beam 0 is live at first: the k copies of the prompt would otherwise propose the same tokens k times.
    let beams: Beam[] = Array.from({ length: k }, (_, b) => ({ ids: [], logp: b === 0 ? 0 : -Infinity }));
    const finished: { beam: Beam; score: number; stop: boolean }[] = [];
    for (let step = 0; step < options.maxNewTokens; step++) {
      const candidates: Candidate[] = [];
      beams.forEach((beam, b) => {
        if (beam.logp === -Infinity) return;
        const lp = logSoftmaxRow(logits, b, V);
        for (const id of topIndices(lp, k + stops.size)) candidates.push({ from: b, id, logp: beam.logp + lp[id]! });
      });
      candidates.sort((a, b) => b.logp - a.logp);
      const next: Candidate[] = [];
      for (const c of candidates) {
        if (next.length === k) break;
        if (stops.has(c.id)) {
          const done = { ids: beams[c.from]!.ids, logp: c.logp };
          finished.push({ beam: done, score: score(done), stop: true });
        } else {
          next.push(c);
        }
      }
      if (finished.length >= k || next.length === 0 || step + 1 === options.maxNewTokens) {
        for (const c of next) {
          const live = { ids: [...beams[c.from]!.ids, c.id], logp: c.logp };
          finished.push({ beam: live, score: score(live), stop: false });
        }
        break;
      }
      while (next.length < k) next.push({ ...next[0]!, logp: -Infinity });
      session.reorder(next.map((c) => c.from));
      beams = next.map((c) => ({ ids: [...beams[c.from]!.ids, c.id], logp: c.logp }));
      const contexts = beams.map((beam) => [...context, ...beam.ids]);
      logits = feedOne(session, contexts[0]!, next.map((c) => c.id), contexts);
    }
    if (finished.length === 0) return { ids: [], text: options.tokenizer?.decode([]), stop: 'max-tokens', score: 0 };
    const best = finished.reduce((a, b) => (b.score > a.score ? b : a));
    const ids = best.beam.ids;
    for (const id of ids) options.onToken?.(id);
    if (options.tokenizer && options.onText) {
      const decoder = createStreamDecoder(options.tokenizer);
      const text = ids.map((id) => decoder.push(id)).join('') + decoder.flush();
      if (text) options.onText(text);
    }
    return { ids, text: options.tokenizer?.decode(ids), stop: best.stop ? 'stop-token' : 'max-tokens', score: best.score };
  } finally {
    session.dispose();
  }
}
