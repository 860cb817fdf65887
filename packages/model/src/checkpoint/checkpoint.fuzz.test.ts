// Fuzzing checkpoint files: every file of a complete checkpoint damaged byte-wise (bit flips, overwritten runs,
// insertions, deletions, truncation), and its JSON (config.json, trainer_state.json, tokenizer.json, the
// safetensors headers and the optimizer state in model/optimizer.safetensors) edited to hostile values — wrong
// types, -1, 1e9, 2^53, huge strings, 100,000-deep nesting. Every case must load into a model with finite
// weights or throw a CheckpointError, within a hang bound and without allocating what the damage claims.
import { cleanOutcome, fuzzSettings, mutatedBytes, mutatedJsonText } from '@microgpt/fuzz';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { disposeGPT, parameterTensors } from '../gpt/model';
import { CHECKPOINT_FILES, checkpointFiles, readCheckpointFiles } from './bundle';
import { CheckpointError } from './errors';
import { fullParts } from './test-checkpoint';

const parts = await fullParts();
afterAll(() => {
  disposeGPT(parts.model);
});
const files = await checkpointFiles(parts);
const NAMES = Object.values(CHECKPOINT_FILES);
const JSON_FILES = [CHECKPOINT_FILES.config, CHECKPOINT_FILES.trainerState, CHECKPOINT_FILES.tokenizer];
const SAFETENSORS = [CHECKPOINT_FILES.model, CHECKPOINT_FILES.optimizer];

/** A case may take this long before it counts as a hang (generous: CI machines are shared). */
const HANG_MS = 5_000;
/** A case may grow the heap and array buffers by this much before it counts as an unchecked allocation. */
const MEMORY_BYTES = 256 * 1024 * 1024;

const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytesOf = (value: string): Uint8Array => new TextEncoder().encode(value);

/** A safetensors file as its header JSON and its data bytes. */
function splitSafetensors(bytes: Uint8Array): { header: unknown; data: Uint8Array } {
  const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
  return { header: JSON.parse(text(bytes.subarray(8, 8 + length))) as unknown, data: bytes.subarray(8 + length) };
}

/** A safetensors file with header text `header` (its length field correct) and `data`. */
function joinSafetensors(header: string, data: Uint8Array): Uint8Array {
  const head = bytesOf(header);
  const out = new Uint8Array(8 + head.length + data.length);
  new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
  out.set(head, 8);
  out.set(data, 8 + head.length);
  return out;
}

/** Loads the checkpoint `damaged` and checks the outcome: a model with finite weights, or a CheckpointError. */
function check(damaged: Record<string, Uint8Array>): void {
  const memory = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = memory();
  const start = performance.now();
  const outcome = cleanOutcome(() => readCheckpointFiles(damaged, { backend: 'js', requireTrainingState: true }), [CheckpointError]);
  expect(performance.now() - start).toBeLessThan(HANG_MS);
  expect(memory() - before).toBeLessThan(MEMORY_BYTES);
  if (!outcome.ok) {
    expect(outcome.error.message).toMatch(/^[\w.]+(\.json|\.safetensors)?: /);
    return;
  }
  for (const [name, tensor] of Object.entries(parameterTensors(outcome.value.model))) {
    expect(tensor.toArray().every(Number.isFinite), `${name} is finite`).toBe(true);
  }
  disposeGPT(outcome.value.model);
}

describe('checkpoint fuzz', () => {
  it('loads the undamaged checkpoint', () => {
    check({ ...files });
  });

  it('damaged bytes in any file: a model or a CheckpointError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...NAMES).chain((name) => mutatedBytes(files[name]!).map((bytes) => [name, bytes] as const)),
        ([name, bytes]) => {
          check({ ...files, [name]: bytes });
        },
      ),
      fuzzSettings(150),
    );
  });

  it('hostile values in the JSON files', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...JSON_FILES).chain((name) => mutatedJsonText(JSON.parse(text(files[name]!))).map((json) => [name, json] as const)),
        ([name, json]) => {
          check({ ...files, [name]: bytesOf(json) });
        },
      ),
      fuzzSettings(150),
    );
  });

  it('hostile values in the safetensors headers (dtypes, shapes, offsets, metadata)', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...SAFETENSORS).chain((name) => {
          const { header, data } = splitSafetensors(files[name]!);
          return mutatedJsonText(header).map((json) => [name, joinSafetensors(json, data)] as const);
        }),
        ([name, bytes]) => {
          check({ ...files, [name]: bytes });
        },
      ),
      fuzzSettings(150),
    );
  });

  it('hostile values in the optimizer state JSON inside optimizer.safetensors', () => {
    const { header, data } = splitSafetensors(files[CHECKPOINT_FILES.optimizer]!) as { header: { __metadata__: { optimizer: string } }; data: Uint8Array };
    fc.assert(
      fc.property(mutatedJsonText(JSON.parse(header.__metadata__.optimizer)), (state) => {
        const edited = { ...header, __metadata__: { ...header.__metadata__, optimizer: state } };
        check({ ...files, [CHECKPOINT_FILES.optimizer]: joinSafetensors(JSON.stringify(edited), data) });
      }),
      fuzzSettings(100),
    );
  });

  it('non-finite weights are refused, whichever tensor holds them', () => {
    const { header, data } = splitSafetensors(files[CHECKPOINT_FILES.model]!) as { header: Record<string, { data_offsets?: [number, number] }>; data: Uint8Array };
    const offsets = Object.values(header).flatMap((entry) => (entry.data_offsets ? [entry.data_offsets] : []));
    fc.assert(
      fc.property(fc.constantFrom(...offsets), fc.constantFrom(NaN, Infinity, -Infinity), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), ([start, end], value, at) => {
        const damaged = data.slice();
        const view = new DataView(damaged.buffer);
        view.setFloat32(start + 4 * Math.floor((at * (end - start)) / 4), value, true);
        const outcome = cleanOutcome(() => readCheckpointFiles({ ...files, [CHECKPOINT_FILES.model]: joinSafetensors(JSON.stringify(header), damaged) }, { backend: 'js' }), [CheckpointError]);
        expect(outcome.ok).toBe(false);
      }),
      fuzzSettings(40),
    );
  });
});
