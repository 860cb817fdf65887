// The binary token file: a corpus tokenized once and cached. A 64-byte little-endian header, then the ids:
//
//   0  magic "MGPTTOK\0"      8 bytes
//   8  version                u32 (1)
//  12  dtype                  u32: 1 = uint16 ids, 2 = uint32 ids
//  16  count                  u64: number of ids
//  24  vocabSize              u32: every id is < vocabSize
//  28  tokenizer hash         32 bytes: SHA-256 of the tokenizer's JSON (which tokenizer made the ids)
//  60  reserved               4 bytes, zero
//  64  ids                    count × 2 or 4 bytes
import { DataError } from './errors';

/** The 8 bytes a token file starts with, so another file given as `--data` is refused before its ids are read. */
export const TOKEN_FILE_MAGIC = 'MGPTTOK\0';
/** The header layout's version: a reader refuses any other, naming both. */
export const TOKEN_FILE_VERSION = 1;
/** Bytes before the ids (the header, reserved bytes included), so ids start at a fixed offset. */
export const TOKEN_FILE_HEADER_BYTES = 64;

/** Width of the stored ids. */
export type TokenDType = 'uint16' | 'uint32';

/** What the header says. */
export interface TokenFileHeader {
  /** Width of each stored id: uint16 for vocabularies up to 65,536, else uint32. */
  readonly dtype: TokenDType;
  /** Number of ids after the header. */
  readonly count: number;
  /** Every id is below it; a loader checks it against the model's vocabulary. */
  readonly vocabSize: number;
  /** 32 bytes. */
  readonly tokenizerHash: Uint8Array;
}

/** The narrowest id width for a vocabulary. */
export function tokenDTypeFor(vocabSize: number): TokenDType {
  return vocabSize <= 65536 ? 'uint16' : 'uint32';
}

/** Bytes per stored id. */
export function tokenBytes(dtype: TokenDType): number {
  return dtype === 'uint16' ? 2 : 4;
}

/**
 * SHA-256 of a tokenizer's JSON (`tokenizer.toJSON()`), through Web Crypto (Node 20 and browsers).
 * @returns 32 bytes.
 */
export async function tokenizerHash(json: object): Promise<Uint8Array> {
  const bytes = new TextEncoder().encode(JSON.stringify(json));
  return new Uint8Array(await globalThis.crypto.subtle.digest('SHA-256', bytes));
}

/**
 * The 64-byte header for `header`.
 * @throws {DataError} for a count or vocabulary that the dtype cannot hold, or a hash that is not 32 bytes.
 */
export function encodeTokenFileHeader(header: TokenFileHeader): Uint8Array {
  const { dtype, count, vocabSize, tokenizerHash: hash } = header;
  if (!Number.isSafeInteger(count) || count < 0) throw new DataError(`token file: count must be a non-negative integer, found ${count}`);
  if (!Number.isSafeInteger(vocabSize) || vocabSize < 1 || vocabSize > 2 ** 32) throw new DataError(`token file: vocabSize must be in [1, 2^32], found ${vocabSize}`);
  if (dtype === 'uint16' && vocabSize > 65536) throw new DataError(`token file: a vocabulary of ${vocabSize} needs uint32 ids`);
  if (hash.length !== 32) throw new DataError(`token file: the tokenizer hash must be 32 bytes, found ${hash.length}`);
  const bytes = new Uint8Array(TOKEN_FILE_HEADER_BYTES);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(TOKEN_FILE_MAGIC), 0);
  view.setUint32(8, TOKEN_FILE_VERSION, true);
  view.setUint32(12, dtype === 'uint16' ? 1 : 2, true);
  view.setBigUint64(16, BigInt(count), true);
  view.setUint32(24, vocabSize === 2 ** 32 ? 0 : vocabSize, true);
  bytes.set(hash, 28);
  return bytes;
}

/** A whole token file (header + ids) in memory. @throws {DataError} as the header, or for an id ≥ vocabSize. */
export function encodeTokenFile(ids: ArrayLike<number>, vocabSize: number, hash: Uint8Array): Uint8Array {
  const dtype = tokenDTypeFor(vocabSize);
  const header = encodeTokenFileHeader({ dtype, count: ids.length, vocabSize, tokenizerHash: hash });
  const out = new Uint8Array(TOKEN_FILE_HEADER_BYTES + ids.length * tokenBytes(dtype));
  out.set(header, 0);
  const view = new DataView(out.buffer);
  for (let i = 0; i < ids.length; i++) {
    const id = ids[i]!;
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) throw new DataError(`token file: id ${id} at position ${i} is outside [0, ${vocabSize})`);
    if (dtype === 'uint16') view.setUint16(TOKEN_FILE_HEADER_BYTES + 2 * i, id, true);
    else view.setUint32(TOKEN_FILE_HEADER_BYTES + 4 * i, id, true);
  }
  return out;
}

/**
 * Reads and checks a header.
 * @param bytes at least the first 64 bytes of the file.
 * @param fileBytes the file's whole size (to check that the ids fit), or null when unknown.
 * @param name the file's name for messages.
 * @throws {DataError} naming the file and field: too short, wrong magic, unknown version or dtype, a vocabulary
 * the dtype cannot hold, a nonzero reserved field, or a size that does not match the count.
 */
export function decodeTokenFileHeader(bytes: Uint8Array, fileBytes: number | null, name = 'token file'): TokenFileHeader {
  const bad = (field: string, expected: string, found: string): never => {
    throw new DataError(`${name}: ${field}: expected ${expected}, found ${found}`);
  };
  if (bytes.length < TOKEN_FILE_HEADER_BYTES) bad('header', `${TOKEN_FILE_HEADER_BYTES} bytes`, `${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, TOKEN_FILE_HEADER_BYTES);
  const magic = new TextDecoder('latin1').decode(bytes.subarray(0, 8));
  if (magic !== TOKEN_FILE_MAGIC) bad('magic', JSON.stringify(TOKEN_FILE_MAGIC), JSON.stringify(magic));
  const version = view.getUint32(8, true);
  if (version !== TOKEN_FILE_VERSION) bad('version', `${TOKEN_FILE_VERSION}`, `${version}`);
  const code = view.getUint32(12, true);
  if (code !== 1 && code !== 2) bad('dtype', '1 (uint16) or 2 (uint32)', `${code}`);
  const dtype: TokenDType = code === 1 ? 'uint16' : 'uint32';
  const count64 = view.getBigUint64(16, true);
  if (count64 > BigInt(Number.MAX_SAFE_INTEGER)) bad('count', 'at most 2^53 - 1', `${count64}`);
  const count = Number(count64);
  const rawVocab = view.getUint32(24, true);
  const vocabSize = rawVocab === 0 ? 2 ** 32 : rawVocab;
  if (dtype === 'uint16' && vocabSize > 65536) bad('vocabSize', 'at most 65536 for uint16 ids', `${vocabSize}`);
  if (view.getUint32(60, true) !== 0) bad('reserved', '0', `${view.getUint32(60, true)}`);
  if (fileBytes !== null) {
    const expected = TOKEN_FILE_HEADER_BYTES + count * tokenBytes(dtype);
    if (fileBytes !== expected) bad('size', `${expected} bytes for ${count} ${dtype} ids`, `${fileBytes} bytes`);
  }
  return { dtype, count, vocabSize, tokenizerHash: bytes.slice(28, 60) };
}
