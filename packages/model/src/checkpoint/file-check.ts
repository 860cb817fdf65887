// Reporting problems in one file of a checkpoint folder: every message starts with the file's name (so a folder
// loader can prefix its path), then the tensor and field, then what was expected and what was found.
import { CheckpointError } from './errors';

/** Where in a checkpoint file a problem is, besides the file itself. */
export interface FilePlace {
  readonly tensor?: string;
  readonly field?: string;
}

/**
 * Throws a CheckpointError `<file>: [tensor "<name>"] [<field>:] <message>` with details `{ part: file, … }`.
 * @throws CheckpointError always.
 */
export function fileError(file: string, message: string, place: FilePlace = {}): never {
  const tensor = place.tensor === undefined ? [] : [`tensor ${JSON.stringify(place.tensor)}`];
  const field = place.field === undefined ? [] : [place.field];
  const where = [...tensor, ...field].map((part) => `${part} `).join('').replace(/ $/, ': ');
  throw new CheckpointError(`${file}: ${where}${message}`, { part: file, ...place });
}

/**
 * Runs `read` (a safetensors decode or encode) and gives any CheckpointError it throws the name of `file`.
 * @throws CheckpointError with `part` set to `file`, keeping the inner tensor and field.
 */
export function inFile<T>(file: string, read: () => T): T {
  try {
    return read();
  } catch (error) {
    if (!(error instanceof CheckpointError)) throw error;
    const { tensor, field } = error.details;
    throw new CheckpointError(`${file}: ${error.message}`, { part: file, ...(tensor === undefined ? {} : { tensor }), ...(field === undefined ? {} : { field }) });
  }
}

/** Whether `value` is a JSON object (not null, not an array). */
export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** A short rendering of an arbitrary value for messages. */
export function showValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  let text: string | undefined;
  try {
    text = JSON.stringify(value);
  } catch {
    text = undefined;
  }
  text ??= typeof value;
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}

/**
 * The JSON value in `bytes` (UTF-8 text).
 * @throws CheckpointError naming `file` for invalid UTF-8 or invalid JSON.
 */
export function parseJsonFile(file: string, bytes: Uint8Array): unknown {
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch {
    fileError(file, 'expected UTF-8 text, found invalid UTF-8');
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    fileError(file, `invalid JSON (${error instanceof Error ? error.message : String(error)})`);
  }
}

/**
 * `value` as indented JSON in UTF-8 bytes.
 * @throws CheckpointError naming `file` when `value` cannot be written as JSON (a cycle, a BigInt).
 */
export function jsonFileBytes(file: string, value: unknown): Uint8Array {
  // Typed unknown: JSON.stringify returns undefined for values without a JSON form, whatever its signature says.
  let text: unknown;
  try {
    text = JSON.stringify(value, null, 2);
  } catch (error) {
    fileError(file, `cannot write as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (typeof text !== 'string') fileError(file, `cannot write ${typeof value} as JSON`);
  return new TextEncoder().encode(`${text}\n`);
}

/** Own property `key` of `data` (an inherited or `__proto__` key must not count as a field). */
export function ownField(data: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(data, key) ? data[key] : undefined;
}
