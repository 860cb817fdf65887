// Where token ids are read from: an interface with one method (copy a window of ids out), so the loaders
// work the same on an in-memory array (browser, tests) and on a file read in windows from disk (Node, a
// corpus larger than memory: see token-file-node.ts).
import { DataError } from './errors';
import { TOKEN_FILE_HEADER_BYTES, decodeTokenFileHeader } from './token-file';

/** A sequence of token ids. */
export interface TokenSource {
  /** Number of ids. */
  readonly length: number;
  /** Every id is below this. */
  readonly vocabSize: number;
  /**
   * Copies ids [start, start + out.length) into `out`.
   * @throws {RangeError} when the range is outside [0, length).
   */
  read(start: number, out: Int32Array): void;
}

/** Throws a RangeError unless [start, start + n) lies in [0, length). */
export function checkRange(start: number, n: number, length: number): void {
  if (!(Number.isSafeInteger(start) && start >= 0 && start + n <= length)) {
    throw new RangeError(`read: ids [${start}, ${start + n}) are outside [0, ${length})`);
  }
}

/**
 * A source over ids in memory.
 * @throws {DataError} naming the first id outside [0, vocabSize).
 */
export function memoryTokenSource(ids: ArrayLike<number>, vocabSize: number): TokenSource {
  const data = Int32Array.from(ids);
  for (let i = 0; i < data.length; i++) {
    if (data[i]! < 0 || data[i]! >= vocabSize) throw new DataError(`tokens: id ${data[i]} at position ${i} is outside the vocabulary [0, ${vocabSize})`);
  }
  return {
    length: data.length,
    vocabSize,
    read(start, out) {
      checkRange(start, out.length, data.length);
      out.set(data.subarray(start, start + out.length));
    },
  };
}

/**
 * A source over a whole token file in memory (what the browser gets from a download or a file input).
 * @throws {DataError} for a bad header or size, or an id ≥ vocabSize.
 */
export function tokenFileSource(bytes: Uint8Array, name = 'token file'): TokenSource {
  const header = decodeTokenFileHeader(bytes, bytes.length, name);
  const view = new DataView(bytes.buffer, bytes.byteOffset + TOKEN_FILE_HEADER_BYTES, bytes.length - TOKEN_FILE_HEADER_BYTES);
  const ids = new Int32Array(header.count);
  for (let i = 0; i < header.count; i++) ids[i] = header.dtype === 'uint16' ? view.getUint16(2 * i, true) : view.getUint32(4 * i, true);
  return memoryTokenSource(ids, header.vocabSize);
}

/**
 * One source reading `sources` one after another (a prepared token file and its validation file, so the
 * loaders see one sequence split at the first one's end).
 * @throws {DataError} when the sources have different vocabulary sizes or there is none.
 */
export function concatTokenSources(sources: readonly TokenSource[]): TokenSource {
  const first = sources[0];
  if (first === undefined) throw new DataError('concatTokenSources: expected at least one source, found none');
  const odd = sources.find((s) => s.vocabSize !== first.vocabSize);
  if (odd) throw new DataError(`concatTokenSources: every source must have the vocabulary size of the first (${first.vocabSize}), found ${odd.vocabSize}`);
  const starts = sources.map((_, i) => sources.slice(0, i).reduce((n, s) => n + s.length, 0));
  const length = starts[starts.length - 1]! + sources[sources.length - 1]!.length;
  return {
    length,
    vocabSize: first.vocabSize,
    read(start, out) {
      checkRange(start, out.length, length);
      let filled = 0;
      sources.forEach((source, i) => {
        const from = Math.max(start + filled - starts[i]!, 0);
        const n = Math.min(out.length - filled, source.length - from);
        if (filled >= out.length || from >= source.length || n <= 0) return;
        source.read(from, out.subarray(filled, filled + n));
        filled += n;
      });
    },
  };
}

/**
 * Ids [start, end) of `source` in chunks of at most `chunkTokens` (each a fresh array), to copy part of a large
 * source (into another token file) without holding it whole.
 * @throws {RangeError} when [start, end) is outside the source or chunkTokens is not a positive integer.
 */
export function* tokenChunks(source: TokenSource, start: number, end: number, chunkTokens = 1 << 20): Generator<Int32Array> {
  if (!(Number.isSafeInteger(chunkTokens) && chunkTokens >= 1)) throw new RangeError(`tokenChunks: chunkTokens must be a positive integer, found ${chunkTokens}`);
  checkRange(start, Math.max(end - start, 0), source.length);
  for (let at = start; at < end; at += chunkTokens) {
    const chunk = new Int32Array(Math.min(chunkTokens, end - at));
    source.read(at, chunk);
    yield chunk;
  }
}
