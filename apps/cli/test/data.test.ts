import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { NAMES_PATH } from '@microgpt/test-data';
import { cliEnv, jsonLines, runCli, tempDir } from './cli';
import { serveFiles } from './server';

const dir = tempDir();

describe('microgpt data get', () => {
  it('downloads into the cache once, checks the SHA-256 and prints the path', async () => {
    const server = await serveFiles({ '/names.txt': readFileSync(NAMES_PATH) });
    const cache = join(dir, 'ok');
    const env = cliEnv(cache, { MICROGPT_DATA_URL_NAMES: `${server.url}/names.txt` });
    const first = await runCli(['data', 'get', 'names'], { env });
    expect(first.code).toBe(0);
    expect(first.stdout).toBe(`${join(cache, 'datasets', 'names.txt')}\n`);
    expect(first.stderr).toContain(`downloading names.txt from ${server.url}/names.txt`);
    expect(readFileSync(join(cache, 'datasets', 'names.txt'))).toEqual(readFileSync(NAMES_PATH));
    const second = await runCli(['data', 'get', 'names', '--json'], { env });
    expect(jsonLines(second.stdout)).toEqual([{ name: 'names', path: join(cache, 'datasets', 'names.txt'), bytes: 228145, sha256: '0a30b5557f192f32ab962680889aac5f6fda0f4cecf40a6d0b5694f58ea8cc4d', downloaded: false }]);
    expect(server.hits.get('/names.txt')).toBe(1);
    const forced = await runCli(['data', 'get', 'names', '--force', '--json'], { env });
    expect(jsonLines(forced.stdout)[0]).toMatchObject({ downloaded: true });
    expect(server.hits.get('/names.txt')).toBe(2);
  });

  it('refuses a download whose SHA-256 differs, and saves nothing', async () => {
    const server = await serveFiles({ '/names.txt': 'emma\nolivia\n' });
    const cache = join(dir, 'bad');
    const result = await runCli(['data', 'get', 'names'], { env: cliEnv(cache, { MICROGPT_DATA_URL_NAMES: `${server.url}/names.txt` }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('SHA-256 of the download is');
    expect(result.stderr).toContain('nothing was saved');
    expect(existsSync(join(cache, 'datasets')) ? readdirSync(join(cache, 'datasets')) : []).toEqual([]);
  });

  it('says clearly when it cannot download (HTTP error, offline)', async () => {
    const server = await serveFiles({});
    const missing = await runCli(['data', 'get', 'shakespeare'], { env: cliEnv(join(dir, 'missing'), { MICROGPT_DATA_URL_SHAKESPEARE: `${server.url}/gone.txt` }) });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('HTTP 404');
    const offline = await runCli(['data', 'get', 'shakespeare'], { env: cliEnv(join(dir, 'offline')) });
    expect(offline.code).toBe(1);
    expect(offline.stderr).toMatch(/error: cannot download tinyshakespeare.txt from http:\/\/127.0.0.1:65534\/unreachable: ECONNREFUSED\nhint: without a network/);
    expect(offline.stderr).not.toMatch(/\n\s+at /);
  });

  it('rejects an unknown dataset with the choices', async () => {
    const result = await runCli(['data', 'get', 'wikipedia'], { env: cliEnv(join(dir, 'x')) });
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('Allowed choices are names, shakespeare');
  });

  it('a damaged cached file is reported, not used', async () => {
    const server = await serveFiles({});
    const cache = join(dir, 'damaged');
    mkdirSync(join(cache, 'datasets'), { recursive: true });
    writeFileSync(join(cache, 'datasets', 'tinyshakespeare.txt'), 'not shakespeare');
    const result = await runCli(['data', 'get', 'shakespeare'], { env: cliEnv(cache, { MICROGPT_DATA_URL_SHAKESPEARE: `${server.url}/x` }) });
    expect(result.code).toBe(1);
    expect(result.stderr).toContain('the cached file is damaged');
  });
});
