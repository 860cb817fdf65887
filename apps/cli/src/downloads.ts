// Files fetched once into the user's cache and checked by SHA-256: datasets and tokenizer rank files. A URL
// can be redirected by an environment variable (a mirror, or a local server in tests, which never use the
// network). Downloads are written to a temp file and renamed, so the cache never holds half a file.
import { createHash } from 'node:crypto';
import { mkdir, readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from '@microgpt/model/node';
import { runtimeError } from './errors';

/** A file with a canonical public location and a known SHA-256. */
export interface Remote {
  /** File name in the cache. */
  readonly file: string;
  /** Sub-folder of the cache. */
  readonly folder: 'datasets' | 'tokenizers';
  readonly url: string;
  /** Environment variable that replaces `url` when set. */
  readonly urlVariable: string;
  /** Lowercase hex SHA-256 of the content. */
  readonly sha256: string;
}

const DOWNLOAD_TIMEOUT_MS = 120_000;

/** The cache folder: `$MICROGPT_CACHE`, else `$XDG_CACHE_HOME/microgpt`, else `~/.cache/microgpt`. */
export function cacheDir(): string {
  const env = process.env;
  if (env.MICROGPT_CACHE) return env.MICROGPT_CACHE;
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'microgpt');
}

/** Hex SHA-256 of `bytes`. */
export function sha256Hex(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** Where `remote` is kept in the cache. */
export function cachedPath(remote: Remote): string {
  return join(cacheDir(), remote.folder, remote.file);
}

/** The URL `remote` is fetched from (its environment variable, or the canonical one). */
export function remoteUrl(remote: Remote): string {
  return process.env[remote.urlVariable] || remote.url;
}

async function readIfPresent(path: string): Promise<Uint8Array | null> {
  try {
    return await readFile(path);
  } catch (error) {
    if ((error as { code?: string }).code === 'ENOENT') return null;
    throw error;
  }
}

/**
 * The path of `remote` in the cache, when it is there with the right content (a file with other content is
 * reported, not used); null when absent.
 */
export async function findCached(remote: Remote): Promise<string | null> {
  const path = cachedPath(remote);
  const bytes = await readIfPresent(path);
  if (bytes === null) return null;
  const found = sha256Hex(bytes);
  if (found !== remote.sha256) {
    throw runtimeError(`${path}: SHA-256 is ${found}, expected ${remote.sha256} (the cached file is damaged or not ${remote.file})`, `delete it and run the command again to download it anew`);
  }
  return path;
}

/**
 * Downloads `remote` into the cache (checking its SHA-256) and returns its path.
 * @param log called with a line before downloading.
 * @throws CliError when the download fails (offline, HTTP error, timeout) or the content's hash differs.
 */
export async function download(remote: Remote, log: (line: string) => void): Promise<string> {
  const url = remoteUrl(remote);
  const path = cachedPath(remote);
  log(`downloading ${remote.file} from ${url}`);
  let bytes: Uint8Array;
  try {
    const response = await fetch(url, { signal: AbortSignal.timeout(DOWNLOAD_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status} ${response.statusText}`);
    bytes = new Uint8Array(await response.arrayBuffer());
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    const why = cause?.code ?? cause?.message ?? (error as Error).message;
    throw runtimeError(`cannot download ${remote.file} from ${url}: ${why}`, `without a network, fetch it elsewhere and put it at ${path} (or set ${remote.urlVariable} to a mirror)`);
  }
  const found = sha256Hex(bytes);
  if (found !== remote.sha256) throw runtimeError(`${url}: SHA-256 of the download is ${found}, expected ${remote.sha256}; nothing was saved`, `check ${remote.urlVariable} or the network (a proxy may have changed the file)`);
  await mkdir(join(cacheDir(), remote.folder), { recursive: true });
  await writeFileAtomic(path, bytes);
  return path;
}

/** The cached copy of `remote`, downloading it first when it is not there. */
export async function fetchCached(remote: Remote, log: (line: string) => void): Promise<string> {
  return (await findCached(remote)) ?? (await download(remote, log));
}
