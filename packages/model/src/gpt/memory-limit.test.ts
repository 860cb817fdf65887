// The guards: work that cannot fit is refused before anything is allocated, with the estimate, its largest part
// and the limit in the message; work that fits is not.
import * as T from '@microgpt/tensor';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../config';
import { ModelError } from '../errors';
import { documentLoader } from '../data/loaders';
import { memoryTokenSource } from '../data/source';
import { generate } from '../generate/generate';
import { DEFAULT_TRAIN } from '../train/settings';
import { createTrainer } from '../train/trainer';
import { createSession } from './inference';
import { estimateMemory } from './memory-estimate';
import { MAX_ARRAY_ELEMENTS, MemoryLimitError, checkMemory, formatBytes } from './memory-limit';
import { createGPT, disposeGPT } from './model';

let wasm: T.WasmBackend;
beforeAll(async () => {
  wasm = await T.createWasmBackend({ threads: 1 });
});
afterAll(() => {
  wasm.dispose();
});

/** Runs `work`, expecting a MemoryLimitError, and checks that the backend holds what it held before. */
async function refused(backend: T.Backend, work: () => unknown): Promise<MemoryLimitError> {
  const before = backend.memory();
  let caught: unknown;
  try {
    await work();
  } catch (error) {
    caught = error;
  }
  expect(caught).toBeInstanceOf(MemoryLimitError);
  expect(caught).toBeInstanceOf(ModelError);
  expect(backend.memory().liveBytes).toBe(before.liveBytes);
  return caught as MemoryLimitError;
}

describe('formatBytes', () => {
  it('uses binary units with two or three significant digits', () => {
    expect([100, 1024, 1536, 5.6 * 2 ** 30, 512 * 2 ** 20, 4 * 2 ** 30 - 2 ** 20, 3.2e17].map(formatBytes)).toEqual(['100 bytes', '1 KiB', '1.5 KiB', '5.6 GiB', '512 MiB', '4 GiB', '284 PiB']);
  });
});

describe('checkMemory', () => {
  const config = resolveConfig({ vocabSize: 27, blockSize: 100_000_000 });
  const estimate = estimateMemory(config, { dtype: 'float32', training: { batchSize: 12, optimizer: 'adam', clip: false } });

  it("refuses what passes the backend's maxBytes, naming the estimate, its largest part and the limit", async () => {
    const error = await refused(wasm, () => {
      checkMemory(estimate, 'training', { backend: wasm });
    });
    expect(error.message).toBe(
      `memory: training needs about ${formatBytes(estimate.backendBytes)} (activations ${formatBytes(estimate.parts.activations)} for batch 12 × context 100,000,000 × 1 layer) but the wasm backend holds at most 4 GiB`,
    );
    expect([error.needed, error.limit, error.estimate]).toEqual([estimate.backendBytes, wasm.maxBytes, estimate]);
  });

  it('refuses what passes memoryLimit, in the words given for it', () => {
    const small = estimateMemory(resolveConfig({ vocabSize: 27 }), { dtype: 'float32', session: { sequences: 1000 } });
    expect(() => {
      checkMemory(small, 'sampling', { memoryLimit: 1000 });
    }).toThrow(/^memory: sampling needs about \d+(\.\d)? MiB \(activations .* for 1,000 sequences × context 16 × 1 layer\) but the memory limit is 1000 bytes$/);
    expect(() => {
      checkMemory(small, 'sampling', { memoryLimit: 1000, memoryLimitSource: 'this machine has 1000 bytes free' });
    }).toThrow(/but this machine has 1000 bytes free$/);
    expect(() => {
      checkMemory(small, 'sampling', { backend: wasm, memoryLimit: small.total });
    }).not.toThrow();
  });

  it('refuses an array longer than a typed array can be, even without a limit', () => {
    expect(() => {
      checkMemory(estimate, 'training', {});
    }).toThrow(/^memory: training needs an array of [\d,]+ elements \(activations, for batch 12 × context 100,000,000 × 1 layer\) but a typed array holds at most 4,294,967,296$/);
    expect(MAX_ARRAY_ELEMENTS).toBe(2 ** 32);
  });
});

describe('guards before allocating', () => {
  it('createGPT: a billion layers on wasm, and a width of 100,000 on js, are refused with nothing allocated', async () => {
    const deep = await refused(wasm, () => createGPT({ vocabSize: 27, nLayer: 1_000_000_000 }, { backend: wasm }));
    expect(deep.message).toMatch(/^memory: the model needs about 11 TiB \(parameters 11 TiB for 3,072,000,\d{3},\d{3} parameters\) but the wasm backend holds at most 4 GiB$/);
    const js = T.createJsBackend();
    const wide = await refused(js, () => createGPT({ vocabSize: 27, nEmbd: 100_000, nHead: 4 }, { backend: js }));
    expect(wide.message).toMatch(/^memory: the model needs an array of 120,00\d,\d{3},\d{3} elements \(parameters, for 120,00\d,\d{3},\d{3} parameters\) but a typed array holds at most 4,294,967,296$/);
    expect(() => createGPT({ vocabSize: 27 }, { backend: js, memoryLimit: 100 })).toThrow(/^memory: the model needs about 33 KiB .* but the memory limit is 100 bytes$/);
  });

  it('createTrainer: a batch of 100,000,000 is refused before the plan; a fitting one is planned', async () => {
    const model = createGPT({ vocabSize: 11, blockSize: 8 }, { backend: wasm });
    const ids = Array.from({ length: 400 }, (_, i) => (i % 7 === 0 ? 0 : 1 + (i % 10)));
    const loader = documentLoader(memoryTokenSource(ids, 11), { blockSize: 8, batchSize: 2, seed: 1, valFraction: 0, bos: 0 });
    const error = await refused(wasm, () => createTrainer({ model, settings: { ...DEFAULT_TRAIN, batchSize: 100_000_000 }, train: loader }));
    expect(error.message).toMatch(/^memory: training \(batch 100000000\) needs about [\d.]+ TiB \(activations [\d.]+ TiB for batch 100,000,000 × context 8 × 1 layer\) but the wasm backend holds at most 4 GiB$/);
    await refused(wasm, () => createTrainer({ model, settings: { ...DEFAULT_TRAIN, batchSize: 2 }, train: loader, memoryLimit: 10_000 }));
    createTrainer({ model, settings: { ...DEFAULT_TRAIN, batchSize: 2 }, train: loader }).dispose();
    disposeGPT(model);
  });

  it('createSession and beam search: 100,000 sequences of a 64-token context are refused on wasm', async () => {
    const model = createGPT({ vocabSize: 11, blockSize: 64, nEmbd: 32 }, { backend: wasm });
    const error = await refused(wasm, () => createSession(model, 100_000));
    expect(error.message).toMatch(/^memory: an inference session of 100000 sequences needs about [\d.]+ GiB \(activations [\d.]+ GiB for 100,000 sequences × context 64 × 1 layer\) but the wasm backend holds at most 4 GiB$/);
    await refused(wasm, () => generate(model, [0], { maxNewTokens: 4, beam: 100_000 }));
    expect((await generate(model, [0], { maxNewTokens: 4, beam: 3 })).ids).toHaveLength(4);
    disposeGPT(model);
  });
});
