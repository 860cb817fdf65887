// Text pieces from a stream of bytes of any size: decoded as strict UTF-8 with the decoder's streaming mode (a
// character whose bytes are cut by a chunk boundary is held until its last byte arrives), then cut after a
// newline so no line is split between pieces (tokenizers that pre-split on words or lines then give the same
// ids as on the whole text). Memory stays bounded by the piece size and the longest line.
import { DataError } from './errors';

/** Options of {@link utf8TextPieces}. */
export interface TextPiecesOptions {
  /** Names the input in messages (a path, or `stdin`). */
  readonly name: string;
  /** A piece is yielded once this many characters are pending and a newline ends them (default 1,048,576). */
  readonly pieceChars?: number;
  /** The longest line allowed, in characters (default 64 MiB): a bound on memory for text without newlines. */
  readonly maxLineChars?: number;
}

/**
 * The text of `bytes` in pieces of about `pieceChars` characters, each ending after a newline (the last piece
 * may not). A byte-order mark at the very start is dropped. Concatenated, the pieces are the whole text.
 * @throws {DataError} naming the input and byte offset for a NUL byte (a binary file) or bytes that are not
 * UTF-8, or a line longer than `maxLineChars`.
 */
export async function* utf8TextPieces(bytes: AsyncIterable<Uint8Array>, options: TextPiecesOptions): AsyncGenerator<string> {
  const { name, pieceChars = 1 << 20, maxLineChars = 1 << 26 } = options;
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: false });
  let offset = 0;
  let pending = '';
  const decode = (chunk: Uint8Array | undefined): string => {
    try {
      return chunk === undefined ? decoder.decode() : decoder.decode(chunk, { stream: true });
    } catch {
      throw new DataError(`${name}: not UTF-8 text: invalid bytes near byte ${offset} (give a UTF-8 text file)`);
    }
  };
  const take = function* (final: boolean): Generator<string> {
    if (!final && pending.length < pieceChars) return;
    const cut = final ? pending.length : pending.lastIndexOf('\n') + 1;
    if (cut === 0) {
      if (pending.length > maxLineChars) throw new DataError(`${name}: a line near byte ${offset} is longer than ${maxLineChars} characters (expected text in lines)`);
      return;
    }
    if (cut > 0) yield pending.slice(0, cut);
    pending = pending.slice(cut);
  };
  for await (const chunk of bytes) {
    const nul = chunk.indexOf(0);
    if (nul >= 0) throw new DataError(`${name}: not a text file: a NUL byte at byte ${offset + nul}`);
    pending += decode(chunk);
    offset += chunk.length;
    yield* take(false);
  }
  pending += decode(undefined);
  yield* take(true);
}
