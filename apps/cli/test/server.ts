// A local HTTP server for download tests: serves given bytes by path and counts requests.
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll } from 'vitest';

/** A running server: its base URL and how many times each path was fetched. */
export interface FileServer {
  readonly url: string;
  readonly hits: Map<string, number>;
}

/** Serves `files` (path → content) on 127.0.0.1 until the file's tests end; other paths are 404. */
export async function serveFiles(files: Readonly<Record<string, string | Uint8Array>>): Promise<FileServer> {
  const hits = new Map<string, number>();
  const server: Server = createServer((request, response) => {
    const path = request.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    const body = files[path];
    if (body === undefined) {
      response.writeHead(404).end('not found');
      return;
    }
    response.writeHead(200, { 'content-type': 'text/plain' }).end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  afterAll(() => new Promise<void>((resolve) => server.close(() => {
    resolve();
  })));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, hits };
}
