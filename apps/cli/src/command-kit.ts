// What every command shares: the --json and --quiet flags, the flags given explicitly, and the backend flags.
import { type Command, Option } from 'commander';
import { type Output, createOutput } from './output';
import { BACKEND_CHOICES } from './compute';
import { integerAtLeast } from './options';

/** Adds --json and --quiet. */
export function withOutputFlags(command: Command, json = 'print JSON lines on stdout (everything else goes to stderr)'): Command {
  return command.option('--json', json).option('-q, --quiet', 'print only results and errors');
}

/** Adds --backend and --threads. */
export function withBackendFlags(command: Command): Command {
  return command
    .addOption(new Option('--backend <name>', 'compute backend: blas runs matmuls on the system\'s BLAS (OpenBLAS), webgpu runs on the GPU (float32; needs the webgpu package), auto takes blas where it loads, else wasm').choices(BACKEND_CHOICES).default('wasm'))
    .option('--threads <n>', 'kernel threads (wasm and blas backends; blas sets OpenBLAS\'s threads too)', integerAtLeast(1), 1);
}

/** The command's output, from its --json and --quiet. */
export function outputOf(command: Command): Output {
  return createOutput(command.opts<{ json?: boolean; quiet?: boolean }>());
}

/** Names of the options given on the command line (not defaults). */
export function explicitOptions(command: Command): Set<string> {
  return new Set(Object.keys(command.opts()).filter((key) => command.getOptionValueSource(key) === 'cli'));
}

/** Help text listing examples, shown after a command's options. */
export function examples(...lines: string[]): string {
  return `\nExamples:\n${lines.map((line) => `  $ ${line}`).join('\n')}\n`;
}
