// A page of pages/ bundled the way a user's app is: Vite (the version the playground pins) builds an index.html
// whose module script is that page, resolving @microgpt/* from the folder's node_modules, i.e. from the packed
// tarballs npm installed there, by their `exports` with Vite's browser conditions.
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { build } from 'vite';
import { REPO_ROOT } from './workspace';

/** The page scripts, one per public package (`<name>.ts` for `@microgpt/<name>`), and what they share. */
export const PAGES = join(REPO_ROOT, 'tooling', 'docs-test', 'pages');

/**
 * Copies pages/ into `<dir>/page` (so imports resolve from `<dir>/node_modules`), writes an index.html that runs
 * `<page>.ts`, and bundles it into `<dir>/page/dist`, which it returns.
 * @throws Error with Vite's message when the bundle does not build.
 */
export async function bundlePage(dir: string, page: string): Promise<string> {
  const root = join(dir, 'page');
  cpSync(PAGES, root, { recursive: true });
  writeFileSync(join(root, 'index.html'), `<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8"><title>${page}</title><link rel="icon" href="data:,"></head>\n<body>\n<script type="module" src="./${page}.ts"></script>\n</body>\n</html>\n`);
  const outDir = join(root, 'dist');
  try {
    await build({ root, configFile: false, envDir: false, logLevel: 'error', build: { outDir, emptyOutDir: true } });
  } catch (error) {
    throw new Error(`vite build of pages/${page}.ts in ${root} failed: ${(error as Error).message}`, { cause: error });
  }
  return outDir;
}
