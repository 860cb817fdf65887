// The safetensors file format: an 8-byte little-endian header length, a JSON header naming each tensor's dtype,
// shape and byte range, then the raw little-endian row-major data. Encoding and fully validated decoding.
import { type DType, type TypedArray, formatShape } from '@microgpt/tensor';
import { CheckpointError, type CheckpointErrorDetails } from './errors';

/**
 * What a safetensors entry holds: a tensor dtype, or data the tensor package has no dtype for, kept as raw
 * elements for the code that converts them (quantized weights, scales): `float16` and `bfloat16` as their bit
 * patterns in a Uint16Array, `int8` in an Int8Array.
 */
export type StoredDType = DType | 'float16' | 'bfloat16' | 'int8';

/** The typed array of each stored dtype. */
export type StoredArray = TypedArray | Uint16Array | Int8Array;

/** One tensor as stored in a safetensors file: its dtype, row-major shape and contiguous data. */
export interface SafetensorsEntry {
  /** Element type. */
  readonly dtype: StoredDType;
  /** Dimensions, outermost first; `[]` is a scalar. */
  readonly shape: readonly number[];
  /** `product(shape)` elements, row-major, of the typed array for `dtype`. */
  readonly data: StoredArray;
}

/** A decoded tensor. */
export interface DecodedTensor {
  /** Element type, from the header's dtype code (F32, F64, I32, U8, F16, BF16, I8). */
  readonly dtype: StoredDType;
  /** Dimensions, outermost first; `[]` is a scalar. */
  readonly shape: number[];
  /** `product(shape)` elements, row-major, copied out of the file's bytes into the typed array for `dtype`. */
  readonly data: StoredArray;
}

/** A decoded safetensors file. */
export interface DecodedSafetensors {
  /** Tensors by name, in the order of their data in the file. */
  readonly tensors: Map<string, DecodedTensor>;
  /** The string-to-string `__metadata__` map (empty when the file has none). */
  readonly metadata: Record<string, string>;
}

/** Largest header accepted when decoding (100 MB), so a corrupt length cannot trigger a huge allocation. */
export const MAX_HEADER_BYTES = 100 * 1024 * 1024;

const METADATA_KEY = '__metadata__';

/** Each stored dtype's safetensors code and typed array. */
const STORED: Readonly<Record<StoredDType, { code: string; array: { new (length: number): StoredArray; readonly BYTES_PER_ELEMENT: number } }>> = {
  float32: { code: 'F32', array: Float32Array },
  float64: { code: 'F64', array: Float64Array },
  int32: { code: 'I32', array: Int32Array },
  uint8: { code: 'U8', array: Uint8Array },
  float16: { code: 'F16', array: Uint16Array },
  bfloat16: { code: 'BF16', array: Uint16Array },
  int8: { code: 'I8', array: Int8Array },
};
const FROM_CODE: Readonly<Record<string, StoredDType>> = Object.fromEntries(Object.entries(STORED).map(([dtype, { code }]) => [code, dtype as StoredDType]));
const SUPPORTED = Object.values(STORED).map((s) => s.code).join(', ');
/** Valid safetensors dtypes that this package cannot hold yet. */
const UNSUPPORTED_DTYPES = new Set(['F8_E4M3', 'F8_E5M2', 'I16', 'U16', 'U32', 'I64', 'U64', 'BOOL']);

const widthOf = (dtype: StoredDType): number => STORED[dtype].array.BYTES_PER_ELEMENT;

const LITTLE_ENDIAN_HOST = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

function fail(message: string, details: CheckpointErrorDetails): never {
  const tensor = details.tensor === undefined ? '' : ` tensor ${JSON.stringify(details.tensor)}`;
  const field = details.field === undefined ? '' : ` ${details.field}`;
  const where = `${details.part}:${tensor}${field}`.replace(/:$/, '');
  throw new CheckpointError(`safetensors: ${where}: ${message}`, details);
}

/** A short rendering of an arbitrary JSON value for messages. */
function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string;
  try {
    text = JSON.stringify(value);
  } catch {
    text = typeof value;
  }
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/** Reverses the bytes of each `width`-byte element in place (for big-endian hosts). */
function swapBytes(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i + width <= bytes.length; i += width) bytes.subarray(i, i + width).reverse();
}

function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * Encodes tensors (and optional string metadata) as a safetensors file. Tensors are written sorted by name,
 * the header is padded with spaces so the data starts at a multiple of 8 bytes.
 * @throws CheckpointError when a tensor's data length or type does not match its shape and dtype, or a name is
 * `__metadata__`.
 */
export function encodeSafetensors(
  tensors: Readonly<Record<string, SafetensorsEntry>>,
  metadata?: Readonly<Record<string, string>>,
): Uint8Array {
  const names = Object.keys(tensors).sort(compareNames);
  const parts: string[] = [];
  if (metadata !== undefined) {
    for (const [key, value] of Object.entries(metadata)) {
      if (typeof value !== 'string') fail(`value of ${JSON.stringify(key)} must be a string, found ${show(value)}`, { part: 'metadata' });
    }
    parts.push(`${JSON.stringify(METADATA_KEY)}:${JSON.stringify(metadata)}`);
  }
  let offset = 0;
  const chunks: { entry: SafetensorsEntry; begin: number }[] = [];
  for (const name of names) {
    const entry = tensors[name]!;
    const details = { part: 'arguments', tensor: name };
    if (name === METADATA_KEY) fail(`the name ${METADATA_KEY} is reserved for metadata`, details);
    const stored = Object.hasOwn(STORED, entry.dtype) ? STORED[entry.dtype] : undefined;
    if (stored === undefined) fail(`unknown dtype ${show(entry.dtype)}`, { ...details, field: 'dtype' });
    const code = stored.code;
    if (!entry.shape.every((d) => Number.isSafeInteger(d) && d >= 0)) {
      fail(`expected non-negative integers, found ${show(entry.shape)}`, { ...details, field: 'shape' });
    }
    if (!(entry.data instanceof stored.array)) fail(`expected a ${stored.array.name} for ${entry.dtype}, found ${entry.data.constructor.name}`, { ...details, field: 'data' });
    const size = entry.shape.reduce((a, d) => a * d, 1);
    if (entry.data.length !== size) {
      fail(`expected ${size} elements for shape ${formatShape(entry.shape)}, found ${entry.data.length}`, { ...details, field: 'data' });
    }
    const begin = offset;
    offset += entry.data.byteLength;
    chunks.push({ entry, begin });
    const info = { dtype: code, shape: entry.shape, data_offsets: [begin, offset] };
    parts.push(`${JSON.stringify(name)}:${JSON.stringify(info)}`);
  }
  let header = new TextEncoder().encode(`{${parts.join(',')}}`);
  const padded = Math.ceil(header.length / 8) * 8;
  if (padded !== header.length) {
    const withSpaces = new Uint8Array(padded).fill(0x20);
    withSpaces.set(header);
    header = withSpaces;
  }
  const out = new Uint8Array(8 + header.length + offset);
  const view = new DataView(out.buffer);
  view.setUint32(0, header.length, true);
  view.setUint32(4, Math.floor(header.length / 2 ** 32), true);
  out.set(header, 8);
  const base = 8 + header.length;
  for (const { entry, begin } of chunks) {
    const target = out.subarray(base + begin, base + begin + entry.data.byteLength);
    target.set(new Uint8Array(entry.data.buffer, entry.data.byteOffset, entry.data.byteLength));
    if (!LITTLE_ENDIAN_HOST) swapBytes(target, widthOf(entry.dtype));
  }
  return out;
}

interface ParsedEntry {
  readonly name: string;
  readonly dtype: StoredDType;
  readonly shape: number[];
  readonly begin: number;
  readonly end: number;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseEntry(name: string, value: unknown, dataLength: number): ParsedEntry {
  const details = { part: 'header', tensor: name };
  if (!isPlainObject(value)) fail(`expected an object with dtype, shape and data_offsets, found ${show(value)}`, details);
  const code = value.dtype;
  if (typeof code !== 'string') fail(`expected a string, found ${show(code)}`, { ...details, field: 'dtype' });
  const dtype = Object.hasOwn(FROM_CODE, code) ? FROM_CODE[code] : undefined;
  if (dtype === undefined) {
    if (UNSUPPORTED_DTYPES.has(code)) fail(`${code} is a valid safetensors dtype but is not supported yet (supported: ${SUPPORTED})`, { ...details, field: 'dtype' });
    fail(`unknown dtype ${show(code)} (supported: ${SUPPORTED})`, { ...details, field: 'dtype' });
  }
  const shape = value.shape;
  if (!Array.isArray(shape) || !shape.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`expected an array of non-negative integers, found ${show(shape)}`, { ...details, field: 'shape' });
  }
  const offsets = value.data_offsets;
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((d): d is number => Number.isSafeInteger(d) && (d as number) >= 0)) {
    fail(`expected a pair [begin, end] of non-negative integers, found ${show(offsets)}`, { ...details, field: 'data_offsets' });
  }
  const [begin, end] = offsets as [number, number];
  if (end < begin) fail(`end ${end} is before begin ${begin}`, { ...details, field: 'data_offsets' });
  if (end > dataLength) fail(`[${begin}, ${end}] is outside the data buffer of ${dataLength} bytes`, { ...details, field: 'data_offsets' });
  // A zero dimension makes the tensor empty however large the others are; otherwise stop at 2^53 bytes.
  const width = widthOf(dtype);
  let expected = width;
  for (const d of shape) expected *= d;
  if (shape.includes(0)) expected = 0;
  const described = Number.isSafeInteger(expected) ? String(expected) : `more than ${Number.MAX_SAFE_INTEGER}`;
  if (expected !== end - begin) {
    fail(`expected ${described} bytes (shape ${formatShape(shape)} × ${width} bytes), found ${end - begin}`, { ...details, field: 'data_offsets' });
  }
  return { name, dtype, shape: shape.slice(), begin, end };
}

/**
 * Decodes a safetensors file, validating everything: the header length, UTF-8 and JSON, every entry's dtype,
 * shape and offsets, that the offsets tile the data buffer exactly, and the metadata. Data is copied into new
 * aligned typed arrays, so the result does not share memory with `bytes`.
 * @throws CheckpointError naming the file part, tensor and field, with what was expected and found.
 */
export function decodeSafetensors(bytes: Uint8Array): DecodedSafetensors {
  if (bytes.length < 8) fail(`expected at least 8 bytes, found ${bytes.length}`, { part: 'header length' });
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const low = view.getUint32(0, true);
  const high = view.getUint32(4, true);
  const headerLength = high * 2 ** 32 + low;
  if (headerLength > MAX_HEADER_BYTES) fail(`${headerLength} bytes is more than the limit of ${MAX_HEADER_BYTES}`, { part: 'header length' });
  if (headerLength > bytes.length - 8) fail(`${headerLength} bytes runs past the end of the file (${bytes.length - 8} bytes after the length)`, { part: 'header length' });
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, 8 + headerLength));
  } catch {
    fail('expected UTF-8 text, found invalid UTF-8', { part: 'header' });
  }
  if (!text.startsWith('{')) fail(`expected a JSON object starting with "{", found ${show(text.slice(0, 20))}`, { part: 'header' });
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    fail(`invalid JSON (${error instanceof Error ? error.message : String(error)})`, { part: 'header' });
  }
  if (!isPlainObject(json)) fail(`expected a JSON object, found ${show(json)}`, { part: 'header' });

  const dataStart = 8 + headerLength;
  const dataLength = bytes.length - dataStart;
  const metadata: Record<string, string> = {};
  const entries: ParsedEntry[] = [];
  for (const [name, value] of Object.entries(json)) {
    if (name === METADATA_KEY) {
      if (!isPlainObject(value)) fail(`expected an object of strings, found ${show(value)}`, { part: 'metadata' });
      for (const [key, item] of Object.entries(value)) {
        if (typeof item !== 'string') fail(`value of ${JSON.stringify(key)}: expected a string, found ${show(item)}`, { part: 'metadata' });
        Object.defineProperty(metadata, key, { value: item, enumerable: true, writable: true, configurable: true });
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataLength));
  }

  entries.sort((a, b) => a.begin - b.begin || a.end - b.end);
  let position = 0;
  for (const entry of entries) {
    const details = { part: 'data', tensor: entry.name, field: 'data_offsets' };
    if (entry.begin < position) fail(`[${entry.begin}, ${entry.end}] overlaps the previous tensor, which ends at ${position}`, details);
    if (entry.begin > position) fail(`[${entry.begin}, ${entry.end}] leaves a gap: expected begin ${position}, found ${entry.begin}`, details);
    position = entry.end;
  }
  if (position !== dataLength) {
    fail(`tensors cover ${position} bytes but the data buffer has ${dataLength}; expected no trailing bytes`, { part: 'data' });
  }

  const tensors = new Map<string, DecodedTensor>();
  for (const entry of entries) {
    const width = widthOf(entry.dtype);
    const data = new STORED[entry.dtype].array((entry.end - entry.begin) / width);
    const target = new Uint8Array(data.buffer);
    target.set(bytes.subarray(dataStart + entry.begin, dataStart + entry.end));
    if (!LITTLE_ENDIAN_HOST) swapBytes(target, width);
    tensors.set(entry.name, { dtype: entry.dtype, shape: entry.shape, data });
  }
  return { tensors, metadata };
}
