// Where a command's words go. Results are stdout; notes are stderr. With --json stdout carries only JSON lines
// (one object a line) and everything for humans moves to stderr; --quiet keeps only results and errors.

/** How a command prints. */
export interface Output {
  readonly json: boolean;
  readonly quiet: boolean;
  /** True when stderr is a terminal that can show a progress bar. */
  readonly interactive: boolean;
  /** The command's result for a human (not with --json): stdout. */
  readonly result: (text: string) => void;
  /** Running commentary (progress lines, summaries): stdout, stderr with --json, nothing with --quiet. */
  readonly info: (text: string) => void;
  /** Notes and warnings: stderr, nothing with --quiet. */
  readonly note: (text: string) => void;
  /** One JSON line on stdout (only with --json). */
  readonly record: (value: object) => void;
}

/** Flags every command has. */
export interface OutputFlags {
  readonly json?: boolean;
  readonly quiet?: boolean;
}

const line = (text: string): string => (text.endsWith('\n') ? text : `${text}\n`);

/** The output of a command run with `flags`. */
export function createOutput(flags: OutputFlags): Output {
  const json = flags.json === true;
  const quiet = flags.quiet === true;
  return {
    json,
    quiet,
    interactive: !json && !quiet && process.stderr.isTTY && process.env.CI === undefined,
    result: (text) => {
      if (!json) process.stdout.write(line(text));
    },
    info: (text) => {
      if (!quiet) (json ? process.stderr : process.stdout).write(line(text));
    },
    note: (text) => {
      if (!quiet) process.stderr.write(line(text));
    },
    record: (value) => {
      if (json) process.stdout.write(`${JSON.stringify(value)}\n`);
    },
  };
}
