import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliEnv, jsonLines, runCli, tempDir, writeText } from './cli';
import { serveFiles } from './server';

const dir = tempDir();
const env = cliEnv(join(dir, 'cache'));
const corpus = join(dir, 'corpus.txt');
writeText(corpus, 'the quick brown fox jumps over the lazy dog\nthe dog sleeps; the fox runs. ünïcödé ✓ 🦊\n'.repeat(20));
const text = 'the lazy fox sleeps ✓ 🦊';
const ranksPath = createRequire(import.meta.url).resolve('gpt-tokenizer/package.json').replace('package.json', 'data/r50k_base.tiktoken');

describe('microgpt tokenizer', () => {
  for (const type of ['char', 'word', 'bpe'] as const) {
    it(`${type}: train, encode, decode round trip (flags, stdin, JSON)`, async () => {
      const out = join(dir, `${type}.json`);
      const train = await runCli(['tokenizer', 'train', '--type', type, '--input', corpus, '--out', out, ...(type === 'bpe' ? ['--vocab-size', '300', '--special', '<|endoftext|>'] : []), '--json'], { env });
      expect(train.code).toBe(0);
      const trained = jsonLines(train.stdout)[0]!;
      expect(trained).toMatchObject({ out, type });
      const encode = await runCli(['tokenizer', 'encode', '--tokenizer', out, '--text', text, '--json'], { env });
      expect(encode.code).toBe(0);
      const { ids, count } = jsonLines(encode.stdout)[0] as { ids: number[]; count: number };
      expect(count).toBe(ids.length);
      for (const id of ids) expect(id).toBeLessThan(trained.vocab_size as number);
      const decode = await runCli(['tokenizer', 'decode', '--tokenizer', out], { env, input: encode.stdout });
      expect(decode.stdout).toBe(`${text}\n`);
      const piped = await runCli(['tokenizer', 'encode', '--tokenizer', out], { env, input: text });
      expect(piped.stdout).toBe(`${ids.join(' ')}\n`);
      const back = await runCli(['tokenizer', 'decode', '--tokenizer', out, '--text', ids.join(' '), '--json'], { env });
      expect(jsonLines(back.stdout)).toEqual([{ text }]);
    });
  }

  it('BPE ids are minbpe’s: bytes 0–255, merges from 256, then specials', async () => {
    const out = join(dir, 'bpe-ids.json');
    await runCli(['tokenizer', 'train', '--type', 'bpe', '--input', corpus, '--out', out, '--vocab-size', '260', '--pattern', 'none', '--special', '<|endoftext|>'], { env });
    const encode = await runCli(['tokenizer', 'encode', '--tokenizer', out, '--text', 'A<|endoftext|>', '--allow-special', '--json'], { env });
    expect(jsonLines(encode.stdout)[0]).toEqual({ ids: [65, 259], count: 2 });
    const refused = await runCli(['tokenizer', 'encode', '--tokenizer', out, '--text', 'A<|endoftext|>'], { env });
    expect(refused.code).toBe(1);
  });

  it('reads a tiktoken rank file, with the pattern from its name', async () => {
    const result = await runCli(['tokenizer', 'encode', '--tokenizer', ranksPath, '--text', 'hello world'], { env });
    expect(result.stdout).toBe('31373 995\n');
  });

  it('fetches a named encoding once into the cache (from a local server here), then works offline', async () => {
    const server = await serveFiles({ '/r50k_base.tiktoken': readFileSync(ranksPath) });
    const cache = join(dir, 'named-cache');
    const online = cliEnv(cache, { MICROGPT_TOKENIZER_URL_GPT2: `${server.url}/r50k_base.tiktoken` });
    const first = await runCli(['tokenizer', 'encode', '--tokenizer', 'gpt2', '--text', 'hello world', '--json'], { env: online });
    expect(jsonLines(first.stdout)).toEqual([{ ids: [31373, 995], count: 2 }]);
    const offline = await runCli(['tokenizer', 'decode', '--tokenizer', 'gpt2', '--text', '31373 995'], { env: cliEnv(cache) });
    expect(offline.stdout).toBe('hello world\n');
    expect(server.hits.get('/r50k_base.tiktoken')).toBe(1);
  });

  it('a named encoding offline and not cached: a clear error', async () => {
    const result = await runCli(['tokenizer', 'encode', '--tokenizer', 'cl100k_base', '--text', 'x'], { env });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('error: cannot download cl100k_base.tiktoken');
    expect(result.stderr).toContain('hint: without a network');
  });

  it('bad input: ids that are not ids, ids outside the vocabulary, a file that is no tokenizer', async () => {
    const out = join(dir, 'char.json');
    const bad = await runCli(['tokenizer', 'decode', '--tokenizer', out, '--text', '1 two 3'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"two" (item 2 of the ids) is not a token id: ids are integers ≥ 0');
    const outside = await runCli(['tokenizer', 'decode', '--tokenizer', out, '--text', '99999'], { env });
    expect(outside.code).toBe(1);
    const notTokenizer = await runCli(['tokenizer', 'encode', '--tokenizer', corpus, '--text', 'x'], { env });
    expect(notTokenizer.code).toBe(1);
    expect(notTokenizer.stderr).toContain('not JSON');
  });
});
