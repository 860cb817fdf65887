// `--profile` on train, sample and eval: the kernel table on stderr, and a trace.json that a JSON-schema check of
// the Trace Event Format accepts, holding one complete event a recorded call, as many as the table counts.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { traceProblems } from '../../../packages/tensor/src/trace-event-schema';
import { cliEnv, jsonLines, namesFile, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = namesFile(dir);
const run = join(dir, 'run');

interface ProfileJson {
  trace: string;
  wall_ms: number;
  recorded_calls: number;
  dropped_calls: number;
  kernels: { kernel: string; calls: number; total_ms: number; share: number; gflops: number | null }[];
}

interface TraceJson {
  traceEvents: { name: string; ph: string; ts: number; dur?: number; args?: Record<string, unknown> }[];
}

/** Checks the trace against the schema and the --json profile record, and returns the record. */
function checkTrace(stdout: string, path: string): ProfileJson {
  const record = jsonLines(stdout).find((l) => 'profile' in l)!.profile as ProfileJson;
  expect(record.trace).toBe(path);
  const trace = JSON.parse(readFileSync(path, 'utf8')) as TraceJson;
  expect(traceProblems(trace)).toEqual([]);
  const calls = trace.traceEvents.filter((e) => e.ph === 'X');
  expect(calls).toHaveLength(record.recorded_calls);
  expect(record.dropped_calls).toBe(0);
  for (const k of record.kernels) expect(calls.filter((e) => e.name === k.kernel)).toHaveLength(k.calls);
  expect(record.kernels.reduce((n, k) => n + k.share, 0)).toBeCloseTo(1, 9);
  const matmul = record.kernels.find((k) => k.kernel === 'matmul')!;
  expect(matmul.gflops).toBeGreaterThan(0);
  expect(calls.find((e) => e.name === 'matmul')!.args).toMatchObject({ dtype: 'float32', threads: 1, gflop: expect.any(Number) as number });
  return record;
}

describe('--profile', () => {
  it('train: prints the kernel table and writes a valid trace of every kernel call', async () => {
    const trace = join(dir, 'train-trace.json');
    const result = await runCli(['train', '--preset', 'names', '--data', data, '--n-embd', '16', '--n-layer', '1', '--batch', '4', '--steps', '5', '--samples', '1', '--out', run, '--json', '--profile', trace], { env });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/kernel profile of microgpt train:\nkernel +calls +total ms +share +µs\/call +GFLOP\/s\n/);
    expect(result.stderr).toContain(`trace: ${trace} (open it in https://ui.perfetto.dev or chrome://tracing)`);
    const record = checkTrace(result.stdout, trace);
    // Five steps: one optimizer update each.
    expect(record.kernels.find((k) => k.kernel === 'adam')!.calls).toBe(5);
  });

  it('sample and eval: the same table and trace; a bare --profile writes trace.json in the current folder', async () => {
    const sample = await runCli(['sample', '--ckpt', run, '--n', '2', '--json', '--profile', join(dir, 'sample-trace.json')], { env });
    expect(sample.code).toBe(0);
    expect(sample.stderr).toContain('kernel profile of microgpt sample:');
    checkTrace(sample.stdout, join(dir, 'sample-trace.json'));
    const evaluated = await runCli(['eval', '--ckpt', run, '--batches', '2', '--json', '--profile'], { env, cwd: dir });
    expect(evaluated.code).toBe(0);
    expect(evaluated.stderr).toContain('kernel profile of microgpt eval:');
    const record = jsonLines(evaluated.stdout).find((l) => 'profile' in l)!.profile as ProfileJson;
    expect(record.trace).toBe('trace.json');
    expect(traceProblems(JSON.parse(readFileSync(join(dir, 'trace.json'), 'utf8')))).toEqual([]);
  });

  it('refuses a trace path in a missing folder before doing any work', async () => {
    const result = await runCli(['train', '--preset', 'names', '--data', data, '--steps', '5', '--out', join(dir, 'never'), '--profile', join(dir, 'missing', 't.json')], { env });
    expect(result.code).toBe(2);
    expect(result.stderr).toBe(`error: --profile ${join(dir, 'missing', 't.json')}: the folder ${join(dir, 'missing')} does not exist\nhint: create it first, or give a path in an existing folder\n`);
    expect(existsSync(join(dir, 'never'))).toBe(false);
  });
});
