import { countParameters, createGPT, createTrainer, documentLoader, getPreset, memoryTokenSource, resolveConfig } from '@microgpt/model';
import { createJsBackend } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { estimateRun } from './estimate';

describe('estimateRun', () => {
  it('counts parameters exactly as the model package does', () => {
    const size = { nLayer: 2, nHead: 4, nEmbd: 32, blockSize: 24 };
    const estimate = estimateRun('shakespeare-cpu', size, 65, 4);
    expect(estimate.parameters).toBe(countParameters(resolveConfig({ ...getPreset('shakespeare-cpu').model, ...size, vocabSize: 65 })));
    expect(estimate.parameterBytes).toBe(16 * estimate.parameters);
  });

  it('answers at once for sizes far beyond memory (closed form, no per-layer work)', () => {
    const estimate = estimateRun('names', { nLayer: 1_000_000_000, nHead: 4, nEmbd: 16, blockSize: 16 }, 27, 8);
    expect(estimate.parameters).toBe(countParameters(resolveConfig({ ...getPreset('names').model, nLayer: 1_000_000_000, vocabSize: 27 })));
    expect(estimate.parameterBytes).toBe(16 * estimate.parameters);
    expect(estimate.activationBytes).toBeGreaterThan(1e9 * 8 * 16 * 4);
  });

  it.each([
    { preset: 'names', size: { nLayer: 1, nHead: 4, nEmbd: 16, blockSize: 16 }, B: 8 },
    { preset: 'shakespeare-cpu', size: { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 32 }, B: 6 },
  ] as const)('$preset: the bytes a real training step holds on the backend, exactly', async ({ preset, size, B }) => {
    const backend = createJsBackend();
    const V = 30;
    const config = resolveConfig({ ...getPreset(preset).model, ...size, vocabSize: V });
    const ids = Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? 0 : 1 + ((i * 13) % (V - 1))));
    const loader = documentLoader(memoryTokenSource(ids, V), { blockSize: size.blockSize, batchSize: B, seed: 1, valFraction: 0, bos: 0 });
    const model = createGPT(config, { seed: 1, dtype: 'float32', backend });
    const settings = { ...getPreset(preset).train, batchSize: B, dtype: 'float32' as const, optimizer: 'adam' as const, data: 'documents' as const, valFraction: 0 };
    const trainer = createTrainer({ model, settings, train: loader, val: null });
    await trainer.trainStep();
    const held = backend.memory().liveBytes;
    const estimate = estimateRun(preset, size, V, B);
    // Besides the backend's storages, the estimate counts the loader's host batch: x and y, B × blockSize int32 each.
    const hostBatch = 2 * 4 * B * size.blockSize;
    expect(estimate.parameterBytes + estimate.activationBytes - hostBatch).toBe(held);
    trainer.dispose();
  });

  it('names an impossible shape', () => {
    expect(() => estimateRun('names', { nLayer: 1, nHead: 3, nEmbd: 16, blockSize: 16 }, 27, 8)).toThrow(/nEmbd.*nHead|nHead.*nEmbd/);
  });
});
