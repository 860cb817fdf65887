// Text files named on the command line (--data, --tokenizer, --input): read as UTF-8, and refused when they
// are not text, since a binary file decoded leniently would train or encode replacement characters silently.
import { readFile } from 'node:fs/promises';
import { runtimeError } from './errors';

/** The offset of the first byte that does not start a well-formed UTF-8 sequence (lead and continuation bytes), or -1. */
function firstBadUtf8(bytes: Uint8Array): number {
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i]!;
    const follow = b < 0x80 ? 0 : b >= 0xc2 && b < 0xe0 ? 1 : b >= 0xe0 && b < 0xf0 ? 2 : b >= 0xf0 && b < 0xf5 ? 3 : -1;
    if (follow < 0) return i;
    for (let j = 1; j <= follow; j++) if (((bytes[i + j] ?? 0) & 0xc0) !== 0x80) return i;
    i += follow + 1;
  }
  return -1;
}

/**
 * `bytes` as text (UTF-8; a byte-order mark is dropped).
 * @param what names the file in messages (`--data poems.txt`).
 * @throws CliError (runtime) for a NUL byte (a binary file) or invalid UTF-8, with the byte offset.
 */
export function decodeText(bytes: Uint8Array, what: string): string {
  const hint = 'give a UTF-8 text file (a binary file, or text in another encoding, would train on garbage)';
  const nul = bytes.indexOf(0);
  if (nul >= 0) throw runtimeError(`${what}: not a text file: a NUL byte at byte ${nul}`, hint);
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    const at = firstBadUtf8(bytes);
    throw runtimeError(`${what}: not UTF-8 text${at >= 0 ? `: invalid byte 0x${bytes[at]!.toString(16).padStart(2, '0')} at byte ${at}` : ''}`, hint);
  }
}

/**
 * Reads a text file given on the command line, with errors naming the flag; `hint` says what to give instead.
 * @throws CliError (runtime) for a missing file, a folder, or a file that is not UTF-8 text.
 */
export async function readTextFile(path: string, flag: string, hint = 'give a text file'): Promise<string> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as { code?: string }).code;
    const why = code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'a folder, not a file' : (error as Error).message;
    throw runtimeError(`${flag} ${path}: ${why}`, hint);
  }
  return decodeText(bytes, `${flag} ${path}`);
}
