// Whole-model quantization: the quantized layers compute what the decoded weights compute, the errors are the
// matrices' errors, and generation works through the normal model API.
import { createGPT, forwardLogits, generate, parameterSpecs } from '@microgpt/model';
import { startBackend } from '@microgpt/tensor';
import { describe, expect, it } from 'vitest';
import { dequantizeMatrix } from './matrix';
import { type Scheme, quantizeModel, quantizedNames } from './model';

const config = { vocabSize: 40, nLayer: 2, nEmbd: 64, nHead: 4, blockSize: 16, norm: 'layernorm' as const, normAffine: true, finalNorm: true, activation: 'gelu', tiedHead: true, bias: true };
const ids = Array.from({ length: 2 * 16 }, (_, i) => (i * 7 + 3) % 40);

describe.each(['js', 'wasm'])('quantizeModel on %s', (backendName) => {
  it.each<[Scheme, 'float' | 'int16']>([
    ['int8', 'float'],
    ['int8', 'int16'],
    ['int8-asym', 'float'],
    ['int4', 'float'],
    ['int4', 'int16'],
    ['int4-asym', 'int16'],
  ])('%s with %s activations: quantized layers match the decoded weights run as float matmuls', async (scheme, activations) => {
    const backend = await startBackend(backendName);
    const model = createGPT(config, { seed: 1, dtype: 'float32', backend });
    const q = await quantizeModel(model, { scheme, activations });
    expect(Object.keys(q.matrices)).toEqual(quantizedNames(model, true));
    expect(Object.keys(q.model.linears ?? {})).toEqual(['h.0.attn.qkv', 'h.0.attn.o', 'h.0.mlp.fc1', 'h.0.mlp.fc2', 'h.1.attn.qkv', 'h.1.attn.o', 'h.1.mlp.fc1', 'h.1.mlp.fc2', 'head']);
    // The parameters hold the decoded weights, so the same model without operators is the float reference.
    for (const [name, m] of Object.entries(q.matrices)) {
      const p = q.model.params[name]!.value;
      expect(backend.readSync!(p.storage, p.offset, p.size)).toEqual(dequantizeMatrix(m));
    }
    const floatReference = { ...q.model, linears: undefined };
    const expected = await forwardLogits(floatReference, ids, 2, 16);
    const got = await forwardLogits(q.model, ids, 2, 16);
    let worst = 0;
    for (let i = 0; i < got.length; i++) worst = Math.max(worst, Math.abs(got[i]! - expected[i]!));
    // float: only float32 summation order differs; int16: activations rounded to about 1/65280 of their row's range.
    expect(worst).toBeLessThan(activations === 'float' ? 1e-4 : 5e-3);
    const sample = await generate(q.model, [1], { maxNewTokens: 20, temperature: 0 });
    expect(sample.ids).toHaveLength(20);
    q.dispose();
  });
});

describe('quantizeModel', () => {
  it('reports each quantized tensor’s error, and keeps norms and biases exact', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 2, dtype: 'float32', backend });
    const q = await quantizeModel(model, { scheme: 'int8' });
    for (const [name, e] of Object.entries(q.errors)) {
      const scale = Math.max(...Array.from(backend.readSync!(model.params[name]!.value.storage, model.params[name]!.value.offset, model.params[name]!.value.size), Math.abs)) / 127;
      expect(e.maxAbs).toBeLessThanOrEqual(scale / 2 + 1e-7);
      expect(e.meanAbs).toBeGreaterThan(0);
    }
    for (const spec of parameterSpecs(model.config).filter((s) => s.shape.length === 1)) {
      const a = model.params[spec.name]!.value;
      const b = q.model.params[spec.name]!.value;
      expect(backend.readSync!(b.storage, b.offset, b.size)).toEqual(backend.readSync!(a.storage, a.offset, a.size));
    }
  });

  it('--no-embeddings keeps wte and wpe in float32 (and a tied head as a float matmul)', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 2, dtype: 'float32', backend });
    const q = await quantizeModel(model, { scheme: 'int4', embeddings: false });
    expect(Object.keys(q.matrices)).not.toContain('wte');
    expect(Object.keys(q.model.linears ?? {})).not.toContain('head');
  });

  it('fp16 and bf16 round every parameter and replace no layer', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 3, dtype: 'float64', backend });
    for (const scheme of ['fp16', 'bf16'] as const) {
      const q = await quantizeModel(model, { scheme });
      expect(q.model.linears).toBeUndefined();
      expect(q.model.dtype).toBe('float32');
      const relative = scheme === 'fp16' ? 2 ** -11 : 2 ** -8;
      for (const [name, e] of Object.entries(q.errors)) {
        const v = model.params[name]!.value;
        const amax = Math.max(...Array.from(backend.readSync!(v.storage, v.offset, v.size), Math.abs));
        expect(e.maxAbs).toBeLessThanOrEqual(amax * relative);
      }
    }
  });

  it('refuses NaN weights by name, and options that do not apply', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 3, dtype: 'float32', backend });
    const w = model.params['h.1.mlp.fc2.weight']!.value;
    backend.write(w.storage, w.offset + 5 * 256 + 9, new Float32Array([NaN]));
    await expect(quantizeModel(model, { scheme: 'int8' })).rejects.toThrow('h.1.mlp.fc2.weight: value at row 5, column 9 is NaN');
    await expect(quantizeModel(model, { scheme: 'int4', perTensor: true })).rejects.toThrow('perTensor applies to int8 and int8-asym, not int4');
    await expect(quantizeModel(model, { scheme: 'int3' as Scheme })).rejects.toThrow("unknown scheme 'int3'");
  });

  it('refuses fp16 for a weight beyond its range (it would be an infinity), and bf16 keeps it', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 3, dtype: 'float32', backend });
    const w = model.params['h.0.attn.o.weight']!.value;
    backend.write(w.storage, w.offset + 7, new Float32Array([1e5]));
    await expect(quantizeModel(model, { scheme: 'fp16' })).rejects.toThrow("quantizeModel: h.0.attn.o.weight[7] = 100000 is beyond fp16's range (±65504); use bf16");
    const bf16 = await quantizeModel(model, { scheme: 'bf16' });
    expect(bf16.errors['h.0.attn.o.weight']!.maxAbs).toBeLessThan(1e5 / 128);
  });
});
