// Drawing samples from a model the way `microgpt sample` and the end of `microgpt train` do. Models trained on
// documents (one a line, wrapped in BOS) start each sample at BOS and stop at the next; models trained on a
// stream continue the prompt for a number of tokens.
import { type GPT, generate } from '@microgpt/model';
import { PythonRandom } from '@microgpt/tensor';
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
  readonly seed: number;
}

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
 * Draws `options.count` samples one after the other from one seeded generator (so a seed gives the same
 * samples every time), streaming their text and handing each to `hooks.onSample`. Nothing is kept between
 * samples, so any count runs in the memory of one. With `beam` k > 1 it runs one beam search and hands over its
 * `count` best distinct hypotheses (count ≤ k), best first, each ended by a stop token or at `maxTokens`.
 * @param bos the BOS id of a documents model (null for a stream model).
 * @throws (as a rejection) what the tokenizer throws for a prompt it cannot encode, ModelError for bad sampling options.
 */
export async function drawSamples(model: GPT, tokenizer: Tokenizer, bos: number | null, options: SampleOptions, hooks: SampleHooks = {}): Promise<void> {
  const prompt = options.prompt ?? (bos === null ? '\n' : '');
  const promptIds = [...(bos === null ? [] : [bos]), ...tokenizer.encode(prompt)];
  if (promptIds.length === 0) promptIds.push(0);
  const rng = new PythonRandom(options.seed);
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
  for (let i = 0; i < options.count; i++) {
    hooks.onText?.(prompt);
    const result = await generate(model, promptIds, {
      maxNewTokens: options.maxTokens,
      temperature: options.temperature,
      ...(options.topK === undefined ? {} : { topK: options.topK }),
      ...(options.topP === undefined ? {} : { topP: options.topP }),
      stopTokens: bos === null ? [] : [bos],
      rng,
      tokenizer,
      ...(hooks.onText ? { onText: hooks.onText } : {}),
      ...(hooks.onNote ? { onNote: hooks.onNote } : {}),
    });
    hooks.onSample?.({ text: prompt + (result.text ?? ''), tokens: result.ids.length, stop: result.stop }, i);
  }
}
