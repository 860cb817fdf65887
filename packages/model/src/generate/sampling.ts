// Picking the next token from logits: greedy, or a draw at a temperature from the softmax, optionally cut to
// the top k tokens and/or the smallest set whose probability reaches p (nucleus). The draw is CPython's
// `random.choices(range(V), weights=probs)`, and the softmax is microgpt.py's (max, exp, left-to-right sum,
// divide), so with neither cut it reproduces microgpt.py's samples exactly.
import type { PythonRandom } from '@microgpt/tensor';
import { ModelError } from '../errors';

/** How to pick a token. */
export interface SamplingOptions {
  /** Divides the logits; 0 picks the most likely token (greedy). Default 1. */
  readonly temperature?: number;
  /** Keep only the k most likely tokens (ties broken by lower id). */
  readonly topK?: number;
  /** Keep the most likely tokens until their probability reaches p, in (0, 1]. */
  readonly topP?: number;
}

/**
 * Checks sampling options.
 * @throws {ModelError} for a negative or non-finite temperature, topK not a positive integer, topP outside (0, 1].
 */
export function checkSampling(options: SamplingOptions): void {
  const { temperature = 1, topK, topP } = options;
  if (!(Number.isFinite(temperature) && temperature >= 0)) throw new ModelError(`sampling: temperature must be a finite number ≥ 0, found ${temperature}`);
  if (topK !== undefined && !(Number.isSafeInteger(topK) && topK >= 1)) throw new ModelError(`sampling: topK must be a positive integer, found ${topK}`);
  if (topP !== undefined && !(topP > 0 && topP <= 1)) throw new ModelError(`sampling: topP must be in (0, 1], found ${topP}`);
}

/** The id of the largest of logits[offset … offset+V) (the first on ties). */
export function argmax(logits: ArrayLike<number>, offset: number, V: number): number {
  let best = 0;
  for (let i = 1; i < V; i++) if (logits[offset + i]! > logits[offset + best]!) best = i;
  return best;
}

/**
 * softmax(logits / temperature) over logits[offset … offset+V), in microgpt.py's order of operations.
 * @throws {ModelError} when a logit is NaN (a diverged model), naming the position.
 */
export function softmaxAt(logits: ArrayLike<number>, offset: number, V: number, temperature: number): Float64Array {
  const probs = new Float64Array(V);
  let max = -Infinity;
  for (let i = 0; i < V; i++) {
    const l = logits[offset + i]! / temperature;
    if (Number.isNaN(l)) throw new ModelError(`sampling: logit ${i} is NaN; the model's weights are not finite`);
    probs[i] = l;
    if (l > max) max = l;
  }
  let total = 0;
  for (let i = 0; i < V; i++) {
    probs[i] = Math.exp(probs[i]! - max);
    total += probs[i]!;
  }
  for (let i = 0; i < V; i++) probs[i] = probs[i]! / total;
  return probs;
}

/** Zeroes every probability outside the top k and outside the nucleus p (in place). */
export function cutProbabilities(probs: Float64Array, topK: number | undefined, topP: number | undefined): void {
  if (topK === undefined && topP === undefined) return;
  const order = Array.from(probs.keys()).sort((a, b) => probs[b]! - probs[a]! || a - b);
  let keep = topK === undefined ? order.length : Math.min(topK, order.length);
  if (topP !== undefined) {
    let cumulative = 0;
    for (let i = 0; i < keep; i++) {
      cumulative += probs[order[i]!]!;
      if (cumulative >= topP) {
        keep = i + 1;
        break;
      }
    }
  }
  for (let i = keep; i < order.length; i++) probs[order[i]!] = 0;
}

/**
 * Picks a token from logits[offset … offset+V) as `options` say, drawing from `rng` (one `random()` per draw;
 * none when greedy).
 */
export function sampleToken(logits: ArrayLike<number>, offset: number, V: number, options: SamplingOptions, rng: PythonRandom): number {
  const temperature = options.temperature ?? 1;
  if (temperature === 0) return argmax(logits, offset, V);
  const probs = softmaxAt(logits, offset, V, temperature);
  cutProbabilities(probs, options.topK, options.topP);
  return rng.choices(rangeOf(V), probs)[0]!;
}

const ranges = new Map<number, readonly number[]>();

/** [0, 1, …, V-1], cached: the population of `choices`. */
function rangeOf(V: number): readonly number[] {
  let r = ranges.get(V);
  if (!r) ranges.set(V, (r = Array.from({ length: V }, (_, i) => i)));
  return r;
}
