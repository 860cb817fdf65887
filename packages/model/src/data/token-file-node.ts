// Token files on disk (Node): written atomically, chunk by chunk, and read back through a window of ids, so
// a corpus larger than memory trains without being loaded whole. `cachedTokenFile` tokenizes a text file once
// and reuses the result while the text and the tokenizer stay the same.
import { closeSync, existsSync, fstatSync, mkdirSync, openSync, readSync, statSync, createReadStream } from 'node:fs';
import { basename, join } from 'node:path';
import { writeAtomically } from '../checkpoint/atomic-write';
import { DataError } from './errors';
import { type TokenSource, checkRange } from './source';
import { TOKEN_FILE_HEADER_BYTES, type TokenFileHeader, decodeTokenFileHeader, encodeTokenFileHeader, tokenBytes, tokenDTypeFor } from './token-file';

/** A token file open for reading; close it when done. */
export interface TokenFileReader extends TokenSource {
  /** The file's header, checked when it was opened. */
  readonly header: TokenFileHeader;
  /** Closes the file. */
  close(): void;
}

/** Options of {@link openTokenFile}. */
export interface OpenTokenFileOptions {
  /** Ids held in memory at once (default 1,048,576): reads inside the window cost no system call. */
  readonly windowTokens?: number;
}

/**
 * Opens a token file for reading through a window of `windowTokens` ids. Ids are checked against the
 * vocabulary as each window is read.
 * @throws {DataError} naming the file for a bad header or size (read errors name the position).
 */
export function openTokenFile(path: string, options: OpenTokenFileOptions = {}): TokenFileReader {
  const windowTokens = options.windowTokens ?? 1 << 20;
  if (!(Number.isSafeInteger(windowTokens) && windowTokens >= 1)) throw new DataError(`openTokenFile: windowTokens must be a positive integer, found ${windowTokens}`);
  const fd = openSync(path, 'r');
  try {
    const size = fstatSync(fd).size;
    const head = new Uint8Array(Math.min(size, TOKEN_FILE_HEADER_BYTES));
    readSync(fd, head, 0, head.length, 0);
    const header = decodeTokenFileHeader(head, size, path);
    const width = tokenBytes(header.dtype);
    const raw = new Uint8Array(Math.min(windowTokens, header.count) * width);
    const view = new DataView(raw.buffer);
    const window = new Int32Array(raw.length / width);
    let windowStart = 0;
    let windowLength = 0;
    const load = (start: number): void => {
      const n = Math.min(window.length, header.count - start);
      const bytes = n * width;
      let got = 0;
      while (got < bytes) {
        const r = readSync(fd, raw, got, bytes - got, TOKEN_FILE_HEADER_BYTES + start * width + got);
        if (r === 0) throw new DataError(`${path}: the file ended at id ${start + got / width} of ${header.count}`);
        got += r;
      }
      for (let i = 0; i < n; i++) {
        const id = width === 2 ? view.getUint16(2 * i, true) : view.getUint32(4 * i, true);
        if (id >= header.vocabSize) throw new DataError(`${path}: id ${id} at position ${start + i} is outside the vocabulary [0, ${header.vocabSize})`);
        window[i] = id;
      }
      windowStart = start;
      windowLength = n;
    };
    return {
      header,
      length: header.count,
      vocabSize: header.vocabSize,
      read(start, out) {
        checkRange(start, out.length, header.count);
        let filled = 0;
        while (filled < out.length) {
          const at = start + filled;
          if (at < windowStart || at >= windowStart + windowLength) load(at);
          const n = Math.min(out.length - filled, windowStart + windowLength - at);
          out.set(window.subarray(at - windowStart, at - windowStart + n), filled);
          filled += n;
        }
      },
      close: () => {
        closeSync(fd);
      },
    };
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/**
 * Writes a token file atomically from chunks of ids (each chunk's ids checked against the vocabulary), so the
 * whole corpus is never in memory at once.
 * @returns the number of ids written.
 * @throws {DataError} for an id outside [0, vocabSize) (no file is left behind).
 */
export async function writeTokenFile(path: string, chunks: AsyncIterable<ArrayLike<number>> | Iterable<ArrayLike<number>>, vocabSize: number, hash: Uint8Array): Promise<number> {
  const dtype = tokenDTypeFor(vocabSize);
  const width = tokenBytes(dtype);
  let count = 0;
  await writeAtomically(path, async (handle) => {
    await handle.write(new Uint8Array(TOKEN_FILE_HEADER_BYTES), 0, TOKEN_FILE_HEADER_BYTES, 0);
    for await (const chunk of chunks) {
      const bytes = new Uint8Array(chunk.length * width);
      const view = new DataView(bytes.buffer);
      for (let i = 0; i < chunk.length; i++) {
        const id = chunk[i]!;
        if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new DataError(`${path}: id ${id} at position ${count + i} is outside the vocabulary [0, ${vocabSize})`);
        if (width === 2) view.setUint16(2 * i, id, true);
        else view.setUint32(4 * i, id, true);
      }
      await handle.write(bytes, 0, bytes.length, TOKEN_FILE_HEADER_BYTES + count * width);
      count += chunk.length;
    }
    // The header goes in last, once the count is known.
    await handle.write(encodeTokenFileHeader({ dtype, count, vocabSize, tokenizerHash: hash }), 0, TOKEN_FILE_HEADER_BYTES, 0);
  });
  return count;
}

/** Pieces of a UTF-8 text file of about `chunkBytes` each, cut after a newline (so no line is split). */
export async function* textChunks(path: string, chunkBytes = 1 << 20): AsyncGenerator<string> {
  let carry = '';
  for await (const piece of createReadStream(path, { encoding: 'utf8', highWaterMark: chunkBytes })) {
    const text = carry + (piece as string);
    const cut = text.lastIndexOf('\n');
    if (cut < 0) {
      carry = text;
      continue;
    }
    yield text.slice(0, cut + 1);
    carry = text.slice(cut + 1);
  }
  if (carry) yield carry;
}

/** Options of {@link cachedTokenFile}. */
export interface CachedTokenFileOptions {
  /** The text to tokenize. */
  readonly textPath: string;
  /** Where token files are kept. */
  readonly cacheDir: string;
  /** Which tokenizer (see `tokenizerHash`). */
  readonly tokenizerHash: Uint8Array;
  /** The tokenizer's vocabulary size, written into the header (every id must be below it). */
  readonly vocabSize: number;
  /** Turns a piece of text (whole lines) into ids; documents mode adds the BOS separators here. */
  readonly encode: (text: string) => ArrayLike<number>;
}

/**
 * The path of a token file for `textPath` tokenized by the given tokenizer, made on the first call (in
 * newline-aligned chunks, so memory stays bounded) and reused while the text's size and modification time and
 * the tokenizer hash are the same.
 * @returns the token file's path and whether it was reused.
 */
export async function cachedTokenFile(options: CachedTokenFileOptions): Promise<{
  /** The token file's path, in `cacheDir`. */
  path: string;
  /** Whether an existing file was reused rather than made. */
  reused: boolean;
}> {
  const { textPath, cacheDir, tokenizerHash: hash, vocabSize, encode } = options;
  const text = statSync(textPath);
  const hex = Array.from(hash.subarray(0, 8), (b) => b.toString(16).padStart(2, '0')).join('');
  const path = join(cacheDir, `${basename(textPath)}.${text.size}-${Math.floor(text.mtimeMs)}.${hex}.tokens`);
  if (existsSync(path)) {
    try {
      const reader = openTokenFile(path, { windowTokens: 1 });
      const same = reader.header.vocabSize === vocabSize && reader.header.tokenizerHash.every((b, i) => b === hash[i]);
      reader.close();
      if (same) return { path, reused: true };
    } catch {
      // A damaged cache file is made again below.
    }
  }
  mkdirSync(cacheDir, { recursive: true });
  async function* ids(): AsyncGenerator<ArrayLike<number>> {
    for await (const chunk of textChunks(textPath)) yield encode(chunk);
  }
  await writeTokenFile(path, ids(), vocabSize, hash);
  return { path, reused: false };
}
