// `microgpt train --compat microgpt.py`: Karpathy's microgpt.py run, reproduced exactly (the model package's
// runMicrogpt), printing what microgpt.py prints with each loss in full, or JSON lines.
import { type MicrogptHooks, microgptLines, runMicrogpt } from '@microgpt/model';
import { type BackendChoice, checkBackendDtype, startCompute } from '../compute';
import { readData } from '../datasets';
import { usageError } from '../errors';
import { machineMemory, refuseWhatDoesNotFit } from '../memory';
import type { Output } from '../output';

/** The flags microgpt.py has as settings (plus where its input comes from). */
export interface CompatFlags {
  readonly data?: string;
  readonly seed?: number;
  readonly nLayer?: number;
  readonly nEmbd?: number;
  readonly nHead?: number;
  readonly blockSize?: number;
  readonly steps?: number;
  readonly temperature?: number;
  readonly samples?: number;
  readonly backend: BackendChoice;
}

/** Flags `--compat microgpt.py` accepts; anything else given is a usage error. */
export const COMPAT_FLAGS = new Set(['compat', 'data', 'seed', 'nLayer', 'nEmbd', 'nHead', 'blockSize', 'steps', 'temperature', 'samples', 'backend', 'json', 'quiet', 'debug']);

const flagName = (key: string): string => `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;

/**
 * Text written in batches: at most every 50 ms, and whenever `flush` is called (before any other output). microgpt.py
 * prints every step; 1,000 writes of one line each (each a system call) cost about 5% of the training time a fresh
 * process reports (a CPU profile of the command), while a terminal shows no difference at 20 updates a second.
 */
function batchedWriter(write: (text: string) => void): { add(text: string): void; flush(): void } {
  let pending = '';
  let last = performance.now();
  const flush = (): void => {
    if (pending.length > 0) write(pending);
    pending = '';
    last = performance.now();
  };
  return {
    add(text) {
      pending += text;
      if (performance.now() - last >= 50) flush();
    },
    flush,
  };
}

/** Runs microgpt.py's training and sampling on `--data` (default: names). */
export async function compatCommand(flags: CompatFlags, explicit: ReadonlySet<string>, out: Output): Promise<void> {
  const extra = [...explicit].filter((key) => !COMPAT_FLAGS.has(key));
  if (extra.length > 0) {
    throw usageError(`${extra.map(flagName).join(', ')} ${extra.length > 1 ? 'do' : 'does'} not apply to --compat microgpt.py`, `it takes ${[...COMPAT_FLAGS].filter((k) => !['compat', 'debug', 'quiet', 'json', 'backend'].includes(k)).map(flagName).join(' ')}`);
  }
  const { text } = await readData(flags.data ?? 'names', (line) => {
    out.note(line);
  });
  const settings = Object.fromEntries(Object.entries({ seed: flags.seed, nLayer: flags.nLayer, nEmbd: flags.nEmbd, nHead: flags.nHead, blockSize: flags.blockSize, steps: flags.steps, temperature: flags.temperature, samples: flags.samples }).filter(([, v]) => v !== undefined));
  const tty = process.stdout.isTTY && !out.json;
  const steps = batchedWriter((text) => process.stdout.write(text));
  const print = (line: string): void => {
    if (tty && line.startsWith('step ')) steps.add(`\r${line}`);
    else if (line.startsWith('step ')) steps.add(`${line}\n`);
    else {
      steps.flush();
      process.stdout.write(`${tty && line.startsWith('--- ') ? '\n' : ''}${line}\n`);
    }
  };
  const hooks: MicrogptHooks = out.json
    ? {
        onStep: (step, _steps, loss) => {
          // out.record's line, batched.
          steps.add(`${JSON.stringify({ step, loss })}\n`);
        },
        onSample: (_index, sample) => {
          steps.flush();
          out.record({ sample });
        },
      }
    : microgptLines(print, { fullPrecision: true });
  checkBackendDtype(flags.backend, 'float64', 'microgpt.py\'s exact run');
  const backend = await startCompute(flags.backend, 1, out.note);
  const run = await refuseWhatDoesNotFit(() => runMicrogpt(text, settings, hooks, backend, machineMemory()), backend, () => 'lower --n-layer, --n-embd or --block-size').finally(() => {
    steps.flush();
  });
  out.record({ done: true, params: run.params, vocab_size: run.vocabSize, train_seconds: run.trainSeconds });
  out.note(`training took ${run.trainSeconds.toFixed(3)} s (${backend.name}, float64)`);
}
