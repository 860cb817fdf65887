// export, import, and sample / eval / info on Hugging Face GPT-2 folders: a model trained here comes back with
// the same samples and losses, the PyTorch-written fixture loads directly, and mistakes are one error line and a
// hint.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, jsonLines, runCli, tempDir, writeText } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const run = (args: string[]): Promise<CliResult> => runCli(args, { env });
const poem = join(dir, 'poem.txt');
writeText(poem, 'shall i compare thee to a summer day?\nthou art more lovely and more temperate.\n'.repeat(40));
const ckpt = join(dir, 'run');
const hf = join(dir, 'hf');
const FIXTURE = fileURLToPath(new URL('../../../packages/model/src/hf/fixtures/gpt2-tiny', import.meta.url));
const TINY = ['--n-layer', '2', '--n-embd', '32', '--block-size', '16', '--batch', '4', '--samples', '0', '--quiet'];

beforeAll(async () => {
  const trained = await run(['train', '--preset', 'shakespeare-cpu', '--data', poem, '--tokenizer', 'bpe', '--vocab-size', '300', '--steps', '30', ...TINY, '--out', ckpt]);
  expect(trained.stderr).toBe('');
  expect(trained.code).toBe(0);
  const exported = await run(['export', '--ckpt', ckpt, '--format', 'huggingface', '--out', hf, '--json']);
  expect(exported.code).toBe(0);
});

const sampleArgs = ['--max-tokens', '20', '--seed', '4', '--json'];

/** A user mistake: exit `code`, one error line matching `message`, a hint, no internal-error trace. */
function expectError(result: CliResult, code: number, message: RegExp): void {
  expect(result.code).toBe(code);
  expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/\nhint: .+\n$/);
  expect(result.stderr).not.toContain('internal error');
}

describe('microgpt export / import', () => {
  it('writes the HF GPT-2 files, with a model card naming data, steps and loss', () => {
    expect(readdirSync(hf).sort()).toEqual(['README.md', 'config.json', 'generation_config.json', 'model.safetensors', 'tokenizer.json', 'tokenizer_config.json']);
    const config = JSON.parse(readFileSync(join(hf, 'config.json'), 'utf8')) as Record<string, unknown>;
    expect(config).toMatchObject({ model_type: 'gpt2', architectures: ['GPT2LMHeadModel'], n_layer: 2, n_embd: 32, n_positions: 16, vocab_size: 300, activation_function: 'gelu', attn_pdrop: 0 });
    const card = readFileSync(join(hf, 'README.md'), 'utf8');
    expect(card).toContain('- Data: ');
    expect(card).toContain('- Steps: 30');
    expect(card).toMatch(/- Training loss: \d+\.\d{4}/);
    expect(card).toContain('bias false: the linear and LayerNorm biases are written as zeros');
  });

  it('sample and eval read the HF folder directly, and an imported checkpoint, with the same results', async () => {
    const imported = join(dir, 'imported');
    const result = await run(['import', '--from', hf, '--out', imported, '--json']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ out: imported, dtype: 'float32', tokenizer: true });
    const samples = await Promise.all([ckpt, hf, imported].map((where) => run(['sample', '--ckpt', where, ...sampleArgs])));
    for (const sample of samples) expect(sample.code).toBe(0);
    expect(samples[1]!.stdout).toBe(samples[0]!.stdout);
    expect(samples[2]!.stdout).toBe(samples[0]!.stdout);
    const evals = await Promise.all([ckpt, hf, imported].map((where) => run(['eval', '--ckpt', where, '--input', poem, '--json'])));
    const losses = evals.map((e) => jsonLines(e.stdout)[0]!);
    expect(losses[0]).toMatchObject({ input: poem, contextSize: 16 });
    expect(losses[0]!.windows).toBe(Math.ceil((losses[0]!.tokens as number) / 16));
    expect(losses[1]!.loss).toBeCloseTo(losses[0]!.loss as number, 5);
    expect(losses[2]!.loss).toBe(losses[1]!.loss);
  });

  it('info describes an HF folder from its config.json', async () => {
    const result = await run(['info', '--ckpt', hf, '--json']);
    expect(result.code).toBe(0);
    expect(jsonLines(result.stdout)[0]).toMatchObject({ format: 'huggingface', parameters: expect.any(Number) as number, torchDtype: 'float32', config: { nLayer: 2, bias: true } });
    const text = await run(['info', '--ckpt', hf]);
    expect(text.stdout).toContain(`Hugging Face GPT-2 folder ${hf}`);
  });

  it('imports the PyTorch-written fixture and samples from it', async () => {
    const info = await run(['info', '--ckpt', FIXTURE, '--json']);
    expect(jsonLines(info.stdout)[0]).toMatchObject({ config: { activation: 'gelu_tanh', vocabSize: 300 }, ids: { bos: 299, eos: 299 } });
    const sample = await run(['sample', '--ckpt', FIXTURE, '--prompt', 'What say', '--max-tokens', '5', '--json']);
    expect(sample.code).toBe(0);
    expect(jsonLines(sample.stdout)[0]!.sample as string).toMatch(/^What say/);
  });

  it('quantize reads an HF folder directly, as it reads the imported checkpoint; the PyTorch-written one too', async () => {
    const imported = join(dir, 'imported-for-quant');
    expect((await run(['import', '--from', hf, '--out', imported])).code).toBe(0);
    const fromHf = join(dir, 'hf-int8');
    const fromImported = join(dir, 'imported-int8');
    const quantized = await run(['quantize', '--ckpt', hf, '--scheme', 'int8', '--out', fromHf, '--json']);
    expect(quantized.stderr).toBe('');
    expect(quantized.code).toBe(0);
    expect(jsonLines(quantized.stdout)[0]).toMatchObject({ scheme: 'int8', out: fromHf, bytes_before: readFileSync(join(hf, 'model.safetensors')).length });
    expect((await run(['quantize', '--ckpt', imported, '--scheme', 'int8', '--out', fromImported])).code).toBe(0);
    const samples = await Promise.all([fromHf, fromImported].map((where) => run(['sample', '--ckpt', where, ...sampleArgs])));
    expect(samples[0]!.code).toBe(0);
    expect(samples[0]!.stdout).toBe(samples[1]!.stdout);
    const fixtureInt4 = join(dir, 'fixture-int4');
    expect((await run(['quantize', '--ckpt', FIXTURE, '--scheme', 'int4', '--out', fixtureInt4])).code).toBe(0);
    const sample = await run(['sample', '--ckpt', fixtureInt4, '--prompt', 'What say', '--max-tokens', '5', '--json']);
    expect(sample.code).toBe(0);
    expect(jsonLines(sample.stdout)[0]!.sample as string).toMatch(/^What say/);
    const broken = join(dir, 'bad-hf-quant');
    await run(['export', '--ckpt', ckpt, '--out', broken]);
    const config = JSON.parse(readFileSync(join(broken, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeText(join(broken, 'config.json'), JSON.stringify({ ...config, n_head: 5 }));
    expectError(await run(['quantize', '--ckpt', broken, '--scheme', 'int8', '--out', join(dir, 'bad-int8')]), 1, /^error: .*bad-hf-quant\/config\.json: n_head: n_embd \(32\) must be divisible by n_head \(5\)/);
    expectError(await run(['quantize', '--ckpt', hf, '--scheme', 'int8', '--out', hf]), 2, /^error: --out must differ from --ckpt/);
  });

  it('export --tokens writes the training text as a token file', async () => {
    const out = join(dir, 'hf-tokens');
    const result = await run(['export', '--ckpt', ckpt, '--out', out, '--tokens', join(dir, 'poem.tok'), '--json']);
    expect(result.code).toBe(0);
    const record = jsonLines(result.stdout)[0]!;
    const bytes = readFileSync(join(dir, 'poem.tok'));
    expect(bytes.subarray(0, 8).toString('latin1')).toBe('MGPTTOK\0');
    expect(Number(bytes.readBigUInt64LE(16))).toBe((record.tokens as { count: number }).count);
  });
});

describe('mistakes are an error line and a hint', () => {
  it('a model GPT-2 cannot express is refused naming the field', async () => {
    const rms = join(dir, 'rms');
    expect((await run(['train', '--data', poem, '--steps', '2', '--samples', '0', '--quiet', '--out', rms])).code).toBe(0);
    expectError(await run(['export', '--ckpt', rms, '--out', join(dir, 'rms-hf')]), 1, /^error: huggingface export: norm: GPT-2 uses LayerNorm, found 'rmsnorm'/);
  });

  it('import of a missing folder, a bad config field; eval --input with split flags or too little text', async () => {
    expectError(await run(['import', '--from', join(dir, 'nowhere'), '--out', join(dir, 'x')]), 1, /^error: Hugging Face folder .*nowhere: does not exist/);
    const broken = join(dir, 'bad-hf');
    await run(['export', '--ckpt', ckpt, '--out', broken]);
    const config = JSON.parse(readFileSync(join(broken, 'config.json'), 'utf8')) as Record<string, unknown>;
    writeText(join(broken, 'config.json'), JSON.stringify({ ...config, activation_function: 'quick_gelu' }));
    expectError(await run(['sample', '--ckpt', broken]), 1, /^error: .*bad-hf\/config\.json: activation_function: expected one of relu, gelu, gelu_new, silu, relu2, gelu_pytorch_tanh, swish, found "quick_gelu"/);
    expectError(await run(['eval', '--ckpt', hf, '--input', poem, '--split', 'train']), 2, /^error: --input evaluates a whole file; it does not take --split/);
    const one = join(dir, 'one.txt');
    writeText(one, 's');
    expectError(await run(['eval', '--ckpt', hf, '--input', one]), 1, /^error: --input .*one\.txt: 1 token; the loss needs at least 2/);
    expectError(await run(['export', '--ckpt', ckpt, '--out', ckpt]), 2, /^error: --out must differ from --ckpt/);
  });
});
