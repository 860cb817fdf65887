// sample, eval and info on checkpoints trained here: a documents model (names) and a stream model (text).
import { cpSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '@microgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, jsonLines, namesFile, runCli, tempDir, writeText } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const names = namesFile(dir);
const poem = join(dir, 'poem.txt');
writeText(poem, 'shall i compare thee to a summer day?\nthou art more lovely and more temperate.\n'.repeat(40));
const docsCkpt = join(dir, 'docs');
const streamCkpt = join(dir, 'stream');
const run = (args: string[]): Promise<CliResult> => runCli(args, { env });

beforeAll(async () => {
  const docs = await run(['train', '--data', names, '--steps', '150', '--samples', '0', '--out', docsCkpt, '--quiet']);
  expect(docs.code).toBe(0);
  const stream = await run(['train', '--preset', 'shakespeare-cpu', '--data', poem, '--n-layer', '1', '--n-embd', '32', '--block-size', '16', '--batch', '4', '--steps', '60', '--samples', '0', '--out', streamCkpt, '--quiet']);
  expect(stream.code).toBe(0);
});

const samplesOf = (result: CliResult): Record<string, unknown>[] => jsonLines(result.stdout);

describe('microgpt sample', () => {
  it('documents model: n samples, one a line, reproducible by seed', async () => {
    const a = await run(['sample', '--ckpt', docsCkpt, '--n', '5', '--seed', '3']);
    const b = await run(['sample', '--ckpt', docsCkpt, '--n', '5', '--seed', '3']);
    expect(a.code).toBe(0);
    const lines = a.stdout.split('\n').slice(0, -1);
    expect(lines).toHaveLength(5);
    for (const line of lines) expect(line).toMatch(/^[a-z]*$/);
    expect(b.stdout).toBe(a.stdout);
    const other = await run(['sample', '--ckpt', docsCkpt, '--n', '5', '--seed', '4']);
    expect(other.stdout).not.toBe(a.stdout);
  });

  it('decodes samples in batches: sample i of --n N --seed S is --n 1 --seed S+i, on both kinds of model', async () => {
    for (const [ckpt, extra] of [[docsCkpt, []], [streamCkpt, ['--max-tokens', '40']]] as const) {
      const batch = await run(['sample', '--ckpt', ckpt, '--n', '20', '--seed', '3', '--json', ...extra]);
      expect(batch.code).toBe(0);
      const texts = samplesOf(batch).map((row) => row.sample);
      expect(texts).toHaveLength(20);
      for (const i of [0, 7, 16, 19]) {
        const alone = await run(['sample', '--ckpt', ckpt, '--n', '1', '--seed', String(3 + i), '--json', ...extra]);
        expect(samplesOf(alone).map((row) => row.sample)).toEqual([texts[i]]);
      }
    }
  });

  it('--json with a prompt, top-k, top-p and a token limit', async () => {
    const result = await run(['sample', '--ckpt', docsCkpt, '--n', '4', '--prompt', 'ka', '--top-k', '3', '--top-p', '0.9', '--max-tokens', '3', '--json']);
    expect(result.code).toBe(0);
    const samples = samplesOf(result);
    expect(samples).toHaveLength(4);
    for (const s of samples) {
      expect(s.sample as string).toMatch(/^ka[a-z]{0,3}$/);
      expect(s.tokens as number).toBeLessThanOrEqual(3);
      expect(['stop-token', 'max-tokens']).toContain(s.stop);
    }
  });

  it('temperature 0 is greedy: every sample is the same', async () => {
    const result = await run(['sample', '--ckpt', docsCkpt, '--n', '3', '--temperature', '0', '--json']);
    const texts = samplesOf(result).map((s) => s.sample);
    expect(new Set(texts).size).toBe(1);
  });

  it('--beam: beam search gives one deterministic result a sample', async () => {
    const a = await run(['sample', '--ckpt', docsCkpt, '--beam', '3', '--prompt', 'mi', '--json']);
    const b = await run(['sample', '--ckpt', docsCkpt, '--beam', '3', '--prompt', 'mi', '--json', '--seed', '9']);
    expect(a.stderr).toBe('');
    expect(a.code).toBe(0);
    expect(samplesOf(a)[0]!.sample as string).toMatch(/^mi[a-z]*$/);
    expect(samplesOf(b)).toEqual(samplesOf(a));
  });

  it('--beam 8 --json (the issue’s case): a max-tokens sample has exactly --max-tokens tokens, a stop-token one fewer than that', async () => {
    for (const maxTokens of [[], ['--max-tokens', '4'], ['--max-tokens', '7']]) {
      const limit = maxTokens.length === 0 ? 16 : Number(maxTokens[1]);
      const result = await run(['sample', '--ckpt', docsCkpt, '--beam', '8', '--json', ...maxTokens]);
      expect(result.code).toBe(0);
      const [sample, ...rest] = samplesOf(result);
      expect(rest).toEqual([]);
      if (sample!.stop === 'max-tokens') expect(sample!.tokens).toBe(limit);
      else expect(sample!.tokens as number).toBeLessThan(limit);
      expect(Number.isFinite(sample!.score)).toBe(true);
    }
  });

  it('--beam K --n N prints the N best distinct beams, best first; N > K is a usage error', async () => {
    const result = await run(['sample', '--ckpt', docsCkpt, '--beam', '8', '--n', '8', '--json']);
    expect(result.code).toBe(0);
    const samples = samplesOf(result);
    expect(samples).toHaveLength(8);
    expect(new Set(samples.map((s) => s.sample)).size).toBe(8);
    const scores = samples.map((s) => s.score as number);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    for (const s of samples) {
      expect(s.sample as string).toMatch(/^[a-z]*$/);
      expect(s.stop === 'max-tokens' ? s.tokens === 16 : (s.tokens as number) < 16).toBe(true);
    }
    const best = samplesOf(await run(['sample', '--ckpt', docsCkpt, '--beam', '8', '--json']))[0];
    expect(best).toEqual(samples[0]);
    const text = await run(['sample', '--ckpt', docsCkpt, '--beam', '8', '--n', '3']);
    expect(text.stdout).toBe(`${samples.slice(0, 3).map((s) => s.sample as string).join('\n')}\n`);
    const tooMany = await run(['sample', '--ckpt', docsCkpt, '--beam', '4', '--n', '5']);
    expect(tooMany.code).toBe(2);
    expect(tooMany.stderr).toBe('error: --n 5 is more than --beam 4: beam search keeps 4 hypotheses, so it can return at most 4\nhint: use --n 4 or less, or --beam 5 or more\n');
  });

  it('stream model: continues the prompt for --max-tokens tokens, streamed', async () => {
    const result = await run(['sample', '--ckpt', streamCkpt, '--prompt', 'thou ', '--max-tokens', '40']);
    expect(result.code).toBe(0);
    expect(result.stdout.startsWith('thou ')).toBe(true);
    expect(result.stdout.length).toBe('thou '.length + 40 + 1);
  });

  it('a prompt longer than the context is cropped from the left, with a note', async () => {
    const result = await run(['sample', '--ckpt', streamCkpt, '--prompt', 'shall i compare thee to a summer day? ', '--max-tokens', '5']);
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/note: the prompt has \d+ tokens/);
  });
});

describe('microgpt eval', () => {
  it('val and train loss and perplexity of the data the run used', async () => {
    const val = await run(['eval', '--ckpt', docsCkpt, '--json']);
    expect(val.code).toBe(0);
    const record = jsonLines(val.stdout)[0]!;
    expect(record).toMatchObject({ split: 'val', data: names });
    expect(record.perplexity).toBeCloseTo(Math.exp(record.loss as number), 10);
    expect(record.loss as number).toBeLessThan(Math.log(27));
    const train = await run(['eval', '--ckpt', streamCkpt, '--split', 'train', '--batches', '5']);
    expect(train.stdout).toMatch(/^train loss \d\.\d{4}, perplexity \d+\.\d{3} \(5 batches, 320 tokens of .*poem\.txt\)\n$/);
  });

  it('data with no batch for the split is an error (exit 1), never a NaN result', async () => {
    const few = join(dir, 'few-names.txt');
    writeText(few, 'kalo\nmira\nentu\n');
    for (const json of [[], ['--json']]) {
      const result = await run(['eval', '--ckpt', docsCkpt, '--data', few, ...json]);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toBe(`error: data: the val split of ${few} has 0 documents, too few for one batch to evaluate\nhint: use more data, or --split train\n`);
    }
    const train = await run(['eval', '--ckpt', docsCkpt, '--data', few, '--split', 'train', '--json']);
    expect(train.code).toBe(0);
    expect(Number.isFinite(jsonLines(train.stdout)[0]!.loss)).toBe(true);
    const short = join(dir, 'short.txt');
    writeText(short, 'shall i compare thee\n');
    const stream = await run(['eval', '--ckpt', streamCkpt, '--data', short]);
    expect(stream.code).toBe(1);
    expect(stream.stdout).toBe('');
    expect(stream.stderr).toMatch(/^error: data: the (train|val) split has \d+ tokens, fewer than one block of 17/);
  });

  it('a loss that is not finite (finite weights too large for float32) is an error, not a result', async () => {
    const huge = join(dir, 'huge');
    cpSync(join(docsCkpt, 'checkpoint-150'), huge, { recursive: true });
    const path = join(huge, 'model.safetensors');
    const decoded = decodeSafetensors(readFileSync(path));
    decoded.tensors.get('lm_head')!.data.fill(3e38);
    writeFileSync(path, encodeSafetensors(Object.fromEntries(decoded.tensors), decoded.metadata));
    const result = await run(['eval', '--ckpt', huge, '--json']);
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(new RegExp(`^error: ${huge}: the val loss is (NaN|Infinity): the model's outputs overflow on this data\nhint: `));
  });

  it('the val loss printed at the end of training is what eval reports', async () => {
    const trained = await run(['train', '--data', names, '--steps', '20', '--samples', '0', '--out', join(dir, 'evalcheck'), '--json']);
    const done = jsonLines(trained.stdout).at(-1)!;
    const evaluated = jsonLines((await run(['eval', '--ckpt', join(dir, 'evalcheck'), '--json'])).stdout)[0]!;
    expect(evaluated.loss).toBe(done.val_loss);
  });
});

describe('microgpt info', () => {
  it('config, parameters, dtype, files and training state', async () => {
    const text = await run(['info', '--ckpt', docsCkpt]);
    expect(text.stdout).toMatch(/parameters [\d,]+ \(float32\)/);
    expect(text.stdout).toMatch(/model\.safetensors +\d+\.\d KiB/);
    expect(text.stdout).toContain('training state: step 150');
    const json = jsonLines((await run(['info', '--ckpt', streamCkpt, '--json'])).stdout)[0]!;
    expect(json).toMatchObject({ dtype: 'float32', config: { nLayer: 1, nEmbd: 32, blockSize: 16, norm: 'layernorm' }, trainerState: { step: 60, backend: 'wasm', threads: 1 } });
    expect(Object.keys(json.files as object).sort()).toEqual(['config.json', 'model.safetensors', 'optimizer.safetensors', 'tokenizer.json', 'trainer_state.json']);
  });
});

describe('microgpt quantize', () => {
  it('int8 and int4: prints sizes and errors; eval, sample and info work on the result', async () => {
    const float = jsonLines((await run(['eval', '--ckpt', streamCkpt, '--json'])).stdout)[0]!;
    for (const scheme of ['int8', 'int4-asym', 'bf16']) {
      const out = join(dir, `stream-${scheme}`);
      const result = await run(['quantize', '--ckpt', streamCkpt, '--scheme', scheme, '--out', out, '--json']);
      expect(result.code).toBe(0);
      const report = jsonLines(result.stdout)[0]!;
      expect(report).toMatchObject({ scheme, out });
      expect(report.bytes_after as number).toBeLessThan(report.bytes_before as number);
      expect(report.max_abs_error as number).toBeGreaterThan(0);
      expect(report.mean_abs_error as number).toBeLessThan(report.max_abs_error as number);
      const evaluated = jsonLines((await run(['eval', '--ckpt', out, '--json'])).stdout)[0]!;
      expect(Math.abs((evaluated.loss as number) - (float.loss as number))).toBeLessThan(0.05 * (float.loss as number));
      const sample = await run(['sample', '--ckpt', out, '--prompt', 'thou ', '--max-tokens', '20']);
      expect(sample.code).toBe(0);
      expect(sample.stdout.startsWith('thou ')).toBe(true);
      expect((await run(['info', '--ckpt', out])).stdout).toContain(`quantization: ${scheme}`);
    }
    const text = await run(['quantize', '--ckpt', docsCkpt, '--scheme', 'int8', '--out', join(dir, 'docs-int8')]);
    expect(text.stdout).toMatch(/^int8: 9 tensors quantized\nmodel\.safetensors [\d.]+ KiB → [\d.]+ KiB \([\d.]+%\)\nweight error: max [\d.e-]+, mean [\d.e-]+\n/);
  });

  it('refuses flags that do not fit, and a float-only loader says what the folder is', async () => {
    const perTensor = await run(['quantize', '--ckpt', docsCkpt, '--scheme', 'int4', '--per-tensor', '--out', join(dir, 'x')]);
    expect(perTensor.code).toBe(2);
    expect(perTensor.stderr).toContain('--per-tensor applies to int8 and int8-asym, not int4');
    const same = await run(['quantize', '--ckpt', docsCkpt, '--scheme', 'int8', '--out', docsCkpt]);
    expect(same.code).toBe(2);
    const resume = await run(['train', '--resume', join(dir, 'docs-int8')]);
    expect(resume.code).toBe(1);
    expect(resume.stderr).toContain('this is a quantized checkpoint (int8)');
  });
  it('refuses fp16 for weights beyond its range, naming the weight; bf16 takes them', async () => {
    const big = join(dir, 'big-weight');
    cpSync(join(docsCkpt, 'checkpoint-150'), big, { recursive: true });
    const path = join(big, 'model.safetensors');
    const decoded = decodeSafetensors(readFileSync(path));
    decoded.tensors.get('h.0.mlp.fc1.weight')!.data[3] = 70000;
    writeFileSync(path, encodeSafetensors(Object.fromEntries(decoded.tensors), decoded.metadata));
    const fp16 = await run(['quantize', '--ckpt', big, '--scheme', 'fp16', '--out', join(dir, 'big-fp16')]);
    expect(fp16.code).toBe(1);
    expect(fp16.stderr).toBe("error: quantizeModel: h.0.mlp.fc1.weight[3] = 70000 is beyond fp16's range (±65504); use bf16, which has float32's range, or an int scheme\nhint: pick another --scheme: bf16 keeps float32's range, int8 and int4 scale each row\n");
    expect(existsSync(join(dir, 'big-fp16'))).toBe(false);
    expect((await run(['quantize', '--ckpt', big, '--scheme', 'bf16', '--out', join(dir, 'big-bf16')])).code).toBe(0);
  });
});
