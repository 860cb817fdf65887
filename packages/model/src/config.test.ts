import { describe, expect, it } from 'vitest';
import { DEFAULT_CONFIG, resolveConfig } from './config';
import { countParameters, parameterSpecs } from './gpt/params';
import { PRESETS, getPreset } from './presets';
import { DEFAULT_TRAIN, validateTrainSettings } from './train/settings';

describe('GPTConfig', () => {
  it('defaults to microgpt.py: 4,192 parameters for its 27-token vocabulary', () => {
    const config = resolveConfig({ vocabSize: 27 });
    expect(config).toEqual({ ...DEFAULT_CONFIG, vocabSize: 27 });
    expect(countParameters(config)).toBe(4192);
    expect(parameterSpecs(config).map((s) => s.name)).toEqual([
      'wte', 'wpe', 'lm_head', 'h.0.attn.q.weight', 'h.0.attn.k.weight', 'h.0.attn.v.weight', 'h.0.attn.o.weight', 'h.0.mlp.fc1.weight', 'h.0.mlp.fc2.weight',
    ]);
  });
  it('has the GPT-2 124M parameter count for the gpt2 preset', () => {
    const gpt2 = getPreset('gpt2');
    // GPT-2 small: 124,439,808 parameters with its tied head (the HF count).
    expect(countParameters(resolveConfig({ ...gpt2.model, vocabSize: gpt2.vocabSize! }))).toBe(124439808);
  });
  it('rejects impossible values with the field, the value and what was expected', () => {
    expect(() => resolveConfig({ vocabSize: 27, nEmbd: 10, nHead: 4 })).toThrow('config: nEmbd (10) must be divisible by nHead (4); try nHead 2 or 5');
    expect(() => resolveConfig({ vocabSize: 0 })).toThrow('config: vocabSize must be a positive integer, found 0');
    expect(() => resolveConfig({ vocabSize: 5, blockSize: 2.5 })).toThrow('blockSize must be a positive integer, found 2.5');
    expect(() => resolveConfig({ vocabSize: 5, mlpRatio: 1.3 })).toThrow(/mlpRatio must be a positive number with mlpRatio × nEmbd \(16\) a whole number/);
    expect(() => resolveConfig({ vocabSize: 5, dropout: 1 })).toThrow(/dropout must be a number in \[0, 1\)/);
    expect(() => resolveConfig({ vocabSize: 5, norm: 'batchnorm' as never })).toThrow(/norm must be 'rmsnorm' or 'layernorm', found "batchnorm"/);
    expect(() => resolveConfig({ vocabSize: 5, nLayers: 2 } as never)).toThrow(/unknown field 'nLayers'/);
  });
  it('suggests head counts for a huge width by trying divisors up to its square root, not all of them', () => {
    // 999,999,999,989 is prime: its only divisors are 1 and itself (a million tries, not a trillion).
    expect(() => resolveConfig({ vocabSize: 27, nEmbd: 999_999_999_989, nHead: 4 })).toThrow('config: nEmbd (999999999989) must be divisible by nHead (4); try nHead 1 or 999999999989');
    expect(() => resolveConfig({ vocabSize: 27, nEmbd: 36, nHead: 5 })).toThrow('try nHead 4 or 6');
  });
  it('presets are valid and named as the issue lists them', () => {
    expect(Object.keys(PRESETS)).toEqual(['microgpt', 'names', 'shakespeare-cpu', 'shakespeare-char', 'gpt2']);
    for (const preset of Object.values(PRESETS)) {
      resolveConfig({ ...preset.model, vocabSize: preset.vocabSize ?? 65 });
      validateTrainSettings(preset.train);
    }
    const cpu = getPreset('shakespeare-cpu');
    expect([cpu.model.nLayer, cpu.model.nHead, cpu.model.nEmbd, cpu.model.blockSize, cpu.train.batchSize]).toEqual([4, 4, 128, 64, 12]);
    expect([cpu.train.lr, cpu.train.minLr, cpu.train.steps, cpu.train.warmupSteps, cpu.train.beta2, cpu.train.weightDecay, cpu.train.clip]).toEqual([1e-3, 1e-4, 2000, 100, 0.99, 0.1, 1]);
    expect(() => getPreset('tiny')).toThrow("unknown preset 'tiny'; presets: microgpt, names, shakespeare-cpu, shakespeare-char, gpt2");
    expect(() => { validateTrainSettings({ ...DEFAULT_TRAIN, schedule: 'cosine', warmupSteps: 1000 }); }).toThrow(/warmupSteps must be less than steps/);
  });
});
