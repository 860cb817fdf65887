// Quantized checkpoints: round trip in memory and through a folder, sizes, and every loading error.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CheckpointError, createGPT, decodeSafetensors, encodeSafetensors, forwardLogits, loadCheckpoint } from '@microgpt/model/node';
import { startBackend } from '@microgpt/tensor';
import { trainChar } from '@microgpt/tokenizer';
import { afterAll, describe, expect, it } from 'vitest';
import { quantizedCheckpointFiles, readQuantizedCheckpointFiles } from './checkpoint';
import { isQuantizedCheckpoint, loadQuantizedCheckpoint, saveQuantizedCheckpoint } from './folder';
import { SCHEMES, quantizeModel } from './model';

const tokenizer = trainChar('abcdefghijklmnopqrstuvwxyz .,\n');
const config = { vocabSize: tokenizer.vocabSize, nLayer: 2, nEmbd: 64, nHead: 4, blockSize: 16, tiedHead: false };
const ids = Array.from({ length: 16 }, (_, i) => (i * 5) % tokenizer.vocabSize);
const dir = mkdtempSync(join(tmpdir(), 'microgpt-quant-'));
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('quantized checkpoints', () => {
  it.each(SCHEMES)('%s: files → model gives the same logits, and the weights file shrinks', async (scheme) => {
    const backend = await startBackend('wasm');
    const model = createGPT(config, { seed: 4, dtype: 'float32', backend });
    const q = await quantizeModel(model, { scheme });
    const files = await quantizedCheckpointFiles({ quantized: q, tokenizer: tokenizer.toJSON(), metadata: { data: 'names' } });
    const back = readQuantizedCheckpointFiles(files, { backend });
    expect(back.metadata).toEqual({ data: 'names' });
    expect(back.quantized.settings).toEqual(q.settings);
    expect(await forwardLogits(back.quantized.model, ids, 1, 16)).toEqual(await forwardLogits(q.model, ids, 1, 16));
    const floatBytes = 4 * Object.values(model.params).reduce((n, p) => n + p.value.size, 0);
    const ratio = files['model.safetensors']!.length / floatBytes;
    const limit = { int8: 0.28, 'int8-asym': 0.28, int4: 0.16, 'int4-asym': 0.19, fp16: 0.51, bf16: 0.51 }[scheme];
    expect(ratio).toBeLessThan(limit);
  });

  it('a folder round trip; loadCheckpoint refuses it by name, and isQuantizedCheckpoint tells them apart', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 5, dtype: 'float32', backend });
    const q = await quantizeModel(model, { scheme: 'int8' });
    const folder = join(dir, 'int8');
    await saveQuantizedCheckpoint(folder, { quantized: q, tokenizer: tokenizer.toJSON() });
    expect(await isQuantizedCheckpoint(folder)).toBe(true);
    const loaded = await loadQuantizedCheckpoint(folder, { backend });
    expect(await forwardLogits(loaded.quantized.model, ids, 1, 16)).toEqual(await forwardLogits(q.model, ids, 1, 16));
    await expect(loadCheckpoint(folder, { backend })).rejects.toThrow('config.json: quantization: this is a quantized checkpoint (int8); load it with loadQuantizedCheckpoint from @microgpt/quant/node');
    await expect(loadQuantizedCheckpoint(join(dir, 'nope'))).rejects.toThrow('checkpoint folder');
  });

  it('every damaged part is a CheckpointError naming file, tensor and field', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 6, dtype: 'float32', backend });
    const files = await quantizedCheckpointFiles({ quantized: await quantizeModel(model, { scheme: 'int4-asym' }), tokenizer: null });
    const config_ = JSON.parse(new TextDecoder().decode(files['config.json'])) as { quantization: Record<string, unknown> };
    const withConfig = (change: (c: typeof config_) => void): Record<string, Uint8Array> => {
      const copy = structuredClone(config_);
      change(copy);
      return { ...files, 'config.json': new TextEncoder().encode(JSON.stringify(copy)) };
    };
    const model_ = decodeSafetensors(files['model.safetensors']!);
    const withTensors = (change: (t: Map<string, { dtype: string; shape: number[]; data: ArrayLike<number> }>) => void): Record<string, Uint8Array> => {
      const tensors = new Map(model_.tensors);
      change(tensors);
      return { ...files, 'model.safetensors': encodeSafetensors(Object.fromEntries(tensors), model_.metadata) };
    };
    const read = (f: Record<string, Uint8Array>) => () => readQuantizedCheckpointFiles(f, { backend });
    expect(read(withConfig((c) => { delete (c as { quantization?: unknown }).quantization; }))).toThrow('config.json: quantization: no "quantization" section');
    expect(read(withConfig((c) => { c.quantization.scheme = 'int3'; }))).toThrow('config.json: quantization.scheme: expected int8 | int8-asym | int4 | int4-asym | fp16 | bf16, found "int3"');
    expect(read(withConfig((c) => { c.quantization.version = 9; }))).toThrow('written by a newer @microgpt/quant');
    expect(read(withConfig((c) => { c.quantization.tensors = ['wte']; }))).toThrow(/quantization.tensors: expected/);
    expect(read(withTensors((t) => { t.delete('h.0.mlp.fc1.weight.minima'); }))).toThrow('model.safetensors: tensor "h.0.mlp.fc1.weight.minima": missing');
    expect(read(withTensors((t) => { t.set('h.0.mlp.fc1.weight', { dtype: 'int8', shape: [256, 32], data: new Int8Array(256 * 32) }); }))).toThrow('tensor "h.0.mlp.fc1.weight" dtype: expected uint8, found int8');
    expect(read(withTensors((t) => { t.set('h.1.attn.o.weight.scales', { dtype: 'float16', shape: [64, 2], data: new Uint16Array(128).fill(0x7c00) }); }))).toThrow('tensor "h.1.attn.o.weight.scales" data: element 0 is Infinity; scales must be finite');
    expect(read(withTensors((t) => { t.set('extra', { dtype: 'float32', shape: [1], data: new Float32Array(1) }); }))).toThrow('tensor "extra": unexpected tensor');
    expect(read(withTensors((t) => { t.set('h.0.ln_1.weight', { dtype: 'float32', shape: [63], data: new Float32Array(63) }); }))).toThrow(CheckpointError);
  });

  it('refuses a config.json claiming a billion layers before making any per-layer list', async () => {
    const backend = await startBackend('js');
    const model = createGPT(config, { seed: 6, dtype: 'float32', backend });
    const files = await quantizedCheckpointFiles({ quantized: await quantizeModel(model, { scheme: 'int8' }), tokenizer: null });
    const json = JSON.parse(new TextDecoder().decode(files['config.json'])) as { model: Record<string, unknown> };
    json.model.nLayer = 1_000_000_000;
    const huge = { ...files, 'config.json': new TextEncoder().encode(JSON.stringify(json)) };
    expect(() => readQuantizedCheckpointFiles(huge, { backend })).toThrow(/^model\.safetensors: size: config\.json describes [\d,]+ parameter tensors .* far more than a file of [\d,]+ bytes holds/);
  });
});
