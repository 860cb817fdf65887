// Runs the built CLI (dist/cli.js, made by `pnpm build` before the tests) as a child process, with its own
// cache folder and every download URL pointed at a closed local port, so no test touches the network.
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll } from 'vitest';

/** The built executable. */
export const CLI = fileURLToPath(new URL('../dist/cli.js', import.meta.url));

/** A URL nothing listens on: downloads fail at once, as offline. */
export const OFFLINE_URL = 'http://127.0.0.1:65534/unreachable';

/** A temp folder removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'microgpt-cli-'));
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
  });
  return dir;
}

/** What a finished run printed. */
export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Environment of a test run: a private cache and offline download URLs, plus `extra`. */
export function cliEnv(cache: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, MICROGPT_CACHE: cache, NO_COLOR: '1' };
  delete env.npm_lifecycle_event;
  for (const name of ['MICROGPT_DATA_URL_NAMES', 'MICROGPT_DATA_URL_SHAKESPEARE', 'MICROGPT_TOKENIZER_URL_GPT2', 'MICROGPT_TOKENIZER_URL_CL100K_BASE', 'MICROGPT_TOKENIZER_URL_O200K_BASE']) env[name] = OFFLINE_URL;
  return { ...env, ...extra };
}

/**
 * How to start the CLI: its folder, environment, flags for node itself (`--max-old-space-size=200`), and the script
 * to run instead of dist/cli.js (the standalone bundle's microgpt.mjs).
 */
export interface StartOptions {
  readonly cwd?: string;
  readonly script?: string;
  readonly env?: NodeJS.ProcessEnv;
  readonly nodeArgs?: readonly string[];
}

/** Starts the CLI with `args`. */
export function startCli(args: readonly string[], options: StartOptions = {}): ChildProcessWithoutNullStreams {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), options.script ?? CLI, ...args], { cwd: options.cwd, env: options.env ?? cliEnv(join(tmpdir(), 'microgpt-cli-cache-unused')) });
}

/** Runs the CLI to the end; `input` is written to its stdin. */
export function runCli(args: readonly string[], options: StartOptions & { input?: string } = {}): Promise<CliResult> {
  const child = startCli(args, options);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  child.stdin.end(options.input ?? '');
  return new Promise((resolve) => child.on('close', (code) => {
    resolve({ code, stdout, stderr });
  }));
}

/** The JSON lines of an output. */
export function jsonLines(text: string): Record<string, unknown>[] {
  return text.split('\n').filter((line) => line.length > 0).map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** A small documents file: made-up names, one a line. */
export function namesFile(dir: string, count = 300): string {
  const syllables = ['ka', 'lo', 'mi', 'ra', 'en', 'tu', 'bel', 'sa', 'no', 'vi', 'da', 'ri'];
  const lines: string[] = [];
  let state = 7;
  for (let i = 0; i < count; i++) {
    let name = '';
    const parts = 1 + (i % 3);
    for (let p = 0; p < parts; p++) {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0;
      name += syllables[(state >>> 16) % syllables.length]!;
    }
    lines.push(name);
  }
  const path = join(dir, 'names-small.txt');
  writeText(path, `${lines.join('\n')}\n`);
  return path;
}

/** Writes a text file. */
export function writeText(path: string, text: string): void {
  writeFileSync(path, text);
}

/** Reads a text file. */
export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
