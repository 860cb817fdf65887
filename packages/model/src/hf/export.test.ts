// Export to a Hugging Face GPT-2 folder and back: bit-identical parameters and samples, every tokenizer kind
// with the same ids, the exact mappings (zero biases, unit gains, zero positions), the files' HF layout, and
// configs GPT-2 cannot express refused naming the field.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeSafetensors } from '../checkpoint/safetensors';
import { type FloatDType } from '@microgpt/tensor';
import { type Tokenizer, trainBpe, trainChar, trainWord, tokenizerFromJSON } from '@microgpt/tokenizer';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { saveCheckpoint } from '../checkpoint/folder';
import { parameterBytes } from '../checkpoint/test-checkpoint';
import type { GPTConfig } from '../config';
import { generate } from '../generate/generate';
import { forwardLogits } from '../gpt/inference';
import { type GPT, createGPT, disposeGPT, parameterTensors } from '../gpt/model';
import { HuggingFaceExportError } from './export-config';
import { huggingFaceFiles } from './export';
import { describeHuggingFaceFolder, isHuggingFaceFolder, loadHuggingFaceFolder, saveHuggingFaceFolder } from './folder';
import { readHuggingFaceFiles } from './import';

const TEXT = 'First Citizen:\nBefore we proceed any further, hear me speak.\n\nAll:\nSpeak, speak.\n';

/** A GPT-2-shaped tiny config (LayerNorm, biases, tied head, tanh GELU, final norm). */
const GPT2_TINY: Omit<GPTConfig, 'vocabSize'> = {
  nLayer: 2, nHead: 2, nEmbd: 8, blockSize: 16, mlpRatio: 4, norm: 'layernorm', normAffine: true, normEps: 1e-5, embedNorm: false,
  finalNorm: true, activation: 'gelu_tanh', bias: true, tiedHead: true, posEmb: 'learned', dropout: 0, initStd: 0.3, residualInitScale: true,
};

function modelFor(tokenizer: Tokenizer, overrides: Partial<GPTConfig> = {}, dtype: FloatDType = 'float32'): GPT {
  return createGPT({ ...GPT2_TINY, ...overrides, vocabSize: tokenizer.vocabSize }, { seed: 3, dtype, backend: 'js' });
}

function roundTrip(model: GPT, tokenizer: Tokenizer | null): { files: Record<string, Uint8Array>; back: ReturnType<typeof readHuggingFaceFiles> } {
  const files = huggingFaceFiles({ model, tokenizer: tokenizer?.toJSON() ?? null, card: { data: 'shakespeare', steps: 3, trainLoss: 2.5 } });
  return { files, back: readHuggingFaceFiles(files, { backend: 'js' }) };
}

const json = (bytes: Uint8Array | undefined): Record<string, unknown> => JSON.parse(Buffer.from(bytes!).toString('utf8')) as Record<string, unknown>;

describe('huggingFaceFiles → readHuggingFaceFiles', () => {
  const bpe = trainBpe(TEXT, { vocabSize: 270, pattern: 'gpt2', specialTokens: ['<|endoftext|>'] });

  it.each(['float32', 'float64'] as const)('round trips a %s model bit for bit, with the same config and samples', (dtype) => {
    const model = modelFor(bpe, {}, dtype);
    const { files, back } = roundTrip(model, bpe);
    expect(back.model.dtype).toBe(dtype);
    expect(back.model.config).toEqual(model.config);
    expect(parameterBytes(back.model)).toEqual(parameterBytes(model));
    const prompt = bpe.encode('First');
    const draw = (m: GPT): number[] => generate(m, prompt, { maxNewTokens: 12, temperature: 0.9, seed: 5 }).ids;
    expect(draw(back.model)).toEqual(draw(model));
    expect(json(files['config.json']).torch_dtype).toBe(dtype);
    disposeGPT(model);
    disposeGPT(back.model);
  });

  it('writes HF GPT-2 files: config fields, Conv1D [in, out] weights with fused q|k|v, metadata format pt', () => {
    const model = modelFor(bpe);
    const { files } = roundTrip(model, bpe);
    expect(Object.keys(files).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const eot = bpe.specialTokens['<|endoftext|>'];
    expect(json(files['config.json'])).toMatchObject({
      model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_embd: 8, n_layer: 2, n_head: 2, n_positions: 16, n_inner: null, vocab_size: 270,
      layer_norm_epsilon: 1e-5, activation_function: 'gelu_new', tie_word_embeddings: true, bos_token_id: eot, eos_token_id: eot,
      resid_pdrop: 0, embd_pdrop: 0, attn_pdrop: 0, scale_attn_weights: true,
    });
    expect(json(files['generation_config.json'])).toEqual({ bos_token_id: eot, eos_token_id: eot });
    expect(json(files['tokenizer_config.json'])).toMatchObject({ tokenizer_class: 'GPT2Tokenizer', bos_token: '<|endoftext|>', eos_token: '<|endoftext|>' });
    expect(json(files['tokenizer.json'])).toMatchObject({ model: { type: 'BPE' }, decoder: { type: 'ByteLevel' } });
    const decoded = decodeSafetensors(files['model.safetensors']!);
    expect(decoded.metadata).toEqual({ format: 'pt' });
    expect(decoded.tensors.has('lm_head.weight')).toBe(false);
    const cAttn = decoded.tensors.get('transformer.h.1.attn.c_attn.weight')!;
    expect(cAttn.shape).toEqual([8, 24]);
    const k = parameterTensors(model)['h.1.attn.k.weight']!.toArray();
    for (let r = 0; r < 8; r++) for (let c = 0; c < 8; c++) expect(cAttn.data[c * 24 + 8 + r]).toBe(k[r * 8 + c]);
    expect(decoded.tensors.get('transformer.h.0.mlp.c_fc.weight')!.shape).toEqual([8, 32]);
    expect(new TextDecoder().decode(files['README.md'])).toContain('- Data: shakespeare\n- Steps: 3\n- Training loss: 2.5000');
    disposeGPT(model);
  });

  it('keeps an untied head as lm_head.weight', () => {
    const model = modelFor(bpe, { tiedHead: false, activation: 'gelu' });
    const { files, back } = roundTrip(model, bpe);
    expect(json(files['config.json'])).toMatchObject({ tie_word_embeddings: false, activation_function: 'gelu' });
    expect(decodeSafetensors(files['model.safetensors']!).tensors.get('lm_head.weight')!.shape).toEqual([270, 8]);
    expect(parameterBytes(back.model)).toEqual(parameterBytes(model));
    disposeGPT(model);
    disposeGPT(back.model);
  });

  it.each([
    ['char', trainChar(TEXT, { bos: true })],
    ['char with unk and eos', trainChar(TEXT, { bos: true, eos: '<|eos|>', unk: true })],
    ['word', trainWord(TEXT, { special: ['<|bos|>'] })],
    ['bpe', bpe],
  ] as const)('a %s tokenizer comes back with the same JSON and ids', (_, tokenizer) => {
    const model = modelFor(tokenizer);
    const { files, back } = roundTrip(model, tokenizer);
    const again = tokenizerFromJSON(back.tokenizer!);
    expect(again.encode(TEXT)).toEqual(tokenizer.encode(TEXT));
    if (tokenizer.kind !== 'bpe') expect(back.tokenizer).toEqual(tokenizer.toJSON());
    const bos = tokenizer.specialTokens['<|bos|>'] ?? tokenizer.specialTokens['<|endoftext|>'];
    expect(json(files['config.json']).bos_token_id).toBe(bos);
    disposeGPT(model);
    disposeGPT(back.model);
  });

  it('writes char and word vocabularies as WordLevel over a Split pre-tokenizer with a Fuse decoder', () => {
    const char = trainChar('abc\n', { bos: true });
    const { files } = roundTrip(modelFor(char), char);
    expect(json(files['tokenizer.json'])).toMatchObject({
      pre_tokenizer: { type: 'Split', pattern: { Regex: '[\\s\\S]' }, behavior: 'Isolated', invert: false },
      decoder: { type: 'Fuse' },
      model: { type: 'WordLevel', vocab: { '\n': 0, a: 1, b: 2, c: 3, '<|bos|>': 4 } },
      added_tokens: [{ id: 4, content: '<|bos|>', special: true }],
    });
    expect(json(files['tokenizer_config.json'])).toMatchObject({ tokenizer_class: 'PreTrainedTokenizerFast', bos_token: '<|bos|>', eos_token: null });
  });

  it('exports configs GPT-2 has no switch for through exact mappings: zero biases and positions, unit gains', () => {
    const model = modelFor(bpe, { bias: false, normAffine: false, posEmb: 'none', activation: 'squared_relu', mlpRatio: 2 }, 'float64');
    const { files, back } = roundTrip(model, bpe);
    const tensors = decodeSafetensors(files['model.safetensors']!).tensors;
    expect([...tensors.get('transformer.wpe.weight')!.data].every((x) => x === 0)).toBe(true);
    expect([...tensors.get('transformer.h.0.attn.c_attn.bias')!.data].every((x) => x === 0)).toBe(true);
    expect([...tensors.get('transformer.ln_f.weight')!.data].every((x) => x === 1)).toBe(true);
    expect(json(files['config.json'])).toMatchObject({ activation_function: 'relu2', n_inner: 16 });
    expect(new TextDecoder().decode(files['README.md'])).toContain("posEmb 'none': transformer.wpe.weight is written as zeros");
    const ids = bpe.encode('Speak, speak.');
    const ours = forwardLogits(model, ids, 1, ids.length);
    const theirs = forwardLogits(back.model, ids, 1, ids.length);
    for (let i = 0; i < ours.length; i++) expect(Math.abs(ours[i]! - theirs[i]!)).toBeLessThan(1e-12);
    disposeGPT(model);
    disposeGPT(back.model);
  });

  it.each([
    [{ norm: 'rmsnorm' }, 'norm'],
    [{ embedNorm: true }, 'embedNorm'],
    [{ finalNorm: false }, 'finalNorm'],
  ] as const)('refuses %j naming the field', (overrides, field) => {
    const model = modelFor(bpe, overrides);
    const run = (): unknown => huggingFaceFiles({ model, tokenizer: null });
    expect(run).toThrow(HuggingFaceExportError);
    expect(run).toThrow(new RegExp(`^huggingface export: ${field}: `));
    disposeGPT(model);
  });
});

describe('HF folders on disk', () => {
  let root = '';
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'microgpt-hf-'));
  });
  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('saves a folder that loads back, tells it from a microgpt checkpoint, and refuses a folder with other files', async () => {
    const char = trainChar(TEXT, { bos: true });
    const model = modelFor(char);
    const dir = join(root, 'hf');
    await saveHuggingFaceFolder(dir, { model, tokenizer: char.toJSON() });
    expect((await readdir(dir)).length).toBe(6);
    expect(await isHuggingFaceFolder(dir)).toBe(true);
    const described = await describeHuggingFaceFolder(dir);
    expect(described).toMatchObject({ config: model.config, torchDtype: 'float32', ids: { bos: char.specialTokens['<|bos|>'], eos: char.specialTokens['<|bos|>'] } });
    expect(Object.keys(described.files).sort()).toEqual((await readdir(dir)).sort());
    const back = await loadHuggingFaceFolder(dir, { backend: 'js' });
    expect(parameterBytes(back.model)).toEqual(parameterBytes(model));
    const ckpt = join(root, 'ckpt');
    await saveCheckpoint(ckpt, { model, tokenizer: char.toJSON() });
    expect(await isHuggingFaceFolder(ckpt)).toBe(false);
    const busy = join(root, 'busy');
    await mkdir(busy);
    await writeFile(join(busy, 'notes.txt'), 'mine');
    await expect(saveHuggingFaceFolder(busy, { model, tokenizer: null })).rejects.toThrow(/cannot export into .*busy: it holds other things \(notes\.txt\)/);
    disposeGPT(model);
    disposeGPT(back.model);
  });
});
