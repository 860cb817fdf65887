// The text `data prepare` reads: files, the files of a folder (recursively, in name order, hidden ones left
// out) or standard input (`-`, copied to a temporary file first so it can be read twice: once to train a
// tokenizer, once to encode). Each is read as a stream of bytes, counted for the progress line.
import { createReadStream, createWriteStream } from 'node:fs';
import { readdir, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { utf8TextPieces } from '@microgpt/model';
import { runtimeError } from '../errors';

/** The input files and their total size. */
export interface CorpusFiles {
  readonly files: readonly string[];
  readonly bytes: number;
  /** Removes the copy of standard input, if one was made. */
  cleanup(): Promise<void>;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith('.')).sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const files: string[] = [];
  for (const entry of entries) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) files.push(...(await filesUnder(path)));
    else if (entry.isFile()) files.push(path);
  }
  return files;
}

/**
 * The files named by `--input` (files, folders, `-` for standard input at most once), in order.
 * @param spool where to copy standard input.
 * @throws CliError (runtime) for a missing input, an empty folder, `-` twice, or no text at all.
 */
export async function corpusFiles(inputs: readonly string[], spool: string): Promise<CorpusFiles> {
  const files: string[] = [];
  let spooled = false;
  for (const input of inputs) {
    if (input === '-') {
      if (spooled) throw runtimeError('--input - (standard input) is given twice', 'give - once');
      await pipeline(process.stdin, createWriteStream(spool));
      spooled = true;
      files.push(spool);
      continue;
    }
    const info = await stat(input).catch(() => null);
    if (info === null) throw runtimeError(`--input ${input}: no such file or folder`, 'give text files, folders of them, or - for standard input');
    const found = info.isDirectory() ? await filesUnder(input) : [input];
    if (found.length === 0) throw runtimeError(`--input ${input}: the folder holds no files`, 'give a folder of text files');
    files.push(...found);
  }
  let bytes = 0;
  for (const file of files) bytes += (await stat(file)).size;
  const cleanup = async (): Promise<void> => {
    if (spooled) await rm(spool, { force: true });
  };
  if (bytes === 0) {
    await cleanup();
    throw runtimeError(`--input ${inputs.join(' ')}: no text (0 bytes)`, 'give a non-empty text corpus');
  }
  return { files, bytes, cleanup };
}

/**
 * The text of the files in newline-ended pieces (see utf8TextPieces); a file that does not end with a newline
 * gets one, so the last line of one file never joins the first of the next.
 * @param onBytes called with each chunk's size as it is read (for the progress line).
 * @param stdinCopy the copy of standard input (named `standard input` in messages).
 * @throws DataError naming the file and byte for text that is not UTF-8.
 */
export async function* corpusPieces(corpus: CorpusFiles, onBytes: (n: number) => void, stdinCopy: string): AsyncGenerator<string> {
  for (const file of corpus.files) {
    async function* counted(): AsyncGenerator<Uint8Array> {
      for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) {
        onBytes((chunk as Buffer).length);
        yield chunk as Buffer;
      }
    }
    let last = '';
    for await (const piece of utf8TextPieces(counted(), { name: file === stdinCopy ? 'standard input' : file })) {
      last = piece;
      yield piece;
    }
    if (last !== '' && !last.endsWith('\n')) yield '\n';
  }
}
