// Checking a decoded safetensors file against the tensors a checkpoint must hold: exactly these names, each with
// its shape, all of one float dtype, every value finite (a NaN or an infinity means the run that saved it
// diverged: no command can use such weights, so loading refuses them once, here, for every caller).
import { type FloatDType, formatShape, sameShape } from '@microgpt/tensor';
import type { DecodedSafetensors } from './safetensors';
import { fileError } from './file-check';

/** A tensor a file must hold. */
export interface ExpectedTensor {
  readonly name: string;
  readonly shape: readonly number[];
}

/** Float data by tensor name. */
export type FloatArrays = Record<string, Float32Array | Float64Array>;

/**
 * Checks that `tensors` (decoded from `file`) are exactly `expected`: no name missing, none extra, each of its
 * expected shape and of `dtype`, every value finite. `source` says where the expectation comes from in messages
 * (`config.json`).
 * @returns the data of each expected tensor by name.
 * @throws CheckpointError naming the file, the tensor and the field, with expected and found; for a NaN or an
 * infinity the field is `values` and the message gives the first bad element's index and value.
 */
export function expectTensors(
  file: string,
  tensors: DecodedSafetensors['tensors'],
  expected: readonly ExpectedTensor[],
  dtype: FloatDType,
  source: string,
): FloatArrays {
  const out: FloatArrays = {};
  const missing = expected.filter((spec) => !tensors.has(spec.name));
  if (missing.length > 0) {
    const first = missing[0]!;
    const all = missing.length === 1 ? '' : ` (${missing.length} tensors missing: ${listNames(missing.map((m) => m.name))})`;
    fileError(file, `missing; expected shape ${formatShape(first.shape)} from ${source}${all}`, { tensor: first.name });
  }
  const names = new Set(expected.map((spec) => spec.name));
  const extra = [...tensors.keys()].filter((name) => !names.has(name));
  if (extra.length > 0) {
    const all = extra.length === 1 ? '' : ` (${extra.length} unexpected tensors: ${listNames(extra)})`;
    fileError(file, `unexpected: ${source} has no such tensor${all}`, { tensor: extra[0]! });
  }
  for (const spec of expected) {
    const found = tensors.get(spec.name)!;
    if (!sameShape(found.shape, spec.shape)) {
      fileError(file, `expected ${formatShape(spec.shape)} from ${source}, found ${formatShape(found.shape)}`, { tensor: spec.name, field: 'shape' });
    }
    if (found.dtype !== dtype) fileError(file, `expected ${dtype} (the dtype in ${source}), found ${found.dtype}`, { tensor: spec.name, field: 'dtype' });
    const data = found.data as Float32Array | Float64Array;
    expectFinite(file, spec.name, data, 'the run that saved it diverged');
    out[spec.name] = data;
  }
  return out;
}

/**
 * Checks that every value of tensor `tensor` of `file` is finite; `why` ends the message (what a NaN means here).
 * @throws CheckpointError with field `values`, the first bad element's index and value.
 */
export function expectFinite(file: string, tensor: string, data: ArrayLike<number>, why: string): void {
  for (let i = 0; i < data.length; i++) {
    if (!Number.isFinite(data[i]!)) fileError(file, `element ${i} of ${data.length} is ${data[i]}; a checkpoint's values must be finite (${why})`, { tensor, field: 'values' });
  }
}

/** The first few names, quoted, for a message. */
function listNames(names: readonly string[]): string {
  const shown = names.slice(0, 5).map((name) => JSON.stringify(name));
  return names.length > shown.length ? `${shown.join(', ')}, …` : shown.join(', ');
}
