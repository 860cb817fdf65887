// Test fixtures for checkpoint folders: a small model with a char tokenizer, an optimizer that has taken steps
// (one parameter left unstepped), and bit-level comparisons of parameters.
import { type Optimizer, adamw } from '@microgpt/autograd';
import { PythonRandom, type FloatDType, randn } from '@microgpt/tensor';
import { type Tokenizer, createCharTokenizer } from '@microgpt/tokenizer';
import type { GPTConfig } from '../config';
import { type GPT, createGPT, parameterTensors } from '../gpt/model';
import type { CheckpointParts } from './bundle';
import { CheckpointError } from './errors';

/** The config of the test models: 2 layers, affine layernorm with biases (every parameter kind). */
export const TEST_CONFIG: Partial<GPTConfig> & { vocabSize: number } = {
  vocabSize: 6,
  nLayer: 2,
  nHead: 2,
  nEmbd: 8,
  blockSize: 4,
  norm: 'layernorm',
  normAffine: true,
  bias: true,
  finalNorm: true,
};

/** A char tokenizer with `TEST_CONFIG.vocabSize` ids. */
export function testTokenizer(): Tokenizer {
  return createCharTokenizer(['a', 'b', 'c', 'd', 'e', 'f']);
}

/** A fresh test model on the js backend. */
export function testModel(dtype: FloatDType = 'float32', seed = 7): GPT {
  return createGPT(TEST_CONFIG, { seed, dtype, backend: 'js' });
}

/** Gives every parameter but `wpe` a random gradient (seeded), so `wpe` stays without optimizer state. */
export function setGradients(model: GPT, seed: number): void {
  const rng = new PythonRandom(seed);
  for (const [name, v] of Object.entries(model.params)) {
    v.grad?.dispose();
    v.grad = name === 'wpe' ? null : randn(v.shape, { rng, dtype: model.dtype, backend: model.backend });
  }
}

/** An AdamW optimizer over `model` after `steps` steps on seeded gradients. */
export function steppedOptimizer(model: GPT, steps = 2): Optimizer {
  const optimizer = adamw(model.params, { lr: 0.01, weightDecay: 0.1 });
  for (let i = 0; i < steps; i++) {
    setGradients(model, 100 + i);
    optimizer.step();
  }
  return optimizer;
}

/** Everything a checkpoint can hold, for a fresh test model of `dtype`. */
export async function fullParts(dtype: FloatDType = 'float32'): Promise<CheckpointParts & { optimizerHandle: Optimizer }> {
  const model = testModel(dtype);
  const optimizer = steppedOptimizer(model);
  return {
    model,
    tokenizer: testTokenizer().toJSON(),
    optimizer: await optimizer.state(),
    trainerState: { step: 2, note: 'test', history: { train: [[1, 2.5], [2, 2.25]], val: [] } },
    metadata: { run: 'unit-test' },
    optimizerHandle: optimizer,
  };
}

/** Each parameter's raw bytes, by name: equal bytes mean equal values bit for bit (NaN payloads and -0 too). */
export function parameterBytes(model: GPT): Record<string, number[]> {
  return Object.fromEntries(
    Object.entries(parameterTensors(model)).map(([name, t]) => {
      const data = t.toArray();
      return [name, Array.from(new Uint8Array(data.buffer, data.byteOffset, data.byteLength))];
    }),
  );
}

/** The CheckpointError that `run` throws. @throws {Error} when it throws nothing, or something else (kept as the cause). */
export function checkpointErrorOf(run: () => unknown): CheckpointError {
  try {
    run();
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw new Error(`expected a CheckpointError, got ${String(error)}`, { cause: error });
  }
  throw new Error('expected a CheckpointError, nothing was thrown');
}
