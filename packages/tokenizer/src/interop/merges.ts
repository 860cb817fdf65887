// Recovers BPE merges from a rank-ordered vocabulary, as tiktoken's tools do for Hugging Face exports: the merge
// that makes a token is the last step of BPE-encoding its own bytes with only the tokens ranked before it.
import { latin1Key } from '../bpe/encode';
import { TokenizerError } from '../tokenizer';

/**
 * The pair of ids whose merge makes each token, by id (rank = id): `null` for single-byte tokens. Follows
 * tiktoken's encoder: repeatedly merge the adjacent pair whose concatenation has the lowest rank (leftmost on a
 * tie), using only ranks below the token's own; what is left must be exactly two parts.
 * @throws {TokenizerError} when a byte of some token has no single-byte token, or a token's bytes do not merge
 * into exactly two lower-ranked parts (it could then never be produced by merges).
 */
export function deriveMerges(tokens: readonly Uint8Array[]): ([number, number] | null)[] {
  const rank = new Map<string, number>();
  tokens.forEach((bytes, id) => rank.set(latin1Key(bytes), id));
  return tokens.map((bytes, id) => {
    if (bytes.length < 2) return null;
    const parts = Array.from(bytes, (b) => String.fromCharCode(b));
    for (const part of parts) {
      if (!rank.has(part)) {
        throw new TokenizerError(`deriveMerges: byte 0x${part.charCodeAt(0).toString(16).padStart(2, '0')} of token ${id} has no single-byte token`);
      }
    }
    for (;;) {
      let best = -1;
      let bestRank = id;
      for (let i = 0; i + 1 < parts.length; i++) {
        const r = rank.get(parts[i]! + parts[i + 1]!);
        if (r !== undefined && r < bestRank) {
          best = i;
          bestRank = r;
        }
      }
      if (best < 0) break;
      parts.splice(best, 2, parts[best]! + parts[best + 1]!);
    }
    if (parts.length !== 2) {
      throw new TokenizerError(
        `deriveMerges: token ${id} (${bytes.length} bytes) merges into ${parts.length} parts, not 2, with the tokens ranked before it`,
      );
    }
    return [rank.get(parts[0]!)!, rank.get(parts[1]!)!];
  });
}
