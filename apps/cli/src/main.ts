// Runs the CLI on an argument list and turns whatever happens into an exit code.
import { reportError } from './errors';
import { buildProgram } from './program';

/**
 * Runs `microgpt` with `args` (without the node and script paths).
 * @returns the exit code: 0, 1 (runtime error), 2 (usage error) or 130 (stopped by Ctrl-C).
 */
export async function main(args: readonly string[]): Promise<number> {
  try {
    await buildProgram().parseAsync([...args], { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (error) {
    return reportError(error, args.includes('--debug'), (text) => process.stderr.write(text));
  }
}
