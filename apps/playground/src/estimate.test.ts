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

  it.each([
    { preset: 'names', size: { nLayer: 1, nHead: 4, nEmbd: 16, blockSize: 16 }, B: 8 },
    { preset: 'shakespeare-cpu', size: { nLayer: 2, nHead: 4, nEmbd: 64, blockSize: 32 }, B: 6 },
  ] as const)('$preset: within 15% of the bytes a real training step holds', ({ preset, size, B }) => {
    const backend = createJsBackend();
    const V = 30;
    const config = resolveConfig({ ...getPreset(preset).model, ...size, vocabSize: V });
    const ids = Array.from({ length: 4000 }, (_, i) => (i % 7 === 0 ? 0 : 1 + ((i * 13) % (V - 1))));
    const loader = documentLoader(memoryTokenSource(ids, V), { blockSize: size.blockSize, batchSize: B, seed: 1, valFraction: 0, bos: 0 });
    const model = createGPT(config, { seed: 1, dtype: 'float32', backend });
    const settings = { ...getPreset(preset).train, batchSize: B, dtype: 'float32' as const, optimizer: 'adam' as const, data: 'documents' as const, valFraction: 0 };
    const trainer = createTrainer({ model, settings, train: loader, val: null });
    trainer.trainStep();
    const held = backend.memory().liveBytes;
    const estimate = estimateRun(preset, size, V, B);
    const estimated = estimate.parameterBytes + estimate.activationBytes;
    expect(estimated / held).toBeGreaterThan(0.85);
    expect(estimated / held).toBeLessThan(1.15);
    trainer.dispose();
  });

  it('names an impossible shape', () => {
    expect(() => estimateRun('names', { nLayer: 1, nHead: 3, nEmbd: 16, blockSize: 16 }, 27, 8)).toThrow(/nEmbd.*nHead|nHead.*nEmbd/);
  });
});
