// Importing the GPT-2 fixtures written by PyTorch code that follows HF's GPT-2 (python/make_fixtures.py):
// the logits and losses of the float64 import must match PyTorch's float64 run within 1e-4, for F32, F16 and
// BF16 weights, a tied gelu_new model and an untied erf-gelu one; bad folders fail naming file and field.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { tokenizerFromJSON } from '@microgpt/tokenizer';
import { describe, expect, it } from 'vitest';
import { CheckpointError } from '../checkpoint/errors';
import { type SafetensorsEntry, decodeSafetensors, encodeSafetensors } from '../checkpoint/safetensors';
import { parameterTensors } from '../gpt/model';
import { forwardLogits } from '../gpt/inference';
import { disposeGPT } from '../gpt/model';
import { loadHuggingFaceFolder } from './folder';
import { isGpt2ConfigBytes, readHuggingFaceFiles } from './import';

const FIXTURES = join(import.meta.dirname, 'fixtures');

interface Expected {
  sequences: { name: string; ids: number[]; text: string | null }[];
  runs: { folder: string; dtype: string; results: { shape: [number, number]; logits: string; loss: number | null }[] }[];
}

function expected(name: string): Expected {
  return JSON.parse(readFileSync(join(FIXTURES, `${name}-expected.json`), 'utf8')) as Expected;
}

function float32s(base64: string): Float32Array {
  const bytes = Buffer.from(base64, 'base64');
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
}

/** Mean next-token cross-entropy of (T, V) logits against ids[t + 1]. */
function meanLoss(logits: Float64Array, ids: readonly number[], V: number): number | null {
  if (ids.length < 2) return null;
  let sum = 0;
  for (let t = 0; t + 1 < ids.length; t++) {
    const row = logits.subarray(t * V, (t + 1) * V);
    const max = Math.max(...row);
    let z = 0;
    for (const x of row) z += Math.exp(x - max);
    sum += max + Math.log(z) - row[ids[t + 1]!]!;
  }
  return sum / (ids.length - 1);
}

const CASES = [
  ['gpt2-tiny', 'gpt2-tiny'],
  ['gpt2-tiny', 'gpt2-tiny-f16'],
  ['gpt2-tiny', 'gpt2-tiny-bf16'],
  ['gpt2-tiny-gelu-untied', 'gpt2-tiny-gelu-untied'],
] as const;

describe('importing PyTorch-written GPT-2 folders', () => {
  it.each(CASES)('%s run of %s: logits and losses within 1e-4 of PyTorch float64', async (expectedName, folder) => {
    const want = expected(expectedName);
    const run = want.runs.find((r) => r.folder === folder && r.dtype === 'float64')!;
    const { model } = await loadHuggingFaceFolder(join(FIXTURES, folder), { dtype: 'float64', backend: 'js' });
    const V = model.config.vocabSize;
    for (const [j, sequence] of want.sequences.entries()) {
      const result = run.results[j]!;
      const ours = await forwardLogits(model, sequence.ids, 1, sequence.ids.length);
      const theirs = float32s(result.logits);
      expect(theirs.length).toBe(sequence.ids.length * V);
      let worst = 0;
      for (let i = 0; i < theirs.length; i++) worst = Math.max(worst, Math.abs(ours[i]! - theirs[i]!));
      expect(worst).toBeLessThanOrEqual(1e-4);
      const loss = meanLoss(ours, sequence.ids, V);
      if (result.loss === null) expect(loss).toBeNull();
      else expect(Math.abs(loss! - result.loss)).toBeLessThanOrEqual(1e-4);
   }
    disposeGPT(model);
  });

  it('maps the config: tied gelu_new with eps 1e-5, untied erf gelu with n_inner 2C and eps 1e-6', async () => {
    const tied = await loadHuggingFaceFolder(join(FIXTURES, 'gpt2-tiny'), { backend: 'js' });
    expect(tied.model.config).toMatchObject({ vocabSize: 300, nLayer: 2, nHead: 4, nEmbd: 32, blockSize: 64, mlpRatio: 4, activation: 'gelu_tanh', tiedHead: true, normEps: 1e-5, norm: 'layernorm', bias: true, dropout: 0 });
    expect(tied.model.dtype).toBe('float32');
    const untied = await loadHuggingFaceFolder(join(FIXTURES, 'gpt2-tiny-gelu-untied'), { backend: 'js' });
    expect(untied.model.config).toMatchObject({ nLayer: 3, nHead: 2, mlpRatio: 2, activation: 'gelu', tiedHead: false, normEps: 1e-6 });
    disposeGPT(tied.model);
    disposeGPT(untied.model);
  });

  it('reads the byte-level BPE tokenizer.json: the fixture texts encode to the fixture ids', async () => {
    const { model, tokenizer } = await loadHuggingFaceFolder(join(FIXTURES, 'gpt2-tiny'), { backend: 'js' });
    const bpe = tokenizerFromJSON(tokenizer!);
    expect(bpe.vocabSize).toBe(300);
    expect(bpe.specialTokens['<|endoftext|>']).toBe(299);
    for (const sequence of expected('gpt2-tiny').sequences) if (sequence.text !== null) expect(bpe.encode(sequence.text)).toEqual(sequence.ids);
    disposeGPT(model);
  });

  it("reads OpenAI-style names (no `transformer.`) with the attention-mask buffers, and a tied head's saved lm_head", () => {
    const original = files();
    const decoded = decodeSafetensors(original['model.safetensors']!);
    const renamed: Record<string, SafetensorsEntry> = {};
    for (const [name, t] of decoded.tensors) renamed[name.replace(/^transformer\./, '')] = t;
    renamed['h.0.attn.bias'] = { dtype: 'float32', shape: [1, 1, 64, 64], data: new Float32Array(64 * 64).fill(1) };
    renamed['h.1.attn.masked_bias'] = { dtype: 'float32', shape: [], data: new Float32Array([-1e4]) };
    renamed['lm_head.weight'] = decoded.tensors.get('transformer.wte.weight')!;
    const a = readHuggingFaceFiles(original, { backend: 'js' }).model;
    const b = readHuggingFaceFiles({ ...original, 'model.safetensors': encodeSafetensors(renamed) }, { backend: 'js' }).model;
    const values = (m: typeof a): number[][] => Object.values(parameterTensors(m)).map((t) => Array.from(t.toArray()));
    expect(values(b)).toEqual(values(a));
    disposeGPT(a);
    disposeGPT(b);
  });

  it('imports a folder without tokenizer files (weights only)', async () => {
    const { model, tokenizer } = await loadHuggingFaceFolder(join(FIXTURES, 'gpt2-tiny-f16'), { backend: 'js' });
    expect(tokenizer).toBeNull();
    disposeGPT(model);
  });
});

/** The gpt2-tiny folder's files with `change` applied. */
function files(change: (files: Record<string, Uint8Array>) => void = () => {}): Record<string, Uint8Array> {
  const dir = join(FIXTURES, 'gpt2-tiny');
  const out: Record<string, Uint8Array> = {};
  for (const name of ['config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']) out[name] = readFileSync(join(dir, name));
  change(out);
  return out;
}

function withConfig(fields: Record<string, unknown>): Record<string, Uint8Array> {
  return files((f) => {
    const config = JSON.parse(Buffer.from(f['config.json']!).toString('utf8')) as Record<string, unknown>;
    f['config.json'] = Buffer.from(JSON.stringify({ ...config, ...fields }));
  });
}

function errorOf(input: Record<string, Uint8Array>): CheckpointError {
  try {
    disposeGPT(readHuggingFaceFiles(input, { backend: 'js' }).model);
  } catch (error) {
    if (error instanceof CheckpointError) return error;
    throw error;
  }
  throw new Error('expected a CheckpointError');
}

describe('readHuggingFaceFiles errors name the file and the field', () => {
  it.each([
    [{ model_type: 'llama' }, 'config.json: model_type: expected "gpt2"'],
    [{ n_head: 5 }, 'config.json: n_head: n_embd (32) must be divisible by n_head (5)'],
    [{ n_layer: 0 }, 'config.json: n_layer: expected a positive integer, found 0'],
    [{ activation_function: 'quick_gelu' }, 'config.json: activation_function: expected one of'],
    [{ scale_attn_by_inverse_layer_idx: true }, 'config.json: scale_attn_by_inverse_layer_idx: must be false'],
    [{ layer_norm_epsilon: -1 }, 'config.json: layer_norm_epsilon: expected a finite number > 0, found -1'],
    [{ bos_token_id: 300 }, 'config.json: bos_token_id: expected null or an id in [0, 300), found 300'],
  ])('config %j', (fields, message) => {
    expect(errorOf(withConfig(fields)).message).toContain(message);
  });

  it('refuses a model.safetensors that does not fit the config, before building anything', () => {
    expect(errorOf(withConfig({ n_layer: 3 })).message).toContain('model.safetensors: tensors: config.json (n_layer 3, tied head) needs 40 tensors, the file holds 28');
    expect(errorOf(withConfig({ n_embd: 64, n_head: 4 })).message).toMatch(/^model\.safetensors: tensor "transformer\.wte\.weight" shape: expected \[300, 64\] from config\.json, found \[300, 32\]/);
    expect(errorOf(withConfig({ n_layer: 1e9 })).message).toContain('needs 12000000004 tensors, the file holds 28');
    expect(errorOf(withConfig({ n_inner: 33 })).message).toContain('tensor "transformer.h.0.mlp.c_fc.weight" shape: expected [32, 33] from config.json, found [32, 128]');
  });

  it('refuses a tokenizer whose size differs from vocab_size, and missing files', () => {
    const tooBig = withConfig({ vocab_size: 301 });
    expect(() => readHuggingFaceFiles(tooBig, { backend: 'js' })).toThrow(/model\.safetensors: tensor "transformer\.wte\.weight" shape: expected \[301, 32\]/);
    expect(errorOf(files((f) => delete f['model.safetensors'])).message).toBe('model.safetensors: missing; a Hugging Face GPT-2 folder needs config.json and model.safetensors');
    expect(errorOf(files((f) => (f['tokenizer.json'] = Buffer.from('{"model": 3}')))).message).toContain('tokenizer.json: model: expected an object, found 3');
  });

  it('tells a GPT-2 config.json from a microgpt one or an unreadable one', () => {
    expect(isGpt2ConfigBytes(readFileSync(join(FIXTURES, 'gpt2-tiny', 'config.json')))).toBe(true);
    const encode = (text: string): Uint8Array => new TextEncoder().encode(text);
    expect(isGpt2ConfigBytes(encode('{"format": "microgpt", "model_type": "microgpt"}'))).toBe(false);
    expect(isGpt2ConfigBytes(encode('{"model_type": "gpt2"'))).toBe(false);
    expect(isGpt2ConfigBytes(encode('["gpt2"]'))).toBe(false);
    expect(isGpt2ConfigBytes(new Uint8Array([0x7b, 0xff, 0x7d]))).toBe(false);
  });

  it('names the folder when loading from disk', async () => {
    await expect(loadHuggingFaceFolder(join(FIXTURES, 'no-such-folder'))).rejects.toThrow(/no-such-folder: does not exist/);
  });
});
