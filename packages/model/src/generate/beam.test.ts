// Beam search against a brute-force search over a tiny vocabulary: every sequence up to the token limit, scored
// with the model's exact log-probabilities (full forward passes, no cache) the way beam search scores them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { forwardLogits } from '../gpt/inference';
import { type GPT, createGPT, disposeGPT } from '../gpt/model';
import { type BeamHypothesis, generate } from './generate';

const V = 5;
const PROMPT = [2];
let model: GPT;
beforeAll(() => {
  model = createGPT({ vocabSize: V, blockSize: 16, nEmbd: 8, nHead: 2, initStd: 0.5 }, { seed: 3, dtype: 'float64', backend: 'js' });
});
afterAll(() => {
  disposeGPT(model);
});

/** log softmax of the next token after `ids`, by a full forward pass. */
async function nextLogProbs(ids: readonly number[]): Promise<number[]> {
  const logits = await forwardLogits(model, ids, 1, ids.length);
  const row = Array.from(logits.subarray((ids.length - 1) * V, ids.length * V));
  const max = Math.max(...row);
  const logTotal = Math.log(row.reduce((s, x) => s + Math.exp(x - max), 0)) + max;
  return row.map((x) => x - logTotal);
}

interface Search {
  readonly maxNewTokens: number;
  readonly stopTokens: readonly number[];
  readonly lengthPenalty: number;
}

const scoreOf = (logp: number, length: number, alpha: number): number => logp / Math.max(1, length) ** alpha;

/**
 * Every hypothesis beam search can return, best first: tokens without a stop token followed by the best stop
 * token (stop-token), or exactly maxNewTokens tokens without one (max-tokens).
 */
async function bruteForce(search: Search): Promise<BeamHypothesis[]> {
  const { maxNewTokens: M, stopTokens, lengthPenalty: alpha } = search;
  const out: BeamHypothesis[] = [];
  const visit = async (ids: number[], logp: number): Promise<void> => {
    if (ids.length === M) {
      out.push({ ids, text: undefined, stop: 'max-tokens', score: scoreOf(logp, M, alpha) });
      return;
    }
    const lp = await nextLogProbs([...PROMPT, ...ids]);
    const stopLogp = Math.max(...stopTokens.map((s) => lp[s]!));
    out.push({ ids, text: undefined, stop: 'stop-token', score: scoreOf(logp + stopLogp, ids.length, alpha) });
    for (let id = 0; id < V; id++) if (!stopTokens.includes(id)) await visit([...ids, id], logp + lp[id]!);
  };
  await visit([], 0);
  return out.sort((a, b) => b.score - a.score);
}

/** The exact score of a returned hypothesis under `search`, from full forward passes. */
async function exactScore(h: BeamHypothesis, search: Search): Promise<number> {
  let logp = 0;
  for (const [t, id] of h.ids.entries()) logp += (await nextLogProbs([...PROMPT, ...h.ids.slice(0, t)]))[id]!;
  if (h.stop === 'stop-token') {
    const last = await nextLogProbs([...PROMPT, ...h.ids]);
    logp += Math.max(...search.stopTokens.map((s) => last[s]!));
  }
  return scoreOf(logp, h.ids.length, search.lengthPenalty);
}

/** What every beam search result must satisfy, whatever the width. */
async function expectInvariants(beams: readonly BeamHypothesis[], search: Search): Promise<void> {
  const keys = beams.map((h) => h.ids.join(','));
  expect(new Set(keys).size).toBe(beams.length);
  for (let i = 1; i < beams.length; i++) expect(beams[i]!.score).toBeLessThanOrEqual(beams[i - 1]!.score);
  for (const h of beams) {
    for (const id of h.ids) expect(search.stopTokens).not.toContain(id);
    if (h.stop === 'max-tokens') expect(h.ids).toHaveLength(search.maxNewTokens);
    else expect(h.ids.length).toBeLessThan(search.maxNewTokens);
    expect(h.score).toBeCloseTo(await exactScore(h, search), 10);
  }
}

describe('beam search', () => {
  const searches: Search[] = [];
  for (const stopTokens of [[0], [0, 1]]) for (const lengthPenalty of [0, 0.6, 1, 2, -0.5]) searches.push({ maxNewTokens: 4, stopTokens, lengthPenalty });

  for (const search of searches) {
    it(`wide enough, returns the brute-force best hypotheses (stops ${search.stopTokens.join(',')}, lengthPenalty ${search.lengthPenalty})`, async () => {
      const expected = await bruteForce(search);
      // Wide enough to keep every unfinished prefix: (non-stop tokens)^(maxNewTokens − 1).
      const k = (V - search.stopTokens.length) ** (search.maxNewTokens - 1);
      const n = 6;
      const result = await generate(model, PROMPT, { ...search, beam: k, returnBeams: n });
      expect(result.beams).toHaveLength(n);
      expect(result.beams!.map((h) => [h.ids, h.stop])).toEqual(expected.slice(0, n).map((h) => [h.ids, h.stop]));
      result.beams!.forEach((h, i) => {
        expect(h.score).toBeCloseTo(expected[i]!.score, 10);
      });
      expect({ ids: result.ids, stop: result.stop, score: result.score }).toEqual({ ids: result.beams![0]!.ids, stop: result.beams![0]!.stop, score: result.beams![0]!.score });
      await expectInvariants(result.beams!, search);
    });
  }

  it('narrow beams keep the invariants: stop reasons, lengths, distinct ids, sorted exact scores', async () => {
    for (const maxNewTokens of [1, 3, 9]) {
      for (const stopTokens of [[0], [1, 4]]) {
        for (const lengthPenalty of [0, 1, 1.5]) {
          const search = { maxNewTokens, stopTokens, lengthPenalty };
          for (const k of [2, 3, 5]) {
            const result = await generate(model, PROMPT, { ...search, beam: k, returnBeams: k });
            expect(result.beams!.length).toBeGreaterThan(0);
            expect(result.beams!.length).toBeLessThanOrEqual(k);
            await expectInvariants(result.beams!, search);
            if (maxNewTokens <= 3) expect(result.score!).toBeLessThanOrEqual((await bruteForce(search))[0]!.score + 1e-12);
          }
        }
      }
    }
  });

  it('never returns an unfinished beam before the limit, even when it stops early', async () => {
    // A model whose stop token is likely: most searches finish long before 12 tokens.
    for (const stop of [0, 1, 2, 3, 4]) {
      const search = { maxNewTokens: 12, stopTokens: [stop], lengthPenalty: 1 };
      const result = await generate(model, PROMPT, { ...search, beam: 4, returnBeams: 4 });
      await expectInvariants(result.beams!, search);
    }
  });

  it('with no stop tokens every hypothesis has maxNewTokens tokens', async () => {
    const search = { maxNewTokens: 5, stopTokens: [], lengthPenalty: 1 };
    const result = await generate(model, PROMPT, { ...search, beam: 3, returnBeams: 3 });
    expect(result.beams).toHaveLength(3);
    await expectInvariants(result.beams!, search);
    expect(await generate(model, PROMPT, { maxNewTokens: 0, beam: 3 })).toMatchObject({ ids: [], stop: 'max-tokens', score: 0 });
  });

  it('rejects returnBeams outside [1, beam] and a non-finite lengthPenalty', async () => {
    await expect(generate(model, PROMPT, { maxNewTokens: 3, beam: 2, returnBeams: 3 })).rejects.toThrow('generate: returnBeams must be an integer in [1, 2] (the beam width), found 3');
    await expect(generate(model, PROMPT, { maxNewTokens: 3, beam: 2, returnBeams: 0 })).rejects.toThrow(/returnBeams/);
    await expect(generate(model, PROMPT, { maxNewTokens: 3, beam: 2, lengthPenalty: Number.NaN })).rejects.toThrow(/lengthPenalty/);
  });
});
