// --backend blas and --backend auto: training on the system's OpenBLAS (the banner names its kernel and threads,
// the checkpoint and `info` the backend, `--resume` reuses it), and a machine without a BLAS library, simulated by
// naming one that does not exist in MICROGPT_BLAS_LIBRARY: blas then fails saying what to install, auto falls back
// to wasm with a note. CI installs OpenBLAS (.ci/run); without it the tests that need it fail saying so.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, jsonLines, namesFile, readText, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const noBlas = cliEnv(join(dir, 'cache'), { MICROGPT_BLAS_LIBRARY: 'libmicrogpt-no-such-blas.so.0' });
const data = namesFile(dir);
const SMALL = ['--preset', 'names', '--data', data, '--n-embd', '32', '--n-layer', '2', '--batch', '16', '--samples', '0'];

/** The trainer_state.json of a run folder's checkpoint at `step`. */
function savedState(out: string, step: number): Record<string, unknown> {
  return JSON.parse(readText(join(out, `checkpoint-${step}`, 'trainer_state.json'))) as Record<string, unknown>;
}

describe('--backend blas', () => {
  it('trains on OpenBLAS, names its kernel and threads, saves the backend, and resumes on it', async () => {
    const out = join(dir, 'runs', 'blas');
    const trained = await runCli(['train', ...SMALL, '--steps', '20', '--backend', 'blas', '--threads', '2', '--out', out], { env });
    expect(trained.stderr).not.toMatch(/no BLAS library/);
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/^backend blas \(OpenBLAS \d+\.\d+\.\d+ from \S+: \w+ kernels, 2 BLAS threads\), 2 threads, float32$/m);
    expect(savedState(out, 20)).toMatchObject({ backend: 'blas', threads: 2 });

    const info = await runCli(['info', '--ckpt', out], { env });
    expect(info.code).toBe(0);
    expect(info.stdout).toContain('trained on: backend blas, 2 threads');
    const json = jsonLines((await runCli(['info', '--ckpt', out, '--json'], { env })).stdout)[0]!;
    expect(json).toMatchObject({ trainerState: { backend: 'blas', threads: 2 } });

    const resumed = await runCli(['train', '--resume', out, '--steps', '30'], { env });
    expect(resumed.code).toBe(0);
    expect(resumed.stdout).toMatch(/^backend blas \(.*2 BLAS threads\), 2 threads, float32$/m);
    expect(savedState(out, 30)).toMatchObject({ backend: 'blas', threads: 2 });

    const sampled = await runCli(['sample', '--ckpt', out, '--n', '3', '--backend', 'blas', '--json'], { env });
    expect(sampled.code).toBe(0);
    expect(jsonLines(sampled.stdout)).toHaveLength(3);
  });

  it('without a BLAS library: one error line naming what was tried, a hint naming what to install, exit 1', async () => {
    const result = await runCli(['train', ...SMALL, '--steps', '5', '--backend', 'blas', '--out', join(dir, 'runs', 'none')], { env: noBlas });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    const [error, hint, ...rest] = result.stderr.trimEnd().split('\n');
    expect(error).toMatch(/^error: blas: no BLAS library could be loaded \(tried libmicrogpt-no-such-blas\.so\.0: .+\)$/);
    expect(hint).toMatch(/^hint: install OpenBLAS \(Debian\/Ubuntu: sudo apt-get install libopenblas0-pthread; Fedora: sudo dnf install openblas-threads; macOS: .+; Windows: .+\), or set MICROGPT_BLAS_LIBRARY .+; or use --backend wasm \(the default\)$/);
    expect(rest).toEqual([]);
  });

  it('a checkpoint trained on blas cannot resume without a BLAS library, and says so; --backend wasm resumes it', async () => {
    const out = join(dir, 'runs', 'blas');
    const refused = await runCli(['train', '--resume', out, '--steps', '40'], { env: noBlas });
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^error: blas: no BLAS library could be loaded/);
    const onWasm = await runCli(['train', '--resume', out, '--steps', '40', '--backend', 'wasm', '--quiet'], { env: noBlas });
    expect(onWasm.code).toBe(0);
    expect(savedState(out, 40)).toMatchObject({ backend: 'wasm', threads: 1 }); // another backend: the saved count is not reused
  });
});

describe('--backend auto', () => {
  it('takes blas where OpenBLAS loads', async () => {
    const out = join(dir, 'runs', 'auto');
    const result = await runCli(['train', ...SMALL, '--steps', '5', '--backend', 'auto', '--out', out], { env });
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^backend blas \(/m);
    expect(savedState(out, 5)).toMatchObject({ backend: 'blas', threads: 1 });
  });

  it('falls back to wasm with a note naming what to install', async () => {
    const out = join(dir, 'runs', 'auto-wasm');
    const result = await runCli(['train', ...SMALL, '--steps', '5', '--backend', 'auto', '--out', out], { env: noBlas });
    expect(result.code).toBe(0);
    expect(result.stderr).toMatch(/^--backend auto: using the wasm backend, as no BLAS library could be loaded \(tried libmicrogpt-no-such-blas\.so\.0: .+\); for faster matmuls, install OpenBLAS \(Debian\/Ubuntu: sudo apt-get install libopenblas0-pthread;/m);
    expect(result.stdout).toMatch(/^backend wasm, 1 thread, float32$/m);
    expect(savedState(out, 5)).toMatchObject({ backend: 'wasm', threads: 1 });
  });
});
