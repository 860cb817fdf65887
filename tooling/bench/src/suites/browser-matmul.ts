// The `browser` suite's matmul rows: the relaxed-SIMD targets' race (src/matmul-rounds.ts) in Chromium. The page
// (src/browser-matmul/) is built with Vite into a temporary folder and served cross-origin isolated (threads need
// SharedArrayBuffer); its rows come back as `matmul-512` GFLOP/s rows with impls `chromium-wasm`,
// `chromium-wasm-simd128` and `chromium-tfjs-wasm`.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { type PreviewServer, build, defaultClientConditions, preview } from 'vite';
import type { Emit } from '../harness';
import { RACE_N } from '../matmul-rounds';

const PAGE = fileURLToPath(new URL('../browser-matmul/', import.meta.url));
/** What makes the page cross-origin isolated, as the playground's Vite config sends it. */
const ISOLATION_HEADERS = { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' };
/** Bound on the race (25 rounds of 5 rows: well under a minute in Chromium, loaded, on the development machine). */
const RACE_TIMEOUT_MS = 600_000;

/** Builds and serves the page, runs its race in a new page of `browser` and emits its rows. */
export async function chromiumMatmulRows(browser: Browser, emit: Emit): Promise<void> {
  const outDir = mkdtempSync(join(tmpdir(), 'microgpt-browser-matmul-'));
  let server: PreviewServer | null = null;
  try {
    const config = {
      root: PAGE,
      configFile: false as const,
      logLevel: 'warn' as const,
      resolve: { conditions: ['@microgpt/source', ...defaultClientConditions] },
      worker: { format: 'es' as const },
      build: { outDir, emptyOutDir: true, target: 'es2022', chunkSizeWarningLimit: 4096 },
    };
    await build(config);
    server = await preview({ ...config, preview: { host: '127.0.0.1', port: 4174, strictPort: false, headers: ISOLATION_HEADERS } });
    const page = await browser.newPage();
    await page.goto(server.resolvedUrls!.local[0]!);
    await page.waitForFunction(() => typeof window.runMatmulRace === 'function');
    page.setDefaultTimeout(RACE_TIMEOUT_MS);
    const rows = await page.evaluate(() => window.runMatmulRace!());
    await page.close();
    for (const r of rows) {
      emit({ suite: 'browser', name: `matmul-${RACE_N}`, impl: `chromium-${r.impl}`, threads: r.threads, metric: 'gflops', value: r.gflops, unit: 'GFLOP/s' });
    }
  } finally {
    await server?.close();
    rmSync(outDir, { recursive: true, force: true });
  }
}
