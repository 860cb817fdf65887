// What a run will cost before it starts: the parameter count and the memory of training in float32, both from
// the model package's estimate (the same tables that allocate the model, its trainer and its buffers). The worker
// computes it, so the page's bundle needs none of the model package's tensor code.
import { estimateMemory, getPreset, resolveConfig } from '@microgpt/model';
import type { ModelSize, PlaygroundPreset } from './protocol';

/** Parameters and bytes of a training run. */
export interface RunEstimate {
  readonly parameters: number;
  /** Weights, gradients and Adam's two moments. */
  readonly parameterBytes: number;
  /** Everything else a training step holds: activations and their gradients, logits, ids and batches. */
  readonly activationBytes: number;
}

/**
 * The size of a run of `preset` resized to `size`, with a vocabulary of `vocabSize` and batches of `batchSize`,
 * training in float32 with the preset's optimizer and clipping (see `estimateMemory`; closed form, so any size
 * answers at once).
 * @throws ModelError for an impossible shape (nEmbd not divisible by nHead, a non-positive size).
 */
export function estimateRun(preset: PlaygroundPreset, size: ModelSize, vocabSize: number, batchSize: number): RunEstimate {
  const { model, train } = getPreset(preset);
  const config = resolveConfig({ ...model, ...size, vocabSize });
  const estimate = estimateMemory(config, { dtype: 'float32', training: { batchSize, optimizer: train.optimizer, clip: train.clip > 0 } });
  const parameterBytes = estimate.parts.parameters + estimate.parts.gradients + estimate.parts.optimizer;
  return { parameters: estimate.parameters, parameterBytes, activationBytes: estimate.total - parameterBytes };
}
