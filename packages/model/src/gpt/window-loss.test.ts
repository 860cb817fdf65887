// windowLoss against PyTorch's losses in the GPT-2 fixture (one window covering a whole sequence) and against
// losses of the windows computed one by one (the windowing and weighting).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadHuggingFaceFolder } from '../hf/folder';
import { disposeGPT } from './model';
import { windowLoss } from './window-loss';

const FIXTURES = join(import.meta.dirname, '..', 'hf', 'fixtures');
const expected = JSON.parse(readFileSync(join(FIXTURES, 'gpt2-tiny-expected.json'), 'utf8')) as {
  sequences: { ids: number[] }[];
  runs: { folder: string; dtype: string; results: { loss: number | null }[] }[];
};

describe('windowLoss', () => {
  it('one window: PyTorch float64 loss of each fixture sequence within 1e-4', async () => {
    const { model } = await loadHuggingFaceFolder(join(FIXTURES, 'gpt2-tiny'), { dtype: 'float64', backend: 'js' });
    const run = expected.runs.find((r) => r.folder === 'gpt2-tiny' && r.dtype === 'float64')!;
    expected.sequences.forEach(({ ids }, j) => {
      if (ids.length < 2) {
        expect(() => windowLoss(model, ids)).toThrow('windowLoss: needs at least 2 tokens (one to read, one to predict), found 1');
        return;
      }
      const result = windowLoss(model, ids);
      expect(result).toMatchObject({ tokens: ids.length - 1, windows: 1, T: 64 });
      expect(Math.abs(result.loss - run.results[j]!.loss!)).toBeLessThanOrEqual(1e-4);
    });
    disposeGPT(model);
  });

  it('several windows: the token-weighted mean of each window read alone, the last one shorter', async () => {
    const { model } = await loadHuggingFaceFolder(join(FIXTURES, 'gpt2-tiny'), { dtype: 'float64', backend: 'js' });
    const ids = expected.sequences[3]!.ids; // 64 ids: 63 predictions
    const whole = windowLoss(model, ids, 10);
    expect(whole).toMatchObject({ tokens: 63, windows: 7, T: 10 });
    let sum = 0;
    for (let start = 0; start < 63; start += 10) {
      const piece = ids.slice(start, Math.min(start + 11, 64));
      sum += windowLoss(model, piece, 10).loss * (piece.length - 1);
    }
    expect(whole.loss).toBeCloseTo(sum / 63, 12);
    expect(() => windowLoss(model, ids, 65)).toThrow('windowLoss: T must be an integer in [1, 64], found 65');
    disposeGPT(model);
  });
});
