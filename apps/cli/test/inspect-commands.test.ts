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

beforeAll(async () => {
  const trained = await run(['train', '--preset', 'shakespeare-cpu', '--data', poem, '--n-layer', '1', '--n-embd', '16', '--block-size', '16', '--batch', '4', '--steps', '20', '--samples', '0', '--out', ckpt, '--quiet']);
  expect(trained.code).toBe(0);
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

  it('refuses a folder that holds files unless --overwrite, an --out equal to --ckpt, and an unknown format', async () => {
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
    expect(unknown.stderr).toContain("argument 'onnx' is invalid. Allowed choices are projector");
  });
});
