// Mistakes a user can make end the command with one message, a hint and an exit code; anything else is a bug
// and keeps its stack trace. Errors the libraries throw for bad input (a config, data, a checkpoint, text
// outside a vocabulary) are the user's, so they are reported the same way.
import { CheckpointError, DataError, HuggingFaceExportError, MemoryLimitError, ModelError, NonFiniteLossError, RunFolderError } from '@microgpt/model';
import { QuantError } from '@microgpt/quant';
import { BackendMemoryError } from '@microgpt/tensor';
import { TokenizerError } from '@microgpt/tokenizer';
import { CommanderError } from 'commander';

/** Exit code of a failure while running (missing file, corrupt checkpoint, bad data). */
export const EXIT_RUNTIME = 1;
/** Exit code of a bad command line (unknown flag, bad flag value, unknown preset). */
export const EXIT_USAGE = 2;
/** Exit code after Ctrl-C (128 + SIGINT), as shells expect. */
export const EXIT_INTERRUPTED = 130;

/** A failure the user can fix: its message, a hint saying how, and the exit code. */
export class CliError extends Error {
  override readonly name = 'CliError';
  constructor(
    message: string,
    readonly exitCode: typeof EXIT_RUNTIME | typeof EXIT_USAGE,
    readonly hint?: string,
  ) {
    super(message);
  }
}

/** A bad command line: exit code 2. */
export function usageError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT_USAGE, hint);
}

/** A failure while running: exit code 1. */
export function runtimeError(message: string, hint?: string): CliError {
  return new CliError(message, EXIT_RUNTIME, hint);
}

/** Re-throws a library error about the user's flags (a config or preset) as a usage error. */
export function asUsage<T>(work: () => T, hint?: string): T {
  try {
    return work();
  } catch (error) {
    if (error instanceof ModelError || error instanceof DataError || error instanceof TokenizerError) throw usageError(error.message, hint);
    throw error;
  }
}

/** The hint for a checkpoint whose weights or optimizer buffers hold a NaN or an infinity. */
const DIVERGED_HINT = 'no command can use such a checkpoint: start a new run (--out DIR) with a smaller learning rate';

const USER_ERRORS: readonly { type: new (...args: never[]) => Error; hint: string | ((error: Error) => string) }[] = [
  { type: NonFiniteLossError, hint: 'the run diverged: start a new run with a lower --lr (--resume keeps the saved rate); the last checkpoint is kept' },
  { type: RunFolderError, hint: 'wait for that run to finish, or train into another folder with --out DIR' },
  { type: CheckpointError, hint: (error) => (error instanceof CheckpointError && error.details.field === 'values' ? DIVERGED_HINT : 'check the folder: `microgpt info --ckpt DIR` lists what it holds') },
  { type: TokenizerError, hint: 'the text must be encodable by the tokenizer (train one on text like it)' },
  { type: DataError, hint: 'use more data or a smaller --block-size' },
  { type: QuantError, hint: 'pick another --scheme: bf16 keeps float32\'s range, int8 and int4 scale each row' },
  { type: MemoryLimitError, hint: 'lower the sizes that grow it (--batch, --block-size, --n-layer, --n-embd, --beam)' },
  { type: BackendMemoryError, hint: 'the backend ran out of memory: lower --batch, --block-size, --n-layer, --n-embd or --beam, or try --backend js' },
  { type: HuggingFaceExportError, hint: "GPT-2's architecture has no place for this: train with GPT-2's choices (LayerNorm, a final norm, no norm after the embeddings), e.g. --preset shakespeare-cpu" },
  { type: ModelError, hint: 'see `microgpt <command> --help`' },
];

/** File-system failures with a plain cause: a missing file or folder, a permission. */
function fileProblem(error: unknown): string | null {
  const code = (error as { code?: unknown } | null)?.code;
  const path = (error as { path?: unknown } | null)?.path;
  if (typeof code !== 'string' || typeof path !== 'string') return null;
  const what = { ENOENT: 'no such file or folder', EACCES: 'permission denied', EISDIR: 'is a folder, not a file', ENOTDIR: 'not a folder', ENOSPC: 'no space left on the device' }[code];
  return what ? `${path}: ${what}` : null;
}

/**
 * Prints `error` for the user and returns the exit code: commander's own errors (already printed) → 2 (0 for
 * --help and --version), user errors → one line and a hint, bugs → the stack trace. `debug` adds the stack
 * trace to every error.
 */
export function reportError(error: unknown, debug: boolean, write: (text: string) => void): number {
  if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_USAGE;
  const stack = debug && error instanceof Error ? `\n${error.stack ?? ''}` : '';
  if (error instanceof CliError) {
    write(`error: ${error.message}${error.hint ? `\nhint: ${error.hint}` : ''}${stack}\n`);
    return error.exitCode;
  }
  const known = USER_ERRORS.find((entry) => error instanceof entry.type);
  if (known) {
    const hint = typeof known.hint === 'string' ? known.hint : known.hint(error as Error);
    write(`error: ${(error as Error).message}\nhint: ${hint}${stack}\n`);
    return EXIT_RUNTIME;
  }
  const file = fileProblem(error);
  if (file) {
    write(`error: ${file}${stack}\n`);
    return EXIT_RUNTIME;
  }
  write(`microgpt: internal error (please report it with the command you ran)\n${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  return EXIT_RUNTIME;
}
