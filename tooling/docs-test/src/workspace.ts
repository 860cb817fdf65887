// The published packages of the workspace, read from their package.json files, and their @microgpt dependency
// closures: what a user's npm install of one of them pulls in from the registry.
import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository's root folder. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** A package that npm would publish: its name, its folder, and the @microgpt packages it depends on at run time. */
export interface PublicPackage {
  readonly name: string;
  readonly dir: string;
  readonly microgptDependencies: readonly string[];
}

interface Manifest {
  readonly name: string;
  readonly private?: boolean;
  readonly dependencies?: Readonly<Record<string, string>>;
}

/** Every package under packages/ and apps/ that is not private, sorted by name. */
export function publicPackages(): PublicPackage[] {
  const found: PublicPackage[] = [];
  for (const group of ['packages', 'apps']) {
    for (const entry of readdirSync(join(REPO_ROOT, group), { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const dir = join(REPO_ROOT, group, entry.name);
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
      if (manifest.private === true) continue;
      const microgptDependencies = Object.keys(manifest.dependencies ?? {}).filter((name) => name.startsWith('@microgpt/'));
      found.push({ name: manifest.name, dir, microgptDependencies });
    }
  }
  return found.sort((a, b) => a.name.localeCompare(b.name));
}

/**
 * `names` and every @microgpt package they depend on, directly or not.
 * @throws Error naming a package that is not a public package of the workspace.
 */
export function dependencyClosure(names: readonly string[], packages: readonly PublicPackage[] = publicPackages()): string[] {
  const byName = new Map(packages.map((p) => [p.name, p]));
  const seen = new Set<string>();
  const visit = (name: string): void => {
    if (seen.has(name)) return;
    const pkg = byName.get(name);
    if (pkg === undefined) throw new Error(`dependencyClosure: ${name} is not a public package of the workspace (found: ${[...byName.keys()].join(', ')})`);
    seen.add(name);
    pkg.microgptDependencies.forEach(visit);
  };
  names.forEach(visit);
  return [...seen].sort();
}
