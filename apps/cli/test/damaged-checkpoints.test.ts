// Checkpoints a user can break or bring from elsewhere: weights that are not finite (refused by every command
// that reads weights, with one message), and trainer_state.json or optimizer.safetensors with wrong, missing or
// foreign fields (refused by --resume naming the file and the field, never as a flag the user did not give).
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeSafetensors, encodeSafetensors } from '@microgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, namesFile, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const names = namesFile(dir);
const good = join(dir, 'good');
const run = (args: string[]): Promise<CliResult> => runCli(args, { env });
let copies = 0;

beforeAll(async () => {
  const trained = await run(['train', '--data', names, '--steps', '150', '--samples', '0', '--out', good, '--quiet']);
  expect(trained.code).toBe(0);
});

/** A copy of the good run's checkpoint, as a plain checkpoint folder. */
function copy(): string {
  const to = join(dir, `copy-${++copies}`);
  cpSync(join(good, 'checkpoint-150'), to, { recursive: true });
  return to;
}

/** Rewrites safetensors file `name` of `ckpt` after `edit` changes its tensors or metadata. */
function editTensors(ckpt: string, name: string, edit: (tensors: Map<string, { dtype: string; shape: number[]; data: Float32Array }>, metadata: Record<string, string>) => void): void {
  const decoded = decodeSafetensors(readFileSync(join(ckpt, name)));
  const tensors = decoded.tensors as unknown as Map<string, { dtype: string; shape: number[]; data: Float32Array }>;
  const metadata = { ...decoded.metadata };
  edit(tensors, metadata);
  writeFileSync(join(ckpt, name), encodeSafetensors(Object.fromEntries(tensors) as never, metadata));
}

/** trainer_state.json as loosely typed as a file. */
interface StateJson {
  [key: string]: unknown;
  settings: Record<string, unknown>;
}

/** Rewrites trainer_state.json of `ckpt` after `edit`. */
function editState(ckpt: string, edit: (json: StateJson) => void): void {
  const path = join(ckpt, 'trainer_state.json');
  const json = JSON.parse(readFileSync(path, 'utf8')) as StateJson;
  edit(json);
  writeFileSync(path, JSON.stringify(json));
}

/** One error line and a hint, exit `code`, no stack trace, nothing on stdout. */
function expectCleanError(result: CliResult, code: number, message: string): void {
  expect(result.stdout).toBe('');
  expect(result.stderr).toContain(`error: ${message}`);
  expect(result.stderr).toMatch(/\nhint: /);
  expect(result.stderr).not.toMatch(/\n\s+at |internal error/);
  expect(result.code).toBe(code);
}

describe('weights that are not finite', () => {
  it('sample, beam search, eval, train --resume and quantize refuse them with the same message', async () => {
    const ckpt = copy();
    let size = 0;
    editTensors(ckpt, 'model.safetensors', (tensors) => {
      const head = tensors.get('lm_head')!.data;
      head[3] = Number.NaN;
      size = head.length;
    });
    const message = `${join(ckpt, 'model.safetensors')}: tensor "lm_head" values: element 3 of ${size} is NaN; a checkpoint's values must be finite (the run that saved it diverged)`;
    const commands = [
      ['sample', '--ckpt', ckpt],
      ['sample', '--ckpt', ckpt, '--beam', '3', '--json'],
      ['eval', '--ckpt', ckpt],
      ['eval', '--ckpt', ckpt, '--json'],
      ['train', '--resume', ckpt, '--steps', '300'],
      ['quantize', '--ckpt', ckpt, '--scheme', 'int8', '--out', join(dir, 'nan-int8')],
    ];
    for (const args of commands) {
      const result = await run(args);
      expectCleanError(result, 1, message);
      expect(result.stderr).not.toContain('lower --lr');
      expect(result.stderr).toContain('hint: no command can use such a checkpoint');
    }
  });

  it('an infinity in the optimizer state stops --resume the same way', async () => {
    const ckpt = copy();
    let size = 0;
    editTensors(ckpt, 'optimizer.safetensors', (tensors) => {
      const v = tensors.get('wte.v')!.data;
      v[0] = Infinity;
      size = v.length;
    });
    expectCleanError(await run(['train', '--resume', ckpt, '--steps', '300']), 1, `${join(ckpt, 'optimizer.safetensors')}: tensor "wte.v" values: element 0 of ${size} is Infinity`);
  });
});

describe('--resume with a damaged or foreign training state', () => {
  const resume = async (ckpt: string, extra: string[] = []): Promise<CliResult> => run(['train', '--resume', ckpt, '--steps', '300', '--quiet', '--samples', '0', ...extra]);

  it('wrong-typed or missing fields of trainer_state.json name the file and the field', async () => {
    const cases: [(json: StateJson) => void, string][] = [
      [(j) => (j.settings.lr = 'fast'), 'trainer_state.json: settings.lr: expected a finite number ≥ 0, found "fast"'],
      [(j) => delete j.step, 'trainer_state.json: step: expected an integer in [0, 150] (settings.steps), found nothing'],
      [(j) => delete j.history, 'trainer_state.json: history: expected an object with train and val loss series, found nothing'],
      [(j) => (j.loader = -1), 'trainer_state.json: loader: expected the position of the documents loader (an integer ≥ 0; settings.data is "documents"), found -1'],
      [(j) => (j.threads = 'two'), 'trainer_state.json: threads: expected an integer ≥ 1, found "two"'],
    ];
    for (const [edit, message] of cases) {
      const ckpt = copy();
      editState(ckpt, edit);
      expectCleanError(await resume(ckpt), 1, join(ckpt, message));
    }
  });

  it('eval and sample refuse wrong saved settings (they read the data mode and split from them)', async () => {
    const ckpt = copy();
    editState(ckpt, (j) => (j.settings.seed = 'x'));
    expectCleanError(await run(['eval', '--ckpt', ckpt]), 1, `${join(ckpt, 'trainer_state.json')}: settings.seed: expected an integer ≥ 0, found "x"`);
    expectCleanError(await run(['sample', '--ckpt', ckpt]), 1, `${join(ckpt, 'trainer_state.json')}: settings.seed: expected an integer ≥ 0, found "x"`);
  });

  it('a data position the data does not have names the loader field and the data', async () => {
    const ckpt = copy();
    editState(ckpt, (j) => (j.loader = 100_000));
    expectCleanError(await resume(ckpt), 1, `${join(ckpt, 'trainer_state.json')}: loader: resume: the document position 100000 is outside [0, 270) (the data: ${names})`);
  });

  it('an unknown backend is refused with the known ones; --backend overrides it', async () => {
    const ckpt = copy();
    editState(ckpt, (j) => (j.backend = 'cuda'));
    const result = await resume(ckpt);
    expectCleanError(result, 1, `${join(ckpt, 'trainer_state.json')}: backend: expected one of js, wasm, blas, webgpu (the backends the CLI runs on), found "cuda"`);
    expect(result.stderr).toContain('hint: give --backend js, wasm, blas or webgpu to resume on one of them');
    expect((await resume(ckpt, ['--backend', 'wasm'])).code).toBe(0);
  });

  it('a saved thread count beyond the limit is the file’s, not a --threads flag', async () => {
    const ckpt = copy();
    editState(ckpt, (j) => (j.threads = 100_000));
    const result = await resume(ckpt);
    expectCleanError(result, 1, `${join(ckpt, 'trainer_state.json')}: threads: the saved thread count 100000 cannot be used: setThreads: at most 16 threads, asked for 100000`);
    expect(result.stderr).not.toContain('--threads 100000');
    expect(result.stderr).toContain('hint: give --threads N');
    expect((await resume(ckpt, ['--threads', '1'])).code).toBe(0);
  });

  it('an optimizer state of another optimizer names optimizer.safetensors and both kinds', async () => {
    const ckpt = copy();
    editTensors(ckpt, 'optimizer.safetensors', (_, metadata) => {
      expect(metadata.optimizer).toContain('"kind":"adam"');
      metadata.optimizer = metadata.optimizer!.replace('"kind":"adam"', '"kind":"sgd"');
    });
    expectCleanError(await resume(ckpt), 1, `${join(ckpt, 'optimizer.safetensors')}: __metadata__.optimizer.kind: expected "adam" (settings.optimizer in ${join(ckpt, 'trainer_state.json')}), found "sgd"`);
  });

  it('--steps shorter than the saved warmup names the saved setting and the flag, not a setting the user never set', async () => {
    const ckpt = copy();
    // A run of 400 steps with a 350-step warmup, saved at step 150.
    editState(ckpt, (j) => {
      Object.assign(j.settings, { steps: 400, warmupSteps: 350 });
    });
    const result = await resume(ckpt);
    expectCleanError(result, 2, `--steps 300 conflicts with the saved run's warmup of 350 steps (settings.warmupSteps in ${join(ckpt, 'trainer_state.json')})`);
    expect(result.stderr).toContain('hint: give --steps 351 or more, or start a new run with --out DIR');
    expect(result.stderr).not.toContain('training: warmupSteps');
  });
});
