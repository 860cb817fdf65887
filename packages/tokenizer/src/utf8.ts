// UTF-8 helpers shared by every tokenizer: encoding, Python-compatible lossy decoding, and a streaming decoder
// that releases text only when a whole character has arrived.
import type { Tokenizer } from './tokenizer';

const encoder = new TextEncoder();
// ignoreBOM keeps a leading U+FEFF (Python keeps it too); fatal: false replaces invalid bytes with U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/** UTF-8 bytes of `text` (lone surrogates become U+FFFD, as TextEncoder does). */
export function utf8Encode(text: string): Uint8Array {
  return encoder.encode(text);
}

/** Text of UTF-8 `bytes`; invalid sequences become U+FFFD like Python's `bytes.decode('utf-8', 'replace')`. */
export function utf8Decode(bytes: Uint8Array): string {
  return decoder.decode(bytes);
}

/** Decodes a stream of token ids, returning text only for complete UTF-8 characters. */
export interface StreamDecoder {
  /** Adds one token; returns the text that is now complete (possibly ''). */
  push(id: number): string;
  /** Ends the stream: returns what is left (an incomplete character becomes U+FFFD). */
  flush(): string;
}

/**
 * A streaming decoder for generation: a multi-byte character split across tokens is printed once whole,
 * never as garbage.
 */
export function createStreamDecoder(tokenizer: Pick<Tokenizer, 'tokenBytes'>): StreamDecoder {
  const stream = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });
  return {
    push: (id) => stream.decode(tokenizer.tokenBytes(id), { stream: true }),
    flush: () => stream.decode(),
  };
}
