// Generation: a prompt, then tokens one at a time through the KV cache, by sampling (greedy, temperature,
// top-k, top-p) or beam search, until a stop token or the token budget. Prompts longer than the context are
// cropped from the left; when the cache is full it slides: the last half of the window is encoded again at
// positions 0 … and generation continues (learned positions only go up to blockSize).
import { PythonRandom } from '@microgpt/tensor';
import type { Tokenizer } from '@microgpt/tokenizer';
import { createStreamDecoder } from '@microgpt/tokenizer';
import { ModelError } from '../errors';
import { type InferenceSession, createSession } from '../gpt/inference';
import type { GPT } from '../gpt/model';
import { type SamplingOptions, checkSampling, sampleToken } from './sampling';
import { beamSearch } from './beam';
import { feedOne } from './slide';

/** Options of {@link generate}. */
export interface GenerateOptions extends SamplingOptions {
  /** Most tokens to generate (not counting the prompt). */
  readonly maxNewTokens: number;
  /** Token ids that end generation; the stop token is not part of the output. */
  readonly stopTokens?: readonly number[];
  /** Beam width k > 1 for beam search (sampling options are then ignored). */
  readonly beam?: number;
  /** Length normalization of beam scores: score = Σ log p / max(1, length)^lengthPenalty (default 1). */
  readonly lengthPenalty?: number;
  /** Beam search only: how many of the best distinct hypotheses to return in `beams` (1 … beam, default 1). */
  readonly returnBeams?: number;
  /** Seed of the sampling generator (default 42); or `rng` to continue an existing one. */
  readonly seed?: number;
  /** A generator to draw from (it advances); wins over `seed`. */
  readonly rng?: PythonRandom;
  /** Turns ids into text for `onText` and `text`. */
  readonly tokenizer?: Pick<Tokenizer, 'tokenBytes' | 'decode'>;
  /** Called with each new token id as it is picked (sampling) or with the best beam's ids at the end. */
  readonly onToken?: (id: number) => void;
  /** Called with text as soon as it is complete UTF-8 (needs `tokenizer`). */
  readonly onText?: (text: string) => void;
  /** Called with notes for the user (a cropped prompt). */
  readonly onNote?: (note: string) => void;
}

/** One result of beam search. */
export interface BeamHypothesis {
  /** The new tokens (without the prompt and without the stop token). */
  readonly ids: number[];
  /** Their text, when a tokenizer was given. */
  readonly text: string | undefined;
  /** `stop-token`: it picked a stop token; `max-tokens`: it reached maxNewTokens without one. */
  readonly stop: 'stop-token' | 'max-tokens';
  /** The length-normalized log-probability (see `lengthPenalty`). */
  readonly score: number;
}

/** What {@link generate} returns. */
export interface GenerateResult {
  /** The new tokens (without the prompt and without the stop token). */
  readonly ids: number[];
  /** Their text, when a tokenizer was given. */
  readonly text: string | undefined;
  /** Why it ended: a stop token, or maxNewTokens tokens without one. */
  readonly stop: 'stop-token' | 'max-tokens';
  /** Beam search only: the length-normalized log-probability of the result. */
  readonly score?: number;
  /**
   * Beam search only: the `returnBeams` best distinct hypotheses, best first (the first is the result
   * itself); fewer when fewer exist.
   */
  readonly beams?: readonly BeamHypothesis[];
}

/**
 * Generates a continuation of `prompt` (token ids, at least one; microgpt.py starts from `[BOS]`).
 * With `beam` k > 1 it runs beam search (see `beamSearch` in beam.ts for the scoring and when it stops) and
 * returns the best hypothesis, with the `returnBeams` best in `beams`. Each new token costs one read of the logits
 * it is picked from (sampling runs on the host, as CPython's `random.choices`); nothing else is read back.
 * @throws {ModelError} (as a rejection) for an empty prompt, an id outside the vocabulary, bad sampling options, maxNewTokens
 * not a non-negative integer, a beam width that is not a positive integer, returnBeams not in [1, beam], a
 * lengthPenalty that is not finite, or logits that are NaN (weights that are not finite).
 */
export async function generate(model: GPT, prompt: ArrayLike<number>, options: GenerateOptions): Promise<GenerateResult> {
  checkSampling(options);
  const { maxNewTokens, beam = 1 } = options;
  if (!(Number.isSafeInteger(maxNewTokens) && maxNewTokens >= 0)) throw new ModelError(`generate: maxNewTokens must be a non-negative integer, found ${maxNewTokens}`);
  if (!(Number.isSafeInteger(beam) && beam >= 1)) throw new ModelError(`generate: beam must be a positive integer, found ${beam}`);
  const { returnBeams = 1, lengthPenalty = 1 } = options;
  if (!(Number.isSafeInteger(returnBeams) && returnBeams >= 1 && returnBeams <= beam)) {
    throw new ModelError(`generate: returnBeams must be an integer in [1, ${beam}] (the beam width), found ${returnBeams}`);
  }
  if (!Number.isFinite(lengthPenalty)) throw new ModelError(`generate: lengthPenalty must be a finite number, found ${lengthPenalty}`);
  if (prompt.length === 0) throw new ModelError('generate: the prompt is empty; give at least one token (for example BOS)');
  const S = model.config.blockSize;
  let context = Array.from(prompt);
  if (context.length > S) {
    options.onNote?.(`the prompt has ${context.length} tokens; keeping the last ${S} (the model's context)`);
    context = context.slice(-S);
  }
  if (beam > 1) return await beamSearch(model, context, options, beam);
  const session = createSession(model, 1);
  try {
    return await sampleLoop(session, context, options);
  } finally {
    session.dispose();
  }
}

async function sampleLoop(session: InferenceSession, context: number[], options: GenerateOptions): Promise<GenerateResult> {
  const V = session.model.config.vocabSize;
  const rng = options.rng ?? new PythonRandom(options.seed ?? 42);
  const stops = new Set(options.stopTokens ?? []);
  const decoder = options.tokenizer ? createStreamDecoder(options.tokenizer) : null;
  const ids: number[] = [];
  let logits = await session.feed(context, context.length);
  let stop: GenerateResult['stop'] = 'max-tokens';
  for (let i = 0; i < options.maxNewTokens; i++) {
    const id = sampleToken(logits, 0, V, options, rng);
    if (stops.has(id)) {
      stop = 'stop-token';
      break;
    }
    ids.push(id);
    context.push(id);
    options.onToken?.(id);
    if (decoder) {
      const piece = decoder.push(id);
      if (piece) options.onText?.(piece);
    }
    if (i + 1 === options.maxNewTokens) break;
    logits = await feedOne(session, context, [id]);
  }
  if (decoder) {
    const rest = decoder.flush();
    if (rest) options.onText?.(rest);
  }
  return { ids, text: options.tokenizer?.decode(ids), stop };
}
