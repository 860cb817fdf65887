import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { documentIds, microgptDocs, tokenFileSource } from '@microgpt/model';
import { tokenizerFromJSON, trainChar } from '@microgpt/tokenizer';
import { readShakespeare } from '@microgpt/test-data';
import { cliEnv, jsonLines, namesFile, runCli, tempDir } from './cli';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const ids = (path: string): number[] => {
  const source = tokenFileSource(readFileSync(path));
  const out = new Int32Array(source.length);
  source.read(0, out);
  return Array.from(out);
};
const shakespeare = readShakespeare();
// Whole lines, so the file ends with a newline (prepare adds one to a file that does not).
const text = shakespeare.slice(0, shakespeare.lastIndexOf('\n', 60_000) + 1);
const corpus = join(dir, 'corpus.txt');
writeFileSync(corpus, text);
const TINY = ['--preset', 'shakespeare-cpu', '--n-layer', '1', '--n-head', '2', '--n-embd', '16', '--block-size', '16', '--batch', '2', '--samples', '0', '--json'];

describe('microgpt data prepare', () => {
  it('tokenizes a file into the training ids and the last 10% held out, the ids of the whole text tokenized at once', async () => {
    const out = join(dir, 'char', 'sh.bin');
    const result = await runCli(['data', 'prepare', '--input', corpus, '--tokenizer', 'char', '--out', out, '--json'], { env });
    expect(result.code).toBe(0);
    const record = jsonLines(result.stdout)[0]!;
    const reference = trainChar(text);
    const expected = reference.encode(text);
    const cut = Math.floor(expected.length * 0.9);
    expect(record).toMatchObject({ out, tokens: cut, val_out: join(dir, 'char', 'sh.val.bin'), val_tokens: expected.length - cut, vocab_size: reference.vocabSize, bytes: text.length });
    expect(ids(out)).toEqual(expected.slice(0, cut));
    expect(ids(join(dir, 'char', 'sh.val.bin'))).toEqual(expected.slice(cut));
    expect(tokenizerFromJSON(JSON.parse(readFileSync(join(dir, 'char', 'sh.tokenizer.json'), 'utf8'))).encode(text)).toEqual(expected);

    const info = await runCli(['info', '--ckpt', out], { env });
    expect(info.code).toBe(0);
    expect(info.stdout).toContain(`token file ${out}\n  tokens          ${cut.toLocaleString('en-US')}\n  dtype           uint16\n  vocabulary      ${reference.vocabSize}\n  tokenizer hash  `);
    const infoJson = jsonLines((await runCli(['info', '--ckpt', out, '--json'], { env })).stdout)[0]!;
    expect(infoJson).toMatchObject({ tokens: cut, dtype: 'uint16', vocab_size: reference.vocabSize });
    expect(infoJson.tokenizer_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('reads several inputs, a folder and standard input in order, keeping multi-byte characters whole', async () => {
    const folder = join(dir, 'folder');
    mkdirSync(join(folder, 'sub'), { recursive: true });
    // The folder's files in name order (a.txt, b.txt, sub/c.txt); b.txt has no final newline, so one is added.
    writeFileSync(join(folder, 'a.txt'), 'héllo wörld\n');
    writeFileSync(join(folder, 'b.txt'), 'naïve €uro 😀');
    writeFileSync(join(folder, 'sub', 'c.txt'), 'ça va\n');
    writeFileSync(join(folder, '.hidden'), 'not read\n');
    // A long line of 4-byte characters: 1 MiB read chunks cut some of them.
    const emoji = `${'😀🎉'.repeat(200_000)}\n`;
    writeFileSync(join(dir, 'emoji.txt'), emoji);
    const out = join(dir, 'mixed.bin');
    const result = await runCli(['data', 'prepare', '--input', folder, '--input', '-', '--input', join(dir, 'emoji.txt'), '--tokenizer', 'char', '--val-fraction', '0', '--out', out], { env, input: 'from stdin ✓\n' });
    expect(result.code).toBe(0);
    expect(result.stdout).toContain('no held-out file');
    const whole = `héllo wörld\nnaïve €uro 😀\nça va\nfrom stdin ✓\n${emoji}`;
    expect(ids(out)).toEqual(trainChar(whole).encode(whole));
    expect(result.stderr).toMatch(/tokenizing: .* MB\/s/);
  });

  it('trains a bpe or word tokenizer on the sample and writes it beside the ids it made', async () => {
    for (const [kind, size] of [['bpe', '300'], ['word', '500']] as const) {
      const out = join(dir, `${kind}.bin`);
      const result = await runCli(['data', 'prepare', '--input', corpus, '--tokenizer', kind, '--vocab-size', size, '--sample-mb', '1', '--val-fraction', '0', '--out', out], { env });
      expect(result.code).toBe(0);
      expect(result.stderr).toContain(`trained a ${kind} tokenizer of ${size} ids on the first 0.1 MiB of the corpus`);
      const tokenizer = tokenizerFromJSON(JSON.parse(readFileSync(join(dir, `${kind}.tokenizer.json`), 'utf8')));
      expect(tokenizer.vocabSize).toBe(Number(size));
      // The corpus is one piece (under 1 MiB), so the ids are the whole text's.
      expect(ids(out)).toEqual(tokenizer.encode(text));
    }
  });

  it('documents mode: each line a document in BOS, cut at a document boundary', async () => {
    const names = readFileSync(namesFile(dir, 500), 'utf8');
    const out = join(dir, 'docs.bin');
    const result = await runCli(['data', 'prepare', '--input', join(dir, 'names-small.txt'), '--tokenizer', 'char', '--documents', '--out', out], { env });
    expect(result.code).toBe(0);
    const tokenizer = trainChar(microgptDocs(names).join(''), { bos: '<|bos|>' });
    const bos = tokenizer.specialTokens['<|bos|>']!;
    const expected = documentIds(names, (d) => tokenizer.encode(d), bos);
    const train = ids(out);
    const val = ids(join(dir, 'docs.val.bin'));
    expect(train.at(-1)).toBe(bos);
    expect(val[0]).toBe(bos);
    expect([...train, ...val.slice(1)]).toEqual(expected);
    expect(train.length).toBeGreaterThanOrEqual(Math.floor(expected.length * 0.9));

    const trained = await runCli(['train', '--preset', 'names', '--data', out, '--n-embd', '16', '--n-layer', '1', '--steps', '2', '--samples', '2', '--out', join(dir, 'runs', 'docs')], { env });
    expect(trained.code).toBe(0);
    expect(trained.stdout).toMatch(/train \/ \d+ val documents/);
    // A tokenizer with BOS but a file prepared without --documents: a stream, refused by a documents preset.
    const withBos = join(dir, 'with-bos.json');
    expect((await runCli(['tokenizer', 'train', '--type', 'char', '--input', join(dir, 'names-small.txt'), '--special', '<|bos|>', '--out', withBos], { env })).code).toBe(0);
    const streamFile = join(dir, 'names-stream.bin');
    expect((await runCli(['data', 'prepare', '--input', join(dir, 'names-small.txt'), '--tokenizer', withBos, '--out', streamFile], { env })).code).toBe(0);
    const stream = await runCli(['train', '--preset', 'names', '--data', streamFile, '--steps', '1', '--out', join(dir, 'runs', 'no-docs')], { env });
    expect(stream.code).toBe(1);
    expect(stream.stderr).toMatch(new RegExp(`error: .*names-stream.bin: no BOS tokens \\(id \\d+\\) in it, so no documents\nhint: this preset trains on documents`));
  });

  it('trains and evaluates from the token file, and refuses a tokenizer that did not make it', async () => {
    const out = join(dir, 'char', 'sh.bin');
    const run = join(dir, 'runs', 'prepared');
    const trained = await runCli(['train', '--data', out, ...TINY, '--steps', '3', '--out', run], { env });
    expect(trained.code).toBe(0);
    const done = jsonLines(trained.stdout).at(-1)!;
    expect(done).toMatchObject({ done: true, step: 3 });
    expect(Number.isFinite(done.val_loss)).toBe(true);
    const evaluated = await runCli(['eval', '--ckpt', run, '--data', out, '--json'], { env });
    expect(evaluated.code).toBe(0);
    expect(jsonLines(evaluated.stdout)[0]).toMatchObject({ split: 'val', data: out, loss: done.val_loss });
    const resumed = await runCli(['train', '--resume', run, '--steps', '4', '--samples', '0', '--json'], { env });
    expect(resumed.code).toBe(0);
    expect(jsonLines(resumed.stdout).at(-1)).toMatchObject({ done: true, step: 4 });

    const other = join(dir, 'other.json');
    expect((await runCli(['tokenizer', 'train', '--type', 'char', '--input', join(dir, 'names-small.txt'), '--out', other], { env })).code).toBe(0);
    const mismatch = await runCli(['train', '--data', out, ...TINY, '--steps', '1', '--tokenizer', other, '--out', join(dir, 'runs', 'x')], { env });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toMatch(new RegExp(`error: ${out.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} was tokenized by another tokenizer: the file says SHA-256 [0-9a-f]{16}…, the tokenizer ${other.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is [0-9a-f]{16}…\nhint: prepare the data again`));
    const trainable = await runCli(['train', '--data', out, ...TINY, '--steps', '1', '--tokenizer', 'bpe', '--out', join(dir, 'runs', 'y')], { env });
    expect(trainable.code).toBe(2);
    expect(trainable.stderr).toContain('error: --tokenizer bpe trains a tokenizer on text, but');
  });

  it('says what is wrong with bad input, without a stack trace', async () => {
    writeFileSync(join(dir, 'latin1.txt'), Buffer.from([0x63, 0x61, 0x66, 0xe9, 0x0a]));
    const cases: [string[], number, RegExp][] = [
      [['--input', join(dir, 'latin1.txt'), '--tokenizer', 'char', '--out', join(dir, 'bad.bin')], 1, /error: .*latin1.txt: not UTF-8 text: invalid bytes near byte 0/],
      [['--input', join(dir, 'missing.txt'), '--tokenizer', 'char', '--out', join(dir, 'bad.bin')], 1, /error: --input .*missing.txt: no such file or folder/],
      [['--input', corpus, '--tokenizer', 'char', '--out', join(dir, 'bad.tokens')], 2, /error: --out .*bad.tokens: expected a file name ending in .bin/],
      [['--tokenizer', 'char', '--out', join(dir, 'bad.bin')], 2, /error: data prepare needs --input/],
      [['--input', corpus, '--tokenizer', 'char', '--vocab-size', '10', '--out', join(dir, 'bad.bin')], 2, /error: --vocab-size does not apply to a char tokenizer/],
    ];
    for (const [args, code, message] of cases) {
      const result = await runCli(['data', 'prepare', ...args], { env });
      expect(result.code, args.join(' ')).toBe(code);
      expect(result.stderr).toMatch(message);
      expect(result.stderr).not.toMatch(/\n\s+at /);
    }
  });
});
