// Sizes that cannot fit are refused before anything is allocated: one `error: memory: …` line with the estimate,
// its largest part and the limit, a `hint:` naming the flags, exit 2, at once; never a hang, a swap storm or a
// stack trace. A config.json claiming a billion layers is described at once and refused when loaded.
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { type GPTConfig, countParameters, resolveConfig } from '@microgpt/model';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, namesFile, runCli, startCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = namesFile(dir, 200);
const ckpt = join(dir, 'ckpt');
/** A child heap far below what any refused size would take, so a refusal cannot have allocated it first. */
const SMALL_HEAP = ['--max-old-space-size=200'];
const run = (args: string[]): Promise<CliResult> => runCli(args, { env, nodeArgs: SMALL_HEAP });
const SIZE = String.raw`[\d.,]+ (bytes|KiB|MiB|GiB|TiB|PiB|EiB)`;

/** Refused as a usage error: the estimate (with its largest part) and the limit, then the hint; no trace. */
function expectRefused(result: CliResult, message: RegExp, hint: string, stdout = ''): void {
  expect(result.stdout).toMatch(stdout === '' ? /^$/ : new RegExp(`^${stdout}$`));
  const lines = result.stderr.trimEnd().split('\n');
  expect(lines).toHaveLength(2);
  expect(lines[0]).toMatch(message);
  expect(lines[1]).toBe(`hint: ${hint}`);
  expect(result.code).toBe(2);
}

const WASM_LIMIT = 'but the wasm backend holds at most 4 GiB';

beforeAll(async () => {
  const trained = await runCli(['train', '--data', data, '--block-size', '64', '--steps', '1', '--samples', '0', '--out', ckpt, '--quiet'], { env });
  expect(trained.code).toBe(0);
});

describe('train: sizes that cannot fit are refused before allocating', () => {
  const train = (...flags: string[]): Promise<CliResult> => run(['train', '--data', data, '--steps', '1', '--samples', '0', '--out', join(dir, 'never'), ...flags]);
  const lowerBatch = 'lower --batch or --block-size (or --n-layer, --n-embd)';

  it('--block-size 100000000', async () => {
    const result = await train('--block-size', '100000000');
    expectRefused(result, new RegExp(`^error: memory: this run needs about ${SIZE} \\(activations ${SIZE} for batch 8 × context 100,000,000 × 1 layer\\) ${WASM_LIMIT}$`), lowerBatch);
  });

  it('--n-layer 100000000', async () => {
    const result = await train('--n-layer', '100000000');
    expectRefused(result, new RegExp(`^error: memory: this run needs about ${SIZE} \\(activations ${SIZE} for batch 8 × context 16 × 100,000,000 layers\\) ${WASM_LIMIT}$`), lowerBatch);
  });

  it('--batch 100000000 (the loader would make its batches first)', async () => {
    const result = await train('--batch', '100000000');
    expectRefused(result, new RegExp(`^error: memory: this run needs about ${SIZE} \\(activations ${SIZE} for batch 100,000,000 × context 16 × 1 layer\\) ${WASM_LIMIT}$`), lowerBatch);
  });

  it('--n-embd 100000, on wasm and on js (against the free memory)', async () => {
    const parameters = `optimizer ${SIZE} for Adam's two moments of 120,00\\d,\\d{3},\\d{3} parameters`;
    const hint = 'lower --n-layer or --n-embd (the parameters grow with them, and with --block-size and the vocabulary)';
    expectRefused(await train('--n-embd', '100000'), new RegExp(`^error: memory: this run needs about ${SIZE} \\(${parameters}\\) ${WASM_LIMIT}$`), hint);
    const js = await train('--n-embd', '100000', '--backend', 'js');
    expectRefused(js, new RegExp(`^error: memory: this run needs about ${SIZE} \\(${parameters}\\) but this machine has ${SIZE} of memory free$`), hint);
  });

  it('--compat microgpt.py --n-embd 100000', async () => {
    const result = await run(['train', '--compat', 'microgpt.py', '--data', data, '--n-embd', '100000']);
    const message = new RegExp(`^error: memory: the microgpt.py run needs about ${SIZE} \\(optimizer ${SIZE} for Adam's two moments of [\\d,]+ parameters\\) ${WASM_LIMIT}$`);
    // microgpt.py prints the data summary first; nothing after it.
    expectRefused(result, message, 'lower --n-layer, --n-embd or --block-size', String.raw`num docs: 200\nvocab size: \d+\n`);
  });
});

describe('sample and eval: widths and counts are bounded by what fits', () => {
  it('sample --beam 100000: 100,000 sequences of a 64-token context do not fit in wasm', async () => {
    const result = await run(['sample', '--ckpt', ckpt, '--beam', '100000']);
    const message = new RegExp(`^error: memory: beam search of width 100000 needs about ${SIZE} \\(activations ${SIZE} for 100,000 sequences × context 64 × 1 layer\\) ${WASM_LIMIT}$`);
    expectRefused(result, message, 'lower --beam (each beam is a sequence with its own cache of the context), or use --backend js (not bound to 4 GiB)');
  });

  it('sample --n 100000000 streams samples one at a time in the memory of one (stopped after 300)', async () => {
    const child = startCli(['sample', '--ckpt', ckpt, '--n', '100000000', '--max-tokens', '3', '--json'], { env, nodeArgs: ['--max-old-space-size=64'] });
    let lines = 0;
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      lines += chunk.toString().split('\n').length - 1;
      if (lines >= 300) child.kill('SIGTERM');
    });
    const signal = await new Promise((resolve) => child.on('close', (_code, sig) => {
      resolve(sig);
    }));
    expect(stderr).toBe('');
    expect(lines).toBeGreaterThanOrEqual(300);
    expect(signal).toBe('SIGTERM');
  });

  it('eval --batches 100000000: the held-out batches do not fit', async () => {
    const result = await run(['eval', '--ckpt', ckpt, '--data', data, '--batches', '100000000']);
    expectRefused(result, new RegExp(`^error: memory: this evaluation needs about ${SIZE} \\(scratch ${SIZE} for 100,000,000 held-out batches of 8 × 64\\) but this machine has ${SIZE} of memory free$`), 'lower --batches');
  });
});

describe('a config.json claiming a billion layers', () => {
  const huge = join(dir, 'huge');
  let parameters = 0;
  beforeAll(() => {
    cpSync(join(ckpt, 'checkpoint-1'), huge, { recursive: true }); // the run's one checkpoint, as a plain folder
    const path = join(huge, 'config.json');
    const file = JSON.parse(readFileSync(path, 'utf8')) as { model: GPTConfig; parameters: number };
    file.model = { ...file.model, nLayer: 1_000_000_000 };
    parameters = countParameters(resolveConfig(file.model));
    writeFileSync(path, JSON.stringify({ ...file, parameters }));
  });

  it('info answers with the parameter count, without allocating anything like it', async () => {
    const result = await run(['info', '--ckpt', huge]);
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.stdout).toContain(`parameters ${parameters.toLocaleString('en-US')} (float32)`);
    expect(result.stdout).toMatch(/nLayer\s+1000000000/);
  });

  it('sample and eval refuse it: its parameter table is longer than the model file could name', async () => {
    for (const args of [['sample', '--ckpt', huge], ['eval', '--ckpt', huge, '--data', data]]) {
      const result = await run(args);
      expect(result.code).toBe(1);
      expect(result.stdout).toBe('');
      const message = `model\\.safetensors: size: config\\.json describes [\\d,]+ parameter tensors \\(${parameters.toLocaleString('en-US')} values, [\\d,]+ bytes of float32\\), far more than a file of [\\d,]+ bytes holds \\(\\d+\\)`;
      expect(result.stderr).toMatch(new RegExp(`^error: .*${message}\\nhint: `));
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
