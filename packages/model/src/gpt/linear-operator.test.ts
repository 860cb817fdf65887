import { type Tensor, matmul, startBackend, tensor } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { createTrainer } from '../train/trainer';
import { DEFAULT_TRAIN } from '../train/settings';
import { generate } from '../generate/generate';
import { forwardLogits } from './inference';
import { type LinearOperator, linearLayers, withLinearOperators } from './linear-operator';
import { type GPT, createGPT } from './model';

const config = { vocabSize: 11, nLayer: 2, nEmbd: 8, nHead: 2, blockSize: 6, bias: true, finalNorm: true, tiedHead: true };

/** An operator computing inp · (scale · W)ᵀ through the op layer, counting its calls. */
function scaledOperator(weight: Tensor, scale: number, calls: Map<string, number>, name: string): LinearOperator {
  const [OC, IC] = weight.shape as [number, number];
  return {
    inFeatures: IC,
    outFeatures: OC,
    forward(inp, out) {
      calls.set(name, (calls.get(name) ?? 0) + 1);
      const product = matmul(inp.reshape([inp.size / IC, IC]), weight, { transB: true });
      const values = product.toArray() as Float64Array;
      out.backend.write(out.storage, out.offset, values.map((v) => v * scale));
      product.dispose();
    },
  };
}

/** The weight matrix a layer name stands for. */
function layerWeight(model: GPT, name: string): Tensor {
  const p = model.params;
  if (name === 'head') return p.wte!.value;
  const qkv = /^h\.(\d+)\.attn\.qkv$/.exec(name);
  if (qkv) {
    const [q, k, v] = ['q', 'k', 'v'].map((m) => p[`h.${qkv[1]!}.attn.${m}.weight`]!.value.toArray() as Float64Array);
    const C = config.nEmbd;
    return tensor(Float64Array.from([...q!, ...k!, ...v!]), { shape: [3 * C, C], dtype: 'float64', backend: model.backend });
  }
  return p[`${name}.weight`]!.value;
}

describe('linear operators', () => {
  it('replace every weight product in inference passes (forward, KV-cache generation)', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 3, dtype: 'float64', backend });
    const calls = new Map<string, number>();
    const names = Object.keys(linearLayers(model.config));
    expect(names).toEqual(['h.0.attn.qkv', 'h.0.attn.o', 'h.0.mlp.fc1', 'h.0.mlp.fc2', 'h.1.attn.qkv', 'h.1.attn.o', 'h.1.mlp.fc1', 'h.1.mlp.fc2', 'head']);
    const identical = withLinearOperators(model, Object.fromEntries(names.map((n) => [n, scaledOperator(layerWeight(model, n), 1, calls, n)])));
    const ids = [1, 2, 3, 4, 5, 6];
    const reference = await forwardLogits(model, ids, 1, 6);
    const replaced = await forwardLogits(identical, ids, 1, 6);
    for (let i = 0; i < reference.length; i++) expect(replaced[i]).toBeCloseTo(reference[i]!, 12);
    for (const name of names) expect(calls.get(name)).toBe(1);
    // The operator really is used: scaling the head changes the logits by exactly that factor.
    const doubled = withLinearOperators(model, { head: scaledOperator(layerWeight(model, 'head'), 2, calls, 'head') });
    const twice = await forwardLogits(doubled, ids, 1, 6);
    for (let i = 0; i < reference.length; i++) expect(twice[i]).toBeCloseTo(2 * reference[i]!, 12);
    const a = await generate(model, [1], { maxNewTokens: 5, temperature: 0 });
    const b = await generate(identical, [1], { maxNewTokens: 5, temperature: 0 });
    expect(b.ids).toEqual(a.ids);
  });

  it('refuses unknown layers, wrong shapes, and training', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 3, dtype: 'float64', backend });
    const op = (outFeatures: number, inFeatures: number): LinearOperator => ({ inFeatures, outFeatures, forward: () => undefined });
    expect(() => withLinearOperators(model, { 'h.0.attn.q': op(8, 8) })).toThrow("linear operators: no layer 'h.0.attn.q'; layers: h.0.attn.qkv");
    expect(() => withLinearOperators(model, { 'h.0.mlp.fc1': op(8, 32) })).toThrow("linear operators: 'h.0.mlp.fc1' is (32, 8) but its operator is (8, 32)");
    const replaced = withLinearOperators(model, { 'h.0.attn.o': op(8, 8) });
    const train = { next: () => ({ x: new Int32Array(6), y: new Int32Array(6), B: 1, T: 6 }), state: () => 0, restore: () => undefined };
    await expect(createTrainer({ model: replaced, settings: { ...DEFAULT_TRAIN, steps: 1 }, train }).trainStep()).rejects.toThrow('runs inference only; train the float model');
  });
});
