// A linear layer's weight product can be replaced for inference: @microgpt/quant puts quantized matmuls there,
// and a new package could put anything else (a sparse or low-rank product) without the model knowing.
import type { Tensor } from '@microgpt/tensor';
import type { GPTConfig } from '../config';
import { ModelError } from '../errors';
import type { GPT } from './model';

/**
 * Computes out (1, N, OC) = inp (1, N, IC) · Wᵀ for one linear layer, overwriting out (the layer's bias, if any,
 * is added after). inp and out are contiguous float tensors of the model's dtype on its backend; N varies per
 * call (a prompt, one token, a batch).
 */
export interface LinearOperator {
  /** IC */
  readonly inFeatures: number;
  /** OC */
  readonly outFeatures: number;
  /** Overwrites `out` (N, OC) with the layer applied to `inp` (N, IC). */
  forward(inp: Tensor, out: Tensor): void;
}

/**
 * The linear layers an operator can replace, with their (OC, IC): per block `h.{i}.attn.qkv` (q, k and v as
 * one (3C, C) matrix: wq, wk, wv stacked), `h.{i}.attn.o`, `h.{i}.mlp.fc1`, `h.{i}.mlp.fc2`; and `head` (the
 * output projection: `lm_head`, or `wte` when the head is tied).
 */
export function linearLayers(config: GPTConfig): Record<string, readonly [number, number]> {
  const C = config.nEmbd;
  const H = C * config.mlpRatio;
  const layers: Record<string, readonly [number, number]> = {};
  for (let i = 0; i < config.nLayer; i++) {
    layers[`h.${i}.attn.qkv`] = [3 * C, C];
    layers[`h.${i}.attn.o`] = [C, C];
    layers[`h.${i}.mlp.fc1`] = [H, C];
    layers[`h.${i}.mlp.fc2`] = [C, H];
  }
  layers.head = [config.vocabSize, C];
  return layers;
}

/**
 * `model` with its weight products replaced by `operators` (by {@link linearLayers} name) in inference passes;
 * the parameters stay as they are (embeddings, norms and biases keep using them). Training such a model is
 * refused: train the float model, then replace.
 * @throws {ModelError} for an unknown layer name or an operator whose shape does not match the layer's.
 */
export function withLinearOperators(model: GPT, operators: Readonly<Record<string, LinearOperator>>): GPT {
  const layers = linearLayers(model.config);
  for (const [name, op] of Object.entries(operators)) {
    const shape = layers[name];
    if (!shape) throw new ModelError(`linear operators: no layer '${name}'; layers: ${Object.keys(layers).join(', ')}`);
    if (op.outFeatures !== shape[0] || op.inFeatures !== shape[1]) {
      throw new ModelError(`linear operators: '${name}' is (${shape[0]}, ${shape[1]}) but its operator is (${op.outFeatures}, ${op.inFeatures})`);
    }
  }
  return { ...model, linears: { ...(model.linears ?? {}), ...operators } };
}
