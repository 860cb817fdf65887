// The encoding pass of `data prepare`: pieces of text → ids → one token file on disk, then cut into the training
// file and the held-out file (nanoGPT's rule: the last `valFraction` of the ids; in documents mode the cut moves
// forward to the next BOS so no document is split). Memory holds one piece and its ids at a time; the ids go to a
// temporary file first because the cut depends on the total count, unknown until the end.
import { rm } from 'node:fs/promises';
import { documentIds, openTokenFile, tokenChunks, tokenizerHash, writeTokenFile } from '@microgpt/model/node';
import type { Tokenizer } from '@microgpt/tokenizer';
import { preparedPaths } from '../prepared-data';

/** What to encode and where. */
export interface WriteCorpusOptions {
  readonly pieces: AsyncIterable<string>;
  readonly tokenizer: Tokenizer;
  /** The BOS id wrapping each line (documents mode), or null (a stream of text). */
  readonly bos: number | null;
  readonly out: string;
  /** Share of the ids held out, in [0, 1). */
  readonly valFraction: number;
}

/** What was written. */
export interface WrittenCorpus {
  readonly train: { readonly path: string; readonly count: number };
  readonly val: { readonly path: string; readonly count: number } | null;
}

/** The ids of each piece; documents mode drops each later piece's leading BOS, so pieces share one as lines do. */
async function* pieceIds(pieces: AsyncIterable<string>, tokenizer: Tokenizer, bos: number | null): AsyncGenerator<ArrayLike<number>> {
  const encode = (text: string): number[] => tokenizer.encode(text);
  let first = true;
  for await (const piece of pieces) {
    if (bos === null) yield encode(piece);
    else {
      const ids = documentIds(piece, encode, bos);
      yield first ? ids : ids.slice(1);
    }
    first = false;
  }
}

/** The first BOS at or after `at` (the end when none). */
function nextBos(path: string, at: number, bos: number): number {
  const reader = openTokenFile(path);
  try {
    for (let start = at; start < reader.length; start += 1 << 16) {
      const chunk = new Int32Array(Math.min(1 << 16, reader.length - start));
      reader.read(start, chunk);
      const i = chunk.indexOf(bos);
      if (i >= 0) return start + i;
    }
    return reader.length;
  } finally {
    reader.close();
  }
}

/** Copies ids [start, end) of the token file `from` into a new token file `to`. */
async function copyRange(from: string, to: string, start: number, end: number): Promise<number> {
  const reader = openTokenFile(from);
  try {
    return await writeTokenFile(to, tokenChunks(reader, start, end), reader.header.vocabSize, reader.header.tokenizerHash);
  } finally {
    reader.close();
  }
}

/**
 * Encodes the pieces into `out` and `out`'s `.val.bin` (none when valFraction is 0 or nothing is left after
 * the cut), each written atomically.
 * @throws DataError for text that is not UTF-8 (from the pieces), TokenizerError for text it cannot encode.
 */
export async function writeCorpus(options: WriteCorpusOptions): Promise<WrittenCorpus> {
  const { tokenizer, bos, out, valFraction } = options;
  const paths = preparedPaths(out);
  const all = `${out}.all.tmp`;
  try {
    const hash = await tokenizerHash(tokenizer.toJSON());
    const count = await writeTokenFile(all, pieceIds(options.pieces, tokenizer, bos), tokenizer.vocabSize, hash);
    const planned = Math.floor(count * (1 - valFraction));
    // In documents mode the BOS at the cut ends the last training document and starts the first held-out one.
    const cut = bos === null ? planned : nextBos(all, planned, bos);
    const trainEnd = bos === null ? cut : Math.min(cut + 1, count);
    const train = await copyRange(all, paths.train, 0, trainEnd);
    await rm(paths.val, { force: true });
    if (valFraction === 0 || trainEnd >= count) return { train: { path: paths.train, count: train }, val: null };
    const val = await copyRange(all, paths.val, cut, count);
    return { train: { path: paths.train, count: train }, val: { path: paths.val, count: val } };
  } finally {
    await rm(all, { force: true });
  }
}
