// The scale-out round trip through PyTorch: train here, export (folder and token file), continue training with
// `torchrun --nproc_per_node 2` (python/microgpt_torch, gloo on CPU), import the result and sample from it; and
// `eval --input`'s loss recomputed from PyTorch's logits of the same windows. Needs PyTorch: torchPython() fails
// naming what to install (these tests never skip).
import { execFileSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PYTHON_PACKAGE_DIR, torchPython } from '@microgpt/test-data';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, jsonLines, runCli, tempDir, writeText } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const run = (args: string[]): Promise<CliResult> => runCli(args, { env });
const poem = join(dir, 'poem.txt');
writeText(poem, 'shall i compare thee to a summer day?\nthou art more lovely and more temperate.\nrough winds do shake the darling buds of may,\n'.repeat(12));
const ckpt = join(dir, 'run');
const hf = join(dir, 'hf');
const tokens = join(dir, 'poem.tok');
const T = 16;

/** Runs `python -m <module> args` with PyTorch from python/, returning stdout. */
function python(args: string[]): string {
  return execFileSync(torchPython(), args, { cwd: PYTHON_PACKAGE_DIR, env: { ...process.env, PYTHONDONTWRITEBYTECODE: '1', OMP_NUM_THREADS: '1' }, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The ids of a microgpt token file (64-byte header, uint16 ids for these small vocabularies). */
function tokenIds(path: string): number[] {
  const bytes = readFileSync(path);
  expect(bytes.readUInt32LE(12)).toBe(1); // uint16
  return Array.from({ length: Number(bytes.readBigUInt64LE(16)) }, (_, i) => bytes.readUInt16LE(64 + 2 * i));
}

beforeAll(async () => {
  const trained = await run(['train', '--preset', 'shakespeare-cpu', '--data', poem, '--n-layer', '2', '--n-embd', '32', '--block-size', String(T), '--batch', '4', '--steps', '20', '--samples', '0', '--quiet', '--out', ckpt]);
  expect(trained.code).toBe(0);
  const exported = await run(['export', '--ckpt', ckpt, '--out', hf, '--tokens', tokens]);
  expect(exported.stderr).toBe('');
  expect(exported.code).toBe(0);
});

describe('microgpt → export → torchrun (2 processes) → import → sample', () => {
  it('continues training for 4 steps on 2 processes and the result imports and samples', async () => {
    const state = join(ckpt, readdirSync(ckpt).filter((name) => name.startsWith('checkpoint-')).sort().at(-1)!, 'trainer_state.json');
    const trained = join(dir, 'trained');
    python(['-m', 'torch.distributed.run', '--standalone', '--nproc_per_node', '2', '--redirects', '2', '--tee', '2', '-m', 'microgpt_torch.train', '--from', hf, '--tokens', tokens, '--settings', state, '--steps', '24', '--out', trained]);
    const steps = readFileSync(join(trained, 'metrics.jsonl'), 'utf8').trim().split('\n').map((line) => JSON.parse(line) as { step: number; loss: number });
    expect(steps.map((s) => s.step)).toEqual([21, 22, 23, 24]);
    for (const s of steps) expect(Number.isFinite(s.loss)).toBe(true);
    const imported = join(dir, 'imported');
    expect((await run(['import', '--from', trained, '--out', imported])).code).toBe(0);
    const fromImport = await run(['sample', '--ckpt', imported, '--prompt', 'shall', '--max-tokens', '30', '--seed', '2', '--json']);
    expect(fromImport.code).toBe(0);
    const sample = jsonLines(fromImport.stdout)[0]!;
    expect(sample).toMatchObject({ tokens: 30, stop: 'max-tokens' });
    expect(sample.sample as string).toMatch(/^shall/);
    const direct = await run(['sample', '--ckpt', trained, '--prompt', 'shall', '--max-tokens', '30', '--seed', '2', '--json']);
    expect(direct.stdout).toBe(fromImport.stdout);
    const before = await run(['sample', '--ckpt', hf, '--prompt', 'shall', '--max-tokens', '30', '--seed', '2', '--json']);
    expect(before.stdout).not.toBe(fromImport.stdout);
  }, 180_000);

  it('eval --input gives the loss PyTorch computes over the same consecutive windows, within 1e-4', async () => {
    const ours = jsonLines((await run(['eval', '--ckpt', hf, '--input', poem, '--json'])).stdout)[0]!;
    const ids = tokenIds(tokens);
    expect(ours).toMatchObject({ tokens: ids.length - 1, windows: Math.ceil((ids.length - 1) / T), contextSize: T });
    // PyTorch's logits of each window's T inputs; the cross-entropy against the next ids is taken here.
    const inputs: number[][] = [];
    for (let start = 0; start < ids.length - 1; start += T) inputs.push(ids.slice(start, Math.min(start + T, ids.length - 1)));
    const torch = JSON.parse(python(['-m', 'microgpt_torch.logits', '--model', hf, '--sequences', JSON.stringify(inputs), '--dtype', 'float64'])) as { sequences: { shape: [number, number]; logits: string }[] };
    let sum = 0;
    torch.sequences.forEach(({ shape: [L, V], logits }, w) => {
      const bytes = Buffer.from(logits, 'base64');
      const values = new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength));
      for (let t = 0; t < L; t++) {
        const row = Array.from(values.subarray(t * V, (t + 1) * V));
        const max = Math.max(...row);
        sum += max + Math.log(row.reduce((z, x) => z + Math.exp(x - max), 0)) - row[ids[w * T + t + 1]!]!;
      }
    });
    expect(Math.abs((ours.loss as number) - sum / (ids.length - 1))).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});
