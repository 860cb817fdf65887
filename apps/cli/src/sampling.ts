// Drawing samples from a model the way `microgpt sample` and the end of `microgpt train` do. Models trained on
// documents (one a line, wrapped in BOS) start each sample at BOS and stop at the next; models trained on a
// stream continue the prompt for a number of tokens.
import { type GPT, generate, generateBatch } from '@microgpt/model';
import type { Tokenizer } from '@microgpt/tokenizer';

/** What to draw. */
export interface SampleOptions {
  /** Text the samples continue (documents: after BOS; stream: default a newline). */
  readonly prompt?: string;
  readonly count: number;
  readonly maxTokens: number;
  readonly temperature: number;
  readonly topK?: number;
  readonly topP?: number;
  readonly beam?: number;
  /** Sample i draws from the generator seeded `seed + i`, whatever the batch. */
  readonly seed: number;
  /** Samples decoded together (default 1): one pass a token for the whole batch. */
  readonly batch?: number;
}

/** The most samples `microgpt sample` decodes together (fewer when the sessions would not fit in memory). */
export const SAMPLE_BATCH = 16;

/** One finished sample. */
export interface Sample {
  /** The prompt followed by the generated text. */
  readonly text: string;
  /** Generated tokens, not counting the prompt. */
  readonly tokens: number;
  readonly stop: 'stop-token' | 'max-tokens';
  /** Beam search: the length-normalized log-probability. */
  readonly score?: number;
}

/** Callbacks while sampling: text as it is decoded, and each finished sample. */
export interface SampleHooks {
  readonly onText?: (text: string) => void;
  readonly onSample?: (sample: Sample, index: number) => void;
  readonly onNote?: (note: string) => void;
}

/**
 * Draws `options.count` samples, sample i from the generator seeded `seed + i` (so a seed gives the same samples
 * every time, whatever the batch), `options.batch` at a time through one session, handing each to
 * `hooks.onSample` in order. Samples decoded alone stream their text through `hooks.onText` token by token; a
 * batch hands over each sample's whole text when the batch ends. Nothing is kept between batches, so any count
 * runs in the memory of one batch. With `beam` k > 1 it runs one beam search and hands over its `count` best
 * distinct hypotheses (count ≤ k), best first, each ended by a stop token or at `maxTokens`.
 * @param bos the BOS id of a documents model (null for a stream model).
 * @throws (as a rejection) what the tokenizer throws for a prompt it cannot encode, ModelError for bad sampling options.
 */
export async function drawSamples(model: GPT, tokenizer: Tokenizer, bos: number | null, options: SampleOptions, hooks: SampleHooks = {}): Promise<void> {
  const prompt = options.prompt ?? (bos === null ? '\n' : '');
  const promptIds = [...(bos === null ? [] : [bos]), ...tokenizer.encode(prompt)];
  if (promptIds.length === 0) promptIds.push(0);
  if (options.beam !== undefined && options.beam > 1) {
    const result = await generate(model, promptIds, {
      maxNewTokens: options.maxTokens,
      beam: options.beam,
      returnBeams: options.count,
      stopTokens: bos === null ? [] : [bos],
      tokenizer,
      ...(hooks.onNote ? { onNote: hooks.onNote } : {}),
    });
    (result.beams ?? []).forEach((beam, i) => {
      hooks.onSample?.({ text: prompt + (beam.text ?? ''), tokens: beam.ids.length, stop: beam.stop, score: beam.score }, i);
    });
    return;
  }
  const batch = options.batch ?? 1;
  const sampling = {
    maxNewTokens: options.maxTokens,
    temperature: options.temperature,
    ...(options.topK === undefined ? {} : { topK: options.topK }),
    ...(options.topP === undefined ? {} : { topP: options.topP }),
    stopTokens: bos === null ? [] : [bos],
    tokenizer,
    ...(hooks.onNote ? { onNote: hooks.onNote } : {}),
  };
  for (let first = 0; first < options.count; first += batch) {
    const count = Math.min(batch, options.count - first);
    const seed = options.seed + first;
    if (count === 1) {
      hooks.onText?.(prompt);
      const result = await generate(model, promptIds, { ...sampling, seed, ...(hooks.onText ? { onText: hooks.onText } : {}) });
      hooks.onSample?.({ text: prompt + (result.text ?? ''), tokens: result.ids.length, stop: result.stop }, first);
      continue;
    }
    const results = await generateBatch(model, promptIds, { ...sampling, count, seed });
    results.forEach((result, i) => {
      const text = prompt + (result.text ?? '');
      hooks.onText?.(text);
      hooks.onSample?.({ text, tokens: result.ids.length, stop: result.stop }, first + i);
    });
  }
}
