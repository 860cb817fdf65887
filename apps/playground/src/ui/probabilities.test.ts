import { describe, expect, it } from 'vitest';
import { topTokens } from './probabilities';

const LOGITS = Float64Array.from([2, 1, 0.5, 3, -1, 3]);

/** softmax(logits / t) in float64, directly. */
function softmax(logits: Float64Array, t: number): number[] {
  const e = Array.from(logits, (l) => Math.exp(l / t));
  const total = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / total);
}

describe('next-token probabilities', () => {
  it('are the softmax at the temperature, most likely first, ties to the lower id', () => {
    const p = softmax(LOGITS, 0.7);
    const top = topTokens(LOGITS, { temperature: 0.7, topK: 0, topP: 1 }, 4);
    expect(top.map(([id]) => id)).toEqual([3, 5, 0, 1]);
    top.forEach(([id, prob]) => {
      expect(prob).toBeCloseTo(p[id]!, 12);
    });
  });

  it('top-k and top-p cut the tail and renormalize', () => {
    const k = topTokens(LOGITS, { temperature: 1, topK: 2, topP: 1 }, 6);
    expect(k.map(([id, prob]) => [id, prob])).toEqual([[3, 0.5], [5, 0.5], [0, 0], [1, 0], [2, 0], [4, 0]]);
    const p = softmax(LOGITS, 1);
    const nucleus = topTokens(LOGITS, { temperature: 1, topK: 0, topP: p[3]! + p[5]! + 0.01 }, 6);
    const kept = p[3]! + p[5]! + p[0]!;
    expect(nucleus.slice(0, 3).map(([, prob]) => prob)).toEqual([p[3]! / kept, p[5]! / kept, p[0]! / kept].map((x) => expect.closeTo(x, 12) as unknown as number));
    expect(nucleus.slice(3).every(([, prob]) => prob === 0)).toBe(true);
  });

  it('temperature 0 puts everything on the first largest logit', () => {
    expect(topTokens(LOGITS, { temperature: 0, topK: 0, topP: 1 }, 2)).toEqual([[3, 1], [0, 0]]);
  });
});
