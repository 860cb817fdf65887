// What the browser tests share: which Chromium, its flags, the app's folder, and the check that the browser and the
// builds the tests load exist (turbo makes the builds first).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The browser: $MICROGPT_CHROMIUM, else Debian's (`.ci/run` installs it). */
export const CHROMIUM = process.env.MICROGPT_CHROMIUM ?? '/usr/bin/chromium';
export const APP = dirname(dirname(fileURLToPath(import.meta.url)));
export const CLI = join(APP, '..', 'cli', 'dist', 'cli.js');

/** Whether MICROGPT_SKIP_BROWSER=1 asks to skip the browser tests (they then count as skipped). */
export const SKIP = process.env.MICROGPT_SKIP_BROWSER === '1';

/** Headless Chromium without the network's noise. `--disable-gpu` leaves WebGPU off unless `--enable-unsafe-webgpu` is added. */
export const BROWSER_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'];

/** Fails the suite with what is missing: a browser, or the builds the tests load. */
export function requireFiles(): void {
  const missing = [
    existsSync(CHROMIUM) ? null : `a Chromium at ${CHROMIUM} (apt-get install chromium, or set MICROGPT_CHROMIUM to a Chromium or Chrome executable)`,
    existsSync(join(APP, 'dist', 'index.html')) ? null : `${join(APP, 'dist')} (pnpm --filter @microgpt/playground build)`,
    existsSync(CLI) ? null : `${CLI} (pnpm --filter @microgpt/cli build)`,
  ].filter((m) => m !== null);
  if (missing.length > 0) throw new Error(`playground e2e needs ${missing.join('; ')}. Set MICROGPT_SKIP_BROWSER=1 to skip these tests on purpose.`);
}

/**
 * The wasm kernels builds (`wasm-shared-relaxed-simd`, …) whose chunks are among `urls`: the tensor package puts
 * each of its four builds in a chunk of its own, and a page should fetch only the one its worker runs.
 */
export function kernelBuildsFetched(urls: readonly string[]): string[] {
  return urls.flatMap((url) => /\/assets\/(wasm-(?:shared|single)-(?:relaxed-simd|simd128))-[\w-]+\.js$/.exec(url)?.[1] ?? []);
}
