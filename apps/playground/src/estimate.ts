// What a run will cost before it starts: the parameter count (exact, from the model package) and the memory of
// training in float32 (an estimate from the shapes of the buffers the model package plans for a step). The worker
// computes it, so the page's bundle needs none of the model package's tensor code.
import { type GPTConfig, countParameters, getPreset, mlpHidden, resolveConfig } from '@microgpt/model';
import type { ModelSize, PlaygroundPreset } from './protocol';

/** Parameters and bytes of a training run. */
export interface RunEstimate {
  readonly parameters: number;
  /** Weights, gradients and Adam's two moments: 4 float32 per parameter. */
  readonly parameterBytes: number;
  /** Activations and their gradients for one (batch, blockSize) step. */
  readonly activationBytes: number;
}

/**
 * The float32 values a training step of (B, T) keeps: per layer its norms, q/k/v, attention probabilities
 * (B, nHead, T, T), projections, MLP and residuals; one layer's gradient buffers (layers reuse them); the
 * embeddings, logits and probabilities with their gradients.
 */
function activationFloats(config: GPTConfig, B: number): number {
  const T = config.blockSize;
  const N = B * T;
  const C = config.nEmbd;
  const F = mlpHidden(config);
  const V = config.vocabSize;
  const perLayer = N * (10 * C + 2 * F + 4) + B * config.nHead * T * T;
  return config.nLayer * perLayer + N * (5 * C + 2 * F) + N * (3 * V + 6 * C + 6);
}

/**
 * The size of a run of `preset` resized to `size`, with a vocabulary of `vocabSize` and batches of `batchSize`.
 * @throws ModelError for an impossible shape (nEmbd not divisible by nHead, a non-positive size).
 */
export function estimateRun(preset: PlaygroundPreset, size: ModelSize, vocabSize: number, batchSize: number): RunEstimate {
  const config = resolveConfig({ ...getPreset(preset).model, ...size, vocabSize });
  const parameters = countParameters(config);
  return { parameters, parameterBytes: 16 * parameters, activationBytes: 4 * activationFloats(config, batchSize) };
}
