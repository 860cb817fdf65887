// A model trained a few steps here, exported, then loaded by python/microgpt_torch (PyTorch code following HF's
// GPT-2, which we did not write in TypeScript): its float64 logits and losses match ours within 1e-4. Needs
// PyTorch (torchPython fails naming what to install; it never skips).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PYTHON_PACKAGE_DIR, torchPython } from '@microgpt/test-data';
import { type Tokenizer, trainBpe, trainChar } from '@microgpt/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import type { GPTConfig } from '../config';
import { forwardLogits } from '../gpt/inference';
import { createGPT, disposeGPT } from '../gpt/model';
import { DEFAULT_TRAIN } from '../train/settings';
import { randomWindows } from '../train/test-windows';
import { createTrainer } from '../train/trainer';
import { saveHuggingFaceFolder } from './folder';

const TEXT = 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n\nFirst Citizen:\nYou are all resolved rather to die than to famish?\n'.repeat(3);

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

interface TorchLogits {
  sequences: { shape: [number, number]; logits: string; loss: number | null }[];
}

function torchLogits(dir: string, sequences: number[][]): TorchLogits {
  const out = execFileSync(torchPython(), ['-m', 'microgpt_torch.logits', '--model', dir, '--sequences', JSON.stringify(sequences), '--dtype', 'float64'], {
    cwd: PYTHON_PACKAGE_DIR,
    env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' },
    encoding: 'utf8',
  });
  return JSON.parse(out) as TorchLogits;
}

function meanLoss(logits: Float64Array, ids: readonly number[], V: number): number {
  let sum = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const max = Math.max(...row);
    sum += max + Math.log(row.reduce((z, x) => z + Math.exp(x - max), 0)) - row[ids[t + 1]!]!;
  }
  return sum / (ids.length - 1);
}

const CASES: [string, Tokenizer, Partial<GPTConfig>][] = [
  ['bpe, tied head, gelu_new', trainBpe(TEXT, { vocabSize: 280, pattern: 'gpt2', specialTokens: ['<|endoftext|>'] }), { activation: 'gelu_tanh', tiedHead: true }],
  ['char, untied head, erf gelu, no biases (zero-bias mapping)', trainChar(TEXT, { bos: true }), { activation: 'gelu', tiedHead: false, bias: false, mlpRatio: 2 }],
];

describe('export → PyTorch GPT-2 (python/microgpt_torch)', () => {
  it.each(CASES)('%s: logits and losses within 1e-4 of ours after 4 training steps', async (_, tokenizer, overrides) => {
    const config = { vocabSize: tokenizer.vocabSize, nLayer: 2, nHead: 2, nEmbd: 16, blockSize: 32, norm: 'layernorm' as const, normAffine: true, bias: true, embedNorm: false, finalNorm: true, initStd: 0.1, ...overrides };
    const model = createGPT(config, { seed: 11, dtype: 'float32', backend: 'js' });
    const ids = tokenizer.encode(TEXT);
    const settings = { ...DEFAULT_TRAIN, steps: 4, batchSize: 2, optimizer: 'adamw' as const, lr: 3e-2, dtype: 'float32' as const };
    const trainer = createTrainer({ model, settings, train: randomWindows(ids, 2, 16, 3) });
    const losses = Array.from({ length: 4 }, () => trainer.trainStep().loss);
    trainer.dispose();
    expect(losses[3]).toBeLessThan(losses[0]!);
    const dir = mkdtempSync(join(tmpdir(), 'microgpt-hf-torch-'));
    dirs.push(dir);
    await saveHuggingFaceFolder(join(dir, 'hf'), { model, tokenizer: tokenizer.toJSON() });
    const sequences = [ids.slice(0, 1), ids.slice(5, 12), ids.slice(20, 52)];
    const torch = torchLogits(join(dir, 'hf'), sequences);
    const V = tokenizer.vocabSize;
    sequences.forEach((sequence, j) => {
      const ours = forwardLogits(model, sequence, 1, sequence.length);
      const result = torch.sequences[j]!;
      expect(result.shape).toEqual([sequence.length, V]);
      const bytes = Buffer.from(result.logits, 'base64');
      const theirs = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      let worst = 0;
      for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
      expect(worst).toBeLessThanOrEqual(1e-4);
      if (sequence.length === 1) expect(result.loss).toBeNull();
      else expect(Math.abs(meanLoss(ours, sequence, V) - result.loss!)).toBeLessThanOrEqual(1e-4);
    });
    disposeGPT(model);
  });
});
