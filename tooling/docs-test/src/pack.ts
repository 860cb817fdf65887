// `pnpm pack` of every public package into one folder: the tarballs npm would publish (pnpm rewrites
// `workspace:^` to the real version range, and applies `publishConfig`).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type PublicPackage, publicPackages } from './workspace';

/** Tarball path by package name. */
export type Tarballs = Readonly<Record<string, string>>;

/**
 * Packs each public package (built first by turbo: this package's test depends on `^build`) into a new temp
 * folder.
 * @throws Error naming a package whose dist/ is missing (not built) or whose pack failed.
 */
export function packAll(packages: readonly PublicPackage[] = publicPackages()): Tarballs {
  const dest = mkdtempSync(join(tmpdir(), 'microgpt-tarballs-'));
  const tarballs: Record<string, string> = {};
  for (const pkg of packages) {
    if (!existsSync(join(pkg.dir, 'dist'))) throw new Error(`pack: ${pkg.name} has no dist/ in ${pkg.dir}; build it first (pnpm --filter ${pkg.name} build)`);
    const out = execFileSync('pnpm', ['pack', '--json', '--pack-destination', dest], { cwd: pkg.dir, encoding: 'utf8' });
    const { filename } = JSON.parse(out) as { filename: string };
    tarballs[pkg.name] = filename;
  }
  return tarballs;
}
