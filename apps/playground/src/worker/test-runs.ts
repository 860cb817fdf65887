// The RunSpec the worker's tests start from: the names preset on a given list, a char tokenizer, microgpt.py's
// model size (1 layer, 4 heads of 4), one thread; each test overrides only what it is about.
import type { RunSpec } from '../protocol';

/** A names run over `text` (one name a line), with `overrides` over the defaults. */
export function namesRun(text: string, overrides: Partial<RunSpec> = {}): RunSpec {
  return {
    preset: 'names',
    data: { text, documents: true, source: 'names' },
    tokenizer: { kind: 'char' },
    model: { nLayer: 1, nHead: 4, nEmbd: 16, blockSize: 16 },
    lr: 0.01,
    batchSize: 8,
    steps: 150,
    threads: 1,
    sampleEvery: 50,
    seed: 42,
    ...overrides,
  };
}
