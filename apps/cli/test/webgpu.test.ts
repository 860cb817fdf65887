// `--backend webgpu`: training on the GPU backend (here Chromium's SwiftShader, a Vulkan driver on the CPU, which
// the child process is pointed at through its environment) follows the wasm run's losses; what it cannot do is
// refused before any work, and a machine without an adapter gets one line saying what to install.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SWIFTSHADER_ICD, swiftShaderEnv } from '@microgpt/backend-webgpu/node';
import { describe, expect, it } from 'vitest';
import { cliEnv, jsonLines, namesFile, runCli, tempDir } from './cli';

const dir = tempDir();
const names = namesFile(dir);
const base = cliEnv(join(dir, 'cache'));
// The tests need the SwiftShader driver that .ci/run installs with Chromium: they fail, naming it, without it.
const gpu = { ...base, ...swiftShaderEnv(base) };
const SMALL = ['--preset', 'shakespeare-cpu', '--data', names, '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--batch', '4', '--steps', '8', '--log-every', '1', '--samples', '0', '--json'];

const losses = (stdout: string): number[] => jsonLines(stdout).filter((line) => line.lr !== undefined).map((line) => line.loss as number);

describe('--backend webgpu', () => {
  it('trains a shakespeare-cpu-shaped model on SwiftShader with the losses of wasm (within 1e-3), and says so in info', async () => {
    expect(existsSync(SWIFTSHADER_ICD), `${SWIFTSHADER_ICD} is missing: install Debian's chromium (.ci/run does)`).toBe(true);
    const onGpu = await runCli(['train', ...SMALL, '--backend', 'webgpu', '--out', join(dir, 'gpu')], { env: gpu });
    expect(onGpu.code, onGpu.stderr).toBe(0);
    const onWasm = await runCli(['train', ...SMALL, '--backend', 'wasm', '--out', join(dir, 'wasm')], { env: base });
    expect(onWasm.code, onWasm.stderr).toBe(0);
    const [a, b] = [losses(onGpu.stdout), losses(onWasm.stdout)];
    expect(a).toHaveLength(8);
    a.forEach((loss, i) => {
      expect(Math.abs(loss - b[i]!), `step ${i + 1}`).toBeLessThan(1e-3);
    });
    const info = await runCli(['info', '--ckpt', join(dir, 'gpu')], { env: base });
    expect(info.stdout).toContain('trained on: backend webgpu');
  });

  it('refuses float64 (flags and checkpoints), --compat and --threads before any work; without an adapter it names what to install', async () => {
    const cases: [string[], number, string][] = [
      [['train', ...SMALL, '--backend', 'webgpu', '--dtype', 'float64', '--out', join(dir, 'refused')], 2, 'error: --backend webgpu computes in float32 only (WGSL has no float64), and --dtype is float64'],
      [['train', '--compat', 'microgpt.py', '--data', names, '--backend', 'webgpu'], 2, "error: --backend webgpu computes in float32 only (WGSL has no float64), and microgpt.py's exact run is float64"],
      [['train', ...SMALL, '--backend', 'webgpu', '--threads', '2', '--out', join(dir, 'refused')], 2, 'error: --threads 2 needs --backend wasm or blas (the webgpu backend takes no thread count)'],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(args, { env: gpu });
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr).toContain(message);
    }
    const f64 = join(dir, 'f64');
    expect((await runCli(['train', ...SMALL, '--dtype', 'float64', '--out', f64], { env: base })).code).toBe(0);
    for (const args of [['sample', '--ckpt', f64], ['eval', '--ckpt', f64], ['train', '--resume', f64]]) {
      const result = await runCli([...args, '--backend', 'webgpu'], { env: gpu });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr).toContain(`holds float64 weights, and --backend webgpu computes in float32 only`);
    }
    const noAdapter = await runCli(['train', ...SMALL, '--backend', 'webgpu', '--out', join(dir, 'none')], { env: { ...base, VK_ICD_FILENAMES: join(dir, 'no-such-driver.json') } });
    expect(noAdapter.code).toBe(1);
    expect(noAdapter.stderr).toMatch(/^error: webgpu: the backend could not start: /m);
    expect(noAdapter.stderr).toContain('hint: install the webgpu package beside microgpt (npm i webgpu)');
    // Dawn itself prints a warning about the missing Vulkan loader, with the C++ line it came from; no JS trace.
    expect(noAdapter.stderr).not.toMatch(/internal error|\n\s+at .*\.(js|ts):\d+/);
  });
});
