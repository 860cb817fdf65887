// `microgpt bench [SUITE…]`: runs the repo's benchmark harness (tooling/bench, what `pnpm bench` runs). The
// harness and its peers (PyTorch, jax-js, TensorFlow.js) live in the repository, not in the published CLI, so
// this works inside a checkout and says so elsewhere.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { examples, outputOf, withOutputFlags } from '../command-kit';
import { EXIT_RUNTIME, runtimeError } from '../errors';

/** The checkout's tooling/bench folder above `from`, or null. */
function findHarness(from: string): string | null {
  for (let dir = resolve(from); ; dir = dirname(dir)) {
    const bench = join(dir, 'tooling', 'bench');
    if (existsSync(join(bench, 'src', 'main.ts'))) return bench;
    if (dirname(dir) === dir) return null;
  }
}

/** Adds `bench` to `program`. */
export function registerBench(program: Command): void {
  const command = program
    .command('bench')
    .description('run the benchmark suites (all when none is named) side by side with their peers; inside a microgpt checkout')
    .argument('[suite...]', 'suites to run (see --list)')
    .option('--list', 'list the suites');
  withOutputFlags(command, 'print the harness’s JSON lines (suite, name, impl, threads, metric, value, unit)');
  command.addHelpText('after', examples('microgpt bench --list', 'microgpt bench train generate --json > bench.jsonl'));
  command.action(async (suites: string[], flags: { list?: boolean }) => {
    const out = outputOf(command);
    const harness = findHarness(process.env.INIT_CWD ?? process.cwd()) ?? findHarness(process.cwd());
    if (harness === null) throw runtimeError('the benchmark harness was not found: `microgpt bench` runs inside a microgpt checkout (tooling/bench)', 'git clone the repository, `pnpm install`, then `pnpm bench` or `pnpm microgpt bench`');
    // The harness formats its own lines (JSON, or `--table` for people), so the CLI only passes them through.
    const args = ['--conditions=@microgpt/source', '--import', 'tsx', 'src/main.ts', ...(flags.list ? ['--list'] : []), ...(out.json ? [] : ['--table']), ...suites];
    const child = spawn(process.execPath, args, { cwd: harness, stdio: ['ignore', 'inherit', out.quiet ? 'ignore' : 'inherit'] });
    const code = await new Promise<number>((done) => child.on('close', (c) => {
      done(c ?? EXIT_RUNTIME);
    }));
    if (code !== 0) process.exitCode = code;
  });
}
