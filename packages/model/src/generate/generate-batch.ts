// Sampling several continuations of one prompt together: the sequences share one session of batch `count`, so
// each new token of all of them is one pass (matmuls of `count` rows instead of `count` passes of one row). Each
// sequence draws from its own generator, seeded `seed + i`, so sequence i is the same whatever the batch size:
// `generateBatch(…, { count: 16, seed })[i]` equals `generate(…, { seed: seed + i })` token for token.
import { PythonRandom } from '@microgpt/tensor';
import { ModelError } from '../errors';
import { createSession } from '../gpt/inference';
import type { GPT } from '../gpt/model';
import type { GenerateOptions, GenerateResult } from './generate';
import { checkSampling, sampleToken } from './sampling';
import { feedOne } from './slide';

/** Options of {@link generateBatch}: those of `generate` for sampling, without beam search or a shared generator. */
export interface GenerateBatchOptions extends Omit<GenerateOptions, 'beam' | 'lengthPenalty' | 'returnBeams' | 'rng' | 'onToken' | 'onText'> {
  /** Number of sequences sampled together (≥ 1). */
  readonly count: number;
  /** Called with each sequence's index and new token id as it is picked. */
  readonly onToken?: (sequence: number, id: number) => void;
}

/**
 * Samples `count` continuations of `prompt` in one batch through the KV cache. Sequence i draws from
 * `PythonRandom(seed + i)` (seed default 42), so it equals `generate(model, prompt, { ...options, seed: seed + i })`
 * on a backend whose per-row results do not depend on the batch (js and wasm). A sequence that picks a stop token
 * is finished; the batch runs until every sequence is finished or has `maxNewTokens` tokens.
 * @returns one result per sequence, in order.
 * @throws {ModelError} (as a rejection) for count not a positive integer, and for what `generate` refuses (an empty
 * prompt, an id outside the vocabulary, bad sampling options, maxNewTokens not a non-negative integer, NaN logits);
 * MemoryLimitError when a session of `count` sequences does not fit.
 */
export async function generateBatch(model: GPT, prompt: ArrayLike<number>, options: GenerateBatchOptions): Promise<GenerateResult[]> {
  checkSampling(options);
  const { count, maxNewTokens, seed = 42 } = options;
  if (!(Number.isSafeInteger(count) && count >= 1)) throw new ModelError(`generateBatch: count must be a positive integer, found ${count}`);
  if (!(Number.isSafeInteger(maxNewTokens) && maxNewTokens >= 0)) throw new ModelError(`generateBatch: maxNewTokens must be a non-negative integer, found ${maxNewTokens}`);
  if (prompt.length === 0) throw new ModelError('generateBatch: the prompt is empty; give at least one token (for example BOS)');
  const { blockSize: S, vocabSize: V } = model.config;
  let start = Array.from(prompt);
  if (start.length > S) {
    options.onNote?.(`the prompt has ${start.length} tokens; keeping the last ${S} (the model's context)`);
    start = start.slice(-S);
  }
  const rngs = Array.from({ length: count }, (_, i) => new PythonRandom(seed + i));
  const contexts = rngs.map(() => [...start]);
  const ids: number[][] = rngs.map(() => []);
  const stops = new Set(options.stopTokens ?? []);
  const stopped = new Array<boolean>(count).fill(false);
  const session = createSession(model, count);
  try {
    let logits = await session.feed(contexts.flat(), start.length);
    for (let step = 0; step < maxNewTokens; step++) {
      const next = contexts.map((context, b) => {
        if (stopped[b]) return context.at(-1)!;
        const id = sampleToken(logits, b * V, V, options, rngs[b]!);
        if (stops.has(id)) {
          stopped[b] = true;
          return context.at(-1)!;
        }
        ids[b]!.push(id);
        options.onToken?.(b, id);
        return id;
      });
      if (step + 1 === maxNewTokens || stopped.every(Boolean)) break;
      next.forEach((id, b) => contexts[b]!.push(id));
      logits = await feedOne(session, contexts[0]!, next, contexts);
    }
  } finally {
    session.dispose();
  }
  return ids.map((sequence, b) => ({ ids: sequence, text: options.tokenizer?.decode(sequence), stop: stopped[b] ? 'stop-token' : 'max-tokens' }));
}
