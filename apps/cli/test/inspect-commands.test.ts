// `export --format projector` and `info --stats` on checkpoints trained here: a stream model whose characters
// include a tab, a newline and a backslash, and its int8 quantization.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, escapeTsvField } from '@microgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, jsonLines, runCli, tempDir, writeText } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const poem = join(dir, 'poem.txt');
writeText(poem, 'shall i\tcompare thee \\ to a summer day?\nthou art more lovely and more temperate.\n'.repeat(30));
const ckpt = join(dir, 'stream');
const run = (args: string[]): Promise<CliResult> => runCli(args, { env });

/** The float weights of a checkpoint folder, by name. */
function weightsOf(folder: string): Record<string, { shape: number[]; data: Float32Array }> {
  const decoded = decodeSafetensors(new Uint8Array(readFileSync(join(folder, 'model.safetensors'))));
  return Object.fromEntries([...decoded.tensors].map(([name, t]) => [name, { shape: [...t.shape], data: t.data as Float32Array }]));
}

const int8 = join(dir, 'stream-int8');
let quantizeRecord: Record<string, unknown> = {};

beforeAll(async () => {
  const trained = await run(['train', '--preset', 'shakespeare-cpu', '--data', poem, '--n-layer', '1', '--n-embd', '16', '--block-size', '16', '--batch', '4', '--steps', '20', '--samples', '0', '--out', ckpt, '--quiet']);
  expect(trained.code).toBe(0);
  const quantized = await run(['quantize', '--ckpt', ckpt, '--scheme', 'int8', '--out', int8, '--json']);
  expect(quantized.code).toBe(0);
  quantizeRecord = jsonLines(quantized.stdout)[0]!;
});

describe('microgpt export --format projector', () => {
  it('writes tensors.tsv (the wte rows), metadata.tsv (escaped token texts) and a config naming both', async () => {
    const out = join(dir, 'projector');
    const result = await run(['export', '--format', 'projector', '--ckpt', ckpt, '--out', out, '--json']);
    expect(result.code).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['metadata.tsv', 'projector_config.pbtxt', 'tensors.tsv']);
    const [record] = jsonLines(result.stdout);
    const chars = [...new Set(readFileSync(poem, 'utf8'))].sort();
    expect(record).toMatchObject({ format: 'projector', ckpt: join(ckpt, 'checkpoint-20'), out, tokens: chars.length, dims: 16, padding_rows: 0 });

    // The projector's format: tensors.tsv is V lines of C tab-separated numbers, metadata.tsv one label a line
    // (a single column, so no header) for each of those rows, and the config points at both files.
    const rows = readFileSync(join(out, 'tensors.tsv'), 'utf8').split('\n');
    expect(rows.pop()).toBe('');
    expect(rows).toHaveLength(chars.length);
    const wte = weightsOf(join(ckpt, 'checkpoint-20')).wte!;
    expect(wte.shape).toEqual([chars.length, 16]);
    rows.forEach((row, v) => {
      const numbers = row.split('\t').map(Number);
      expect(numbers).toHaveLength(16);
      expect(numbers).toEqual(Array.from(wte.data.subarray(v * 16, (v + 1) * 16)));
    });
    const labels = readFileSync(join(out, 'metadata.tsv'), 'utf8').split('\n');
    expect(labels.pop()).toBe('');
    expect(labels).toEqual(chars.map(escapeTsvField));
    expect(labels).toEqual(expect.arrayContaining(['\\n', '\\t', '\\\\', ' ']));
    for (const label of labels) expect(label).not.toMatch(/[\t\r\n]/);
    const config = readFileSync(join(out, 'projector_config.pbtxt'), 'utf8');
    expect(config).toMatch(/^embeddings \{\n {2}tensor_name: "wte"\n {2}tensor_path: "tensors.tsv"\n {2}metadata_path: "metadata.tsv"\n\}\n$/);
  });

  it('refuses a folder that holds files unless --overwrite, an --out equal to --ckpt, an unknown format and another format’s flags', async () => {
    const out = join(dir, 'taken');
    expect((await run(['export', '--format', 'projector', '--ckpt', ckpt, '--out', out])).code).toBe(0);
    const again = await run(['export', '--format', 'projector', '--ckpt', ckpt, '--out', out]);
    expect(again.code).toBe(1);
    expect(again.stderr).toBe(`error: --out ${out} already holds files\nhint: add --overwrite to replace them, or choose another --out\n`);
    expect((await run(['export', '--format', 'projector', '--ckpt', ckpt, '--out', out, '--overwrite'])).code).toBe(0);
    const same = await run(['export', '--format', 'projector', '--ckpt', ckpt, '--out', ckpt]);
    expect(same.code).toBe(2);
    expect(same.stderr).toContain('error: --out must differ from --ckpt');
    const unknown = await run(['export', '--format', 'onnx', '--ckpt', ckpt, '--out', out]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain("argument 'onnx' is invalid. Allowed choices are huggingface, projector");
    const foreign = await run(['export', '--format', 'projector', '--ckpt', ckpt, '--out', join(dir, 'foreign'), '--tokens', join(dir, 't.tok')]);
    expect(foreign.code).toBe(2);
    expect(foreign.stderr).toBe('error: --tokens does not apply to --format projector\nhint: --format projector takes --overwrite\n');
  });
});

interface StatsJson {
  shape: number[];
  mean: number;
  std: number;
  min: number;
  max: number;
  zero_fraction: number;
  norm: number;
  non_finite: number;
  error?: { max_abs: number; mean_abs: number; relative: number };
}

describe('microgpt info --stats', () => {
  it('gives each parameter’s shape, mean, std, min, max, share of zeros and norm, as computed from the file', async () => {
    const result = await run(['info', '--ckpt', ckpt, '--stats', '--json']);
    expect(result.code).toBe(0);
    const stats = jsonLines(result.stdout)[0]!.stats as Record<string, StatsJson>;
    const weights = weightsOf(join(ckpt, 'checkpoint-20'));
    expect(Object.keys(stats).sort()).toEqual(Object.keys(weights).sort());
    for (const [name, { shape, data }] of Object.entries(weights)) {
      const values = Array.from(data);
      const mean = values.reduce((a, b) => a + b, 0) / values.length;
      const std = Math.sqrt(values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length);
      const s = stats[name]!;
      expect(s.shape).toEqual(shape);
      expect(s.mean).toBeCloseTo(mean, 10);
      expect(s.std).toBeCloseTo(std, 10);
      expect(s.min).toBe(Math.min(...values));
      expect(s.max).toBe(Math.max(...values));
      expect(s.zero_fraction).toBe(values.filter((x) => x === 0).length / values.length);
      expect(s.norm).toBeCloseTo(Math.sqrt(values.reduce((a, b) => a + b * b, 0)), 10);
      expect(s.non_finite).toBe(0);
      expect(s.error).toBeUndefined();
    }
    const table = await run(['info', '--ckpt', ckpt, '--stats']);
    expect(table.stdout).toMatch(/\nweights:\nparameter +shape +mean +std +min +max +zeros +norm\nwte +\d+×16 /);
  });

  it('a quantized checkpoint with --float: each parameter’s error, agreeing with what quantize reported', async () => {
    const result = await run(['info', '--ckpt', int8, '--stats', '--float', ckpt, '--json']);
    expect(result.code).toBe(0);
    const stats = jsonLines(result.stdout)[0]!.stats as Record<string, StatsJson>;
    const errors = Object.values(stats).map((s) => s.error!);
    expect(Math.max(...errors.map((e) => e.max_abs))).toBeCloseTo(quantizeRecord.max_abs_error as number, 12);
    const sizes = Object.values(stats).map((s) => s.shape.reduce((a, b) => a * b, 1));
    for (const [name, s] of Object.entries(stats)) {
      // int8 keeps 1-D parameters (norm gains) in float32: no error there; every matrix moved a little.
      if (s.shape.length === 1) expect(s.error).toEqual({ max_abs: 0, mean_abs: 0, relative: 0 });
      else expect(s.error!.relative, name).toBeGreaterThan(0);
      expect(s.error!.relative, name).toBeLessThan(0.02);
    }
    const quantizedCount = Object.values(stats).filter((s) => s.shape.length > 1).reduce((n, s) => n + s.shape.reduce((a, b) => a * b, 1), 0);
    const meanAbs = errors.reduce((n, e, i) => n + e.mean_abs * sizes[i]!, 0) / quantizedCount;
    expect(meanAbs).toBeCloseTo(quantizeRecord.mean_abs_error as number, 12);
    const plain = await run(['info', '--ckpt', int8, '--stats']);
    expect(plain.stdout).toContain('add --float DIR to see the quantization error');
  });

  it('refuses --float without --stats, on a float checkpoint, and from another model', async () => {
    const alone = await run(['info', '--ckpt', int8, '--float', ckpt]);
    expect(alone.code).toBe(2);
    expect(alone.stderr).toBe('error: --float applies to --stats, which is not given\nhint: add --stats\n');
    const float = await run(['info', '--ckpt', ckpt, '--stats', '--float', ckpt]);
    expect(float.code).toBe(2);
    expect(float.stderr).toContain('is not quantized');
    const other = join(dir, 'other');
    expect((await run(['train', '--preset', 'shakespeare-cpu', '--data', poem, '--n-layer', '1', '--n-embd', '8', '--block-size', '16', '--batch', '4', '--steps', '1', '--samples', '0', '--out', other, '--quiet'])).code).toBe(0);
    const mismatch = await run(['info', '--ckpt', int8, '--stats', '--float', other]);
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(/^error: --float .*other.*: parameter 'wte' is \d+×8 there and \d+×16 in .*stream-int8\nhint: give the float checkpoint this one was quantized from\n$/);
  });
});
