// The webgpu backend (@microgpt/backend-webgpu) for the suite that measures it beside wasm. Opened in this process
// where Node's WebGPU (the `webgpu` package, Dawn) finds an adapter: a GPU's driver, or SwiftShader when the
// process was started with its environment. Where it finds none but Chromium's SwiftShader driver is installed,
// the suite reruns itself in a child process started with that environment (the Vulkan loader reads it only when
// a process starts) and passes the child's rows on. Elsewhere the rows are skipped with one note.
import { spawnSync } from 'node:child_process';
import { adapterName, webgpuAdapterOf } from '@microgpt/backend-webgpu';
import { createNodeWebGPUBackend, nodeGPU, swiftShaderEnv } from '@microgpt/backend-webgpu/node';
import type { Backend } from '@microgpt/tensor';
import { type Emit, type Measurement, progress } from './harness';
import { describeError } from './peers/cases';

/** Set in the child process the suite starts with SwiftShader's environment, so that it never starts another. */
const CHILD_FLAG = 'MICROGPT_BENCH_WEBGPU_CHILD';

/** An open webgpu backend and what its rows say about the adapter. */
export interface WebGPUTarget {
  readonly backend: Backend;
  /** The adapter's name (`adapterName`: `description (vendor architecture device)`, empty parts left out). */
  readonly adapter: string;
  /** A software adapter (SwiftShader): its rows are correctness-only. */
  readonly software: boolean;
}

/** The webgpu backend on this process's adapter, or null (with the reason on stderr when opening failed). */
async function openWebGPU(): Promise<WebGPUTarget | null> {
  try {
    if (!(await (await nodeGPU()).requestAdapter())) return null;
    const backend = await createNodeWebGPUBackend();
    const info = webgpuAdapterOf(backend)!;
    return { backend, adapter: adapterName(info), software: info.software };
  } catch (error) {
    progress(`bench: webgpu: cannot open WebGPU: ${describeError(error)}`);
    return null;
  }
}

/**
 * Runs `suite` again in a child process started with SwiftShader's environment and emits the rows it prints.
 * Returns false (and runs nothing) when this is that child already or when SwiftShader is not installed.
 */
function rerunOnSwiftShader(suite: string, emit: Emit): boolean {
  const env = swiftShaderEnv();
  if (process.env[CHILD_FLAG] || Object.keys(env).length === 0) return false;
  progress(`bench: ${suite}: no WebGPU adapter in this process; rerunning the suite on SwiftShader (${env.VK_ICD_FILENAMES})`);
  const child = spawnSync(process.execPath, [...process.execArgv, process.argv[1]!, suite], {
    env: { ...process.env, ...env, [CHILD_FLAG]: '1' },
    stdio: ['ignore', 'pipe', 'inherit'],
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  if (child.status !== 0) progress(`bench: ${suite}: the SwiftShader run failed (exit ${child.status ?? child.signal})`);
  for (const line of child.stdout.split('\n')) if (line.startsWith('{')) emit(JSON.parse(line) as Measurement);
  return true;
}

/**
 * Runs `measure` on the webgpu backend for `suite`: in this process where it has an adapter, else in a child process
 * on SwiftShader where that is installed (its rows passed on to `emit`), else not at all, with one note saying why.
 */
export async function withWebGPU(suite: string, emit: Emit, measure: (target: WebGPUTarget) => Promise<void>): Promise<void> {
  const target = await openWebGPU();
  if (target) await measure(target);
  else if (!rerunOnSwiftShader(suite, emit)) progress(`bench: skipping ${suite}: no WebGPU adapter here (no GPU driver, and no SwiftShader from Debian's chromium package)`);
}
