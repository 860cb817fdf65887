// Ctrl-C during training. The first asks the loop to stop after the current step and write a checkpoint; the
// second exits at once. Checkpoint files are written to temp files and renamed, so exiting mid-write can only
// leave a temp file: those of this process are removed on the way out.
import { readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { EXIT_INTERRUPTED } from '../errors';

/** Whether Ctrl-C was pressed; remove the handler with `dispose` when the run is over. */
export interface InterruptWatch {
  readonly requested: boolean;
  dispose(): void;
}

/** Removes this process's unfinished temp files and folders (a checkpoint being written) from `dir`. */
function removeTempFiles(dir: string): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  for (const name of names) if (name.includes(`.tmp-${process.pid}-`)) rmSync(join(dir, name), { recursive: true, force: true });
}

/**
 * Handles SIGINT while a run writes checkpoints to `dir`: the first calls `onFirst` (to say what happens) and
 * sets `requested`; the second removes temp files and exits with code 130.
 */
export function watchInterrupts(dir: string, onFirst: () => void): InterruptWatch {
  let requested = false;
  const handler = (): void => {
    if (requested) {
      removeTempFiles(dir);
      process.stderr.write('\ninterrupted again: exiting now (the last complete checkpoint is kept)\n');
      process.exit(EXIT_INTERRUPTED);
    }
    requested = true;
    onFirst();
  };
  process.on('SIGINT', handler);
  return {
    get requested() {
      return requested;
    },
    dispose: () => {
      process.off('SIGINT', handler);
    },
  };
}
