// Fuzzing Hugging Face GPT-2 folders: the PyTorch-written fixture's files damaged byte-wise, and its config.json,
// tokenizer.json, tokenizer_config.json and safetensors header edited to hostile values (and the WordLevel
// tokenizer files of a char model's export). Every case must import a
// model with finite weights or throw a CheckpointError (or a MemoryLimitError for a config that claims a model
// too large to hold) whose message starts with the file's name, within a hang bound and without allocating what
// the damage claims.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanOutcome, fuzzSettings, mutatedBytes, mutatedJsonText } from '@microgpt/fuzz';
import fc from 'fast-check';
import { trainChar } from '@microgpt/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import { CheckpointError } from '../checkpoint/errors';
import { MemoryLimitError } from '../gpt/memory-limit';
import { createGPT, disposeGPT, parameterTensors } from '../gpt/model';
import { huggingFaceFiles } from './export';
import { readHuggingFaceFiles } from './import';

const DIR = join(import.meta.dirname, 'fixtures', 'gpt2-tiny');
const NAMES = ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json'];
const files: Record<string, Uint8Array> = Object.fromEntries(NAMES.map((name) => [name, new Uint8Array(readFileSync(join(DIR, name)))]));

/** A WordLevel folder: a char-tokenizer model exported by huggingFaceFiles. */
const charTokenizer = trainChar('to be, or not to be:\nthat is the question.\n', { bos: true, unk: true });
const charModel = createGPT({ vocabSize: charTokenizer.vocabSize, nLayer: 1, nHead: 2, nEmbd: 8, blockSize: 8, norm: 'layernorm', normAffine: true, bias: true, embedNorm: false, finalNorm: true }, { seed: 2, backend: 'js' });
const wordLevel = huggingFaceFiles({ model: charModel, tokenizer: charTokenizer.toJSON() });
afterAll(() => {
  disposeGPT(charModel);
});

const HANG_MS = 5_000;
const MEMORY_BYTES = 256 * 1024 * 1024;
const text = (bytes: Uint8Array): string => new TextDecoder().decode(bytes);
const bytesOf = (value: string): Uint8Array => new TextEncoder().encode(value);

function check(damaged: Record<string, Uint8Array>): void {
  const memory = (): number => process.memoryUsage().heapUsed + process.memoryUsage().arrayBuffers;
  const before = memory();
  const start = performance.now();
  const outcome = cleanOutcome(() => readHuggingFaceFiles(damaged, { backend: 'js' }), [CheckpointError, MemoryLimitError]);
  expect(performance.now() - start).toBeLessThan(HANG_MS);
  expect(memory() - before).toBeLessThan(MEMORY_BYTES);
  if (!outcome.ok) {
    if (outcome.error instanceof CheckpointError) expect(outcome.error.message).toMatch(/^(config\.json|model\.safetensors|tokenizer\.json|tokenizer_config\.json): /);
    return;
  }
  for (const [name, tensor] of Object.entries(parameterTensors(outcome.value.model))) expect(tensor.toArray().every(Number.isFinite), `${name} is finite`).toBe(true);
  disposeGPT(outcome.value.model);
}

describe('readHuggingFaceFiles on damaged folders', () => {
  it.each(NAMES)('%s damaged byte-wise', (name) => {
    fc.assert(
      fc.property(mutatedBytes(files[name]!), (bytes) => {
        check({ ...files, [name]: bytes });
      }),
      fuzzSettings(40),
    );
  });

  it.each(['config.json', 'tokenizer.json', 'tokenizer_config.json'])('%s edited to hostile JSON', (name) => {
    fc.assert(
      fc.property(mutatedJsonText(JSON.parse(text(files[name]!))), (json) => {
        check({ ...files, [name]: bytesOf(json) });
      }),
      fuzzSettings(60),
    );
  });

  it.each(['tokenizer.json', 'tokenizer_config.json'])('a WordLevel %s edited to hostile JSON', (name) => {
    fc.assert(
      fc.property(mutatedJsonText(JSON.parse(text(wordLevel[name]!))), (json) => {
        check({ ...wordLevel, [name]: bytesOf(json) });
      }),
      fuzzSettings(60),
    );
  });

  it('model.safetensors with a hostile header', () => {
    const bytes = files['model.safetensors']!;
    const length = Number(new DataView(bytes.buffer, bytes.byteOffset).getBigUint64(0, true));
    const header = JSON.parse(text(bytes.subarray(8, 8 + length))) as unknown;
    const data = bytes.subarray(8 + length);
    fc.assert(
      fc.property(mutatedJsonText(header), (json) => {
        const head = bytesOf(json);
        const out = new Uint8Array(8 + head.length + data.length);
        new DataView(out.buffer).setBigUint64(0, BigInt(head.length), true);
        out.set(head, 8);
        out.set(data, 8 + head.length);
        check({ ...files, 'model.safetensors': out });
      }),
      fuzzSettings(60),
    );
  });
});
