// The shape of a BPE tokenizer in our JSON format, and turning a spec into it (kept apart from json.ts, which
// builds tokenizers, so that tokenizer.ts can save without an import cycle).
import { base64Encode } from '../interop/base64';
import type { BpeSpec } from './tokenizer';

/**
 * A byte-level BPE tokenizer in our JSON format. Exactly one of `merges` and `tokens` is present:
 * - `merges` (trained tokenizers): token 256 + i joins the bytes of ids `merges[i][0]` and `merges[i][1]`;
 *   ids 0–255 are the single bytes. Compact, and the merge order is the training order.
 * - `tokens` (loaded ones, e.g. tiktoken ranks): the base64 of each token's bytes, by id (= rank).
 */
export interface BpeJSON {
  /** Always `'microgpt-tokenizer'` ({@link TOKENIZER_FORMAT}): what tells our files from other JSON. */
  format: 'microgpt-tokenizer';
  /** The format version ({@link TOKENIZER_VERSION}); a reader refuses any other. */
  version: 1;
  /** Always `'bpe'`. */
  kind: 'bpe';
  /** Pre-split regex source (flags 'gu'), or null for none. */
  pattern: string | null;
  /** Trained tokenizers: `[a, b]` per token 256 + i, the ids whose bytes it joins, in training order. */
  merges?: [number, number][];
  /** Loaded tokenizers: each ordinary token's bytes as base64, by id (= rank). */
  tokens?: string[];
  /** Special token text → id (ids after the ordinary tokens). */
  specialTokens: Record<string, number>;
}

/** The JSON data of a spec: merges when the spec has them, else base64 token bytes. */
export function specToJSON(spec: BpeSpec): BpeJSON {
  const head = { format: 'microgpt-tokenizer', version: 1, kind: 'bpe', pattern: spec.pattern } as const;
  const specialTokens = { ...spec.specialTokens };
  if (spec.merges !== undefined) {
    return { ...head, merges: spec.merges.map(([a, b]) => [a, b]), specialTokens };
  }
  return { ...head, tokens: spec.tokens.map((t) => base64Encode(t)), specialTokens };
}
