// Mistakes a user can make: one clear message with a hint, exit code 2 (usage) or 1 (runtime), no stack trace
// unless --debug.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type CliResult, cliEnv, namesFile, runCli, tempDir } from './cli';
import { serveFiles } from './server';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const data = namesFile(dir, 100);
const ckpt = join(dir, 'ckpt');
const run = (args: string[]): Promise<CliResult> => runCli(args, { env });

/** One error message and hint, no stack trace. */
function expectCleanError(result: CliResult, code: number, message: RegExp | string): void {
  expect(result.code).toBe(code);
  expect(result.stdout).toBe('');
  if (typeof message === 'string') expect(result.stderr).toContain(message);
  else expect(result.stderr).toMatch(message);
  expect(result.stderr).toMatch(/^error: /);
  expect(result.stderr).not.toMatch(/\n\s+at /);
}

beforeAll(async () => {
  const trained = await run(['train', '--data', data, '--steps', '5', '--samples', '0', '--out', ckpt, '--quiet']);
  expect(trained.code).toBe(0);
});

describe('user errors', () => {
  it('unknown flag: "did you mean", exit 2', async () => {
    const result = await run(['train', '--stpes', '5']);
    expectCleanError(result, 2, "error: unknown option '--stpes'\n(Did you mean --steps?)");
    expect(result.stderr).toContain('--help');
  });

  it('unknown command: "did you mean", exit 2', async () => {
    expectCleanError(await run(['trian']), 2, /unknown command 'trian'\n\(Did you mean train\?\)/);
  });

  it('bad flag values, exit 2', async () => {
    expectCleanError(await run(['train', '--steps', 'many']), 2, "option '--steps <n>' argument 'many' is invalid. expected an integer ≥ 1");
    expectCleanError(await run(['train', '--lr', '-1']), 2, "argument '-1' is invalid. expected a number in (0, 10]");
    expectCleanError(await run(['train', '--backend', 'gpu']), 2, 'Allowed choices are js, wasm, blas, webgpu, auto');
    expectCleanError(await run(['sample', '--ckpt', ckpt, '--top-p', '1.5']), 2, "'--top-p <x>' argument '1.5' is invalid");
    expectCleanError(await run(['train', '--threads', '2', '--backend', 'js', '--data', data]), 2, '--threads 2 needs --backend wasm or blas (the js backend has one thread)');
  });

  it('unknown preset, exit 2', async () => {
    expectCleanError(await run(['train', '--preset', 'gpt5']), 2, "argument 'gpt5' is invalid. Allowed choices are microgpt, names, shakespeare-cpu, shakespeare-char, gpt2");
  });

  it('nEmbd not divisible by nHead, exit 2', async () => {
    expectCleanError(await run(['train', '--data', data, '--n-embd', '10', '--n-head', '4']), 2, 'config: nEmbd (10) must be divisible by nHead (4); try nHead 2 or 5');
  });

  it('the flags are checked before any data is read: a bad config never contacts the network', async () => {
    const server = await serveFiles({ '/names.txt': 'emma\nolivia\n' });
    const served = cliEnv(join(dir, 'cache-served'), { MICROGPT_DATA_URL_NAMES: `${server.url}/names.txt` });
    const config = await runCli(['train', '--n-embd', '10', '--n-head', '4'], { env: served });
    expectCleanError(config, 2, 'config: nEmbd (10) must be divisible by nHead (4); try nHead 2 or 5');
    expect(config.stderr).toContain('hint: the model flags');
    expectCleanError(await runCli(['train', '--threads', '2', '--backend', 'js'], { env: served }), 2, '--threads 2 needs --backend wasm or blas');
    expectCleanError(await runCli(['train', '--vocab-size', '100'], { env: served }), 2, '--vocab-size does not apply to a char tokenizer');
    expectCleanError(await runCli(['train', '--tokenizer', 'bpe', '--vocab-size', '200'], { env: served }), 2, '--vocab-size 200 is too small for BPE: it needs 256 byte tokens + 1 special');
    expect(server.hits.size).toBe(0);
    // The same config with a closed port: the config message, not a download failure.
    const offline = await run(['train', '--n-embd', '10', '--n-head', '4']);
    expectCleanError(offline, 2, 'config: nEmbd (10) must be divisible by nHead (4)');
    expect(offline.stderr).not.toContain('download');
  });

  it('a binary or non-UTF-8 file as --data is refused, naming the file and the byte', async () => {
    const binary = join(dir, 'weights.bin');
    writeFileSync(binary, new Uint8Array([0x6b, 0x61, 0x0a, 0x00, 0xff, 0x12]));
    const result = await run(['train', '--data', binary, '--steps', '2']);
    expectCleanError(result, 1, `--data ${binary}: not a text file: a NUL byte at byte 3`);
    expect(result.stderr).toContain('hint: give a UTF-8 text file');
    const latin1 = join(dir, 'latin1.txt');
    writeFileSync(latin1, new Uint8Array([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    expectCleanError(await run(['train', '--data', latin1, '--steps', '2']), 1, `--data ${latin1}: not UTF-8 text: invalid byte 0xe9 at byte 3`);
    expectCleanError(await run(['tokenizer', 'encode', '--tokenizer', join(ckpt, 'checkpoint-5', 'tokenizer.json'), '--input', binary]), 1, `--input ${binary}: not a text file`);
  });

  it('missing data file, exit 1', async () => {
    const result = await run(['train', '--data', join(dir, 'nope.txt')]);
    expectCleanError(result, 1, `--data ${join(dir, 'nope.txt')}: no such file`);
    expect(result.stderr).toContain('hint: give a text file, or a dataset name: names, shakespeare');
  });

  it('a dataset smaller than one block, exit 1', async () => {
    const tiny = join(dir, 'tiny.txt');
    writeFileSync(tiny, 'to be or not to be, that is the question\n');
    const result = await run(['train', '--preset', 'shakespeare-cpu', '--data', tiny, '--steps', '2']);
    expectCleanError(result, 1, /data: the (train|val) split has \d+ tokens, fewer than one block of 65/);
    expect(result.stderr).toContain('hint:');
  });

  it('missing or corrupt checkpoint, exit 1', async () => {
    expectCleanError(await run(['sample', '--ckpt', join(dir, 'none')]), 1, `checkpoint folder ${join(dir, 'none')} does not exist`);
    const broken = join(dir, 'broken');
    mkdirSync(broken);
    writeFileSync(join(broken, 'config.json'), '{"nope": 1');
    writeFileSync(join(broken, 'model.safetensors'), new Uint8Array([1, 2, 3]));
    const result = await run(['sample', '--ckpt', broken]);
    expectCleanError(result, 1, broken);
    expect(result.stderr).toContain('hint: check the folder');
    const info = await run(['info', '--ckpt', broken]);
    expectCleanError(info, 1, 'config.json');
  });

  it('a character outside the tokenizer’s vocabulary, exit 1', async () => {
    const result = await run(['sample', '--ckpt', ckpt, '--prompt', 'Zq!']);
    expectCleanError(result, 1, "unknown character 'Z' (U+005A) at index 0");
  });

  it('--debug adds the stack trace', async () => {
    const result = await run(['sample', '--ckpt', ckpt, '--prompt', 'Z', '--debug']);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/\n\s+at /);
  });
});

describe('help and version', () => {
  it('prints help with examples for the program and each command', async () => {
    const top = await run(['--help']);
    expect(top.code).toBe(0);
    for (const command of ['train', 'sample', 'eval', 'info', 'tokenizer', 'data', 'bench']) expect(top.stdout).toContain(command);
    expect(top.stdout).toContain('Examples:');
    for (const command of [['train'], ['sample'], ['eval'], ['info'], ['tokenizer', 'train'], ['tokenizer', 'encode'], ['tokenizer', 'decode'], ['data', 'get'], ['bench']]) {
      const help = await run([...command, '--help']);
      expect(help.code).toBe(0);
      expect(help.stdout).toContain('Examples:');
    }
  });

  it('prints the version', async () => {
    const result = await run(['--version']);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^\d+\.\d+\.\d+\n$/);
  });
});
