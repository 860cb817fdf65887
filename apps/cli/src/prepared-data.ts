// Token files made by `microgpt data prepare`: DATA.bin (the training ids), DATA.val.bin (the held-out ids) and
// DATA.tokenizer.json (the tokenizer that made them) side by side. `train`, `eval` and `info` recognise a token
// file by its magic bytes, read it in windows from disk, and check that the tokenizer is the one that made it.
import { open } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { TOKEN_FILE_MAGIC, type TokenSource, concatTokenSources, openTokenFile, tokenizerHash } from '@microgpt/model/node';
import type { Tokenizer } from '@microgpt/tokenizer';
import { runtimeError, usageError } from './errors';
import { TRAINABLE, loadTokenizer } from './tokenizers';

/** The files of a prepared corpus named after its training file `out` (`data.bin` → `data.val.bin`, `data.tokenizer.json`). */
export function preparedPaths(out: string): { train: string; val: string; tokenizer: string } {
  const base = out.endsWith('.bin') ? out.slice(0, -'.bin'.length) : out;
  return { train: out, val: `${base}.val.bin`, tokenizer: `${base}.tokenizer.json` };
}

/** True when `path` is a file that starts with the token file magic (a folder, a text file or no file: false). */
export async function isTokenFile(path: string): Promise<boolean> {
  let handle;
  try {
    handle = await open(path, 'r');
  } catch {
    return false;
  }
  try {
    if (!(await handle.stat()).isFile()) return false;
    const head = Buffer.alloc(TOKEN_FILE_MAGIC.length);
    const { bytesRead } = await handle.read(head, 0, head.length, 0);
    return bytesRead === head.length && head.toString('latin1') === TOKEN_FILE_MAGIC;
  } finally {
    await handle.close();
  }
}

/**
 * Ids read from disk at once (4 KiB of uint16 ids: about one page). Training reads random windows of blockSize + 1
 * ids, so a bigger read window would mostly be read and converted for nothing: measured on a 10 MB corpus, one
 * random window of 257 ids costs about 40 µs through a 2,048-id window and 5 ms through the default 1,048,576.
 */
const READ_WINDOW_TOKENS = 2048;

/** Bytes as lowercase hex (tokenizer hashes in messages and `info`). */
export const hex = (bytes: Uint8Array): string => Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');

/** A prepared corpus open for reading: the training ids then the held-out ids, as one source split at `valStart`. */
export interface PreparedData {
  readonly path: string;
  readonly source: TokenSource;
  /** Where the held-out ids start (= source.length without a `.val.bin` file). */
  readonly valStart: number;
  readonly tokenizer: Tokenizer;
  close(): void;
}

/**
 * Checks that `tokenizer` made the ids of the token file at `path` (the SHA-256 of its JSON is in the header).
 * @throws CliError (runtime) naming the file, both hashes and what to do.
 */
export async function checkTokenizerMatches(path: string, header: { tokenizerHash: Uint8Array; vocabSize: number }, tokenizer: Tokenizer, which: string): Promise<void> {
  const hash = await tokenizerHash(tokenizer.toJSON());
  if (hex(hash) !== hex(header.tokenizerHash)) {
    throw runtimeError(
      `${path} was tokenized by another tokenizer: the file says SHA-256 ${hex(header.tokenizerHash).slice(0, 16)}…, ${which} is ${hex(hash).slice(0, 16)}…`,
      `prepare the data again with this tokenizer (\`microgpt data prepare --input TEXT --tokenizer FILE --out ${path}\`), or use the tokenizer that made it`,
    );
  }
  if (header.vocabSize > tokenizer.vocabSize) throw runtimeError(`${path}: its ids go up to ${header.vocabSize - 1}, but ${which} has ${tokenizer.vocabSize} ids`);
}

/**
 * Opens the prepared corpus at `path` (a token file) with its `.val.bin` file when there is one.
 * @param tokenizer the run's tokenizer (from a checkpoint), or null to use `--tokenizer` or else the
 * `.tokenizer.json` beside the data.
 * @param tokenizerFlag `--tokenizer` (a file or name; a kind to train is refused: the data is tokenized already).
 * @throws CliError for a trainable kind, a missing tokenizer, or a tokenizer that did not make the data;
 * DataError for a damaged token file.
 */
export async function openPreparedData(path: string, tokenizer: Tokenizer | null, tokenizerFlag: string | undefined, log: (line: string) => void): Promise<PreparedData> {
  const paths = preparedPaths(path);
  if (tokenizerFlag !== undefined && (TRAINABLE as readonly string[]).includes(tokenizerFlag)) {
    throw usageError(`--tokenizer ${tokenizerFlag} trains a tokenizer on text, but ${path} is already tokenized`, `leave out --tokenizer to use ${paths.tokenizer}, or give the tokenizer file that made the data`);
  }
  const spec = tokenizerFlag ?? paths.tokenizer;
  if (tokenizer === null && tokenizerFlag === undefined && !existsSync(paths.tokenizer)) {
    throw runtimeError(`${path}: no tokenizer beside it (expected ${paths.tokenizer}, written by \`microgpt data prepare\`)`, 'give --tokenizer FILE: the tokenizer that made the data');
  }
  const chosen = tokenizer ?? (await loadTokenizer(spec, undefined, log));
  const train = openTokenFile(path, { windowTokens: READ_WINDOW_TOKENS });
  const readers = [train];
  try {
    await checkTokenizerMatches(path, train.header, chosen, tokenizer === null ? `the tokenizer ${spec}` : "the checkpoint's tokenizer");
    if (existsSync(paths.val)) {
      const val = openTokenFile(paths.val, { windowTokens: READ_WINDOW_TOKENS });
      readers.push(val);
      if (hex(val.header.tokenizerHash) !== hex(train.header.tokenizerHash) || val.header.vocabSize !== train.header.vocabSize) throw runtimeError(`${paths.val} was tokenized by another tokenizer than ${path}`, 'prepare the data again: both files come from one `microgpt data prepare`');
    }
  } catch (error) {
    for (const reader of readers) reader.close();
    throw error;
  }
  const source = concatTokenSources(readers.map((r) => ({ length: r.length, vocabSize: chosen.vocabSize, read: (start: number, out: Int32Array) => {
      r.read(start, out);
    } })));
  return {
    path,
    source,
    valStart: train.length,
    tokenizer: chosen,
    close: () => {
      for (const reader of readers) reader.close();
    },
  };
}
