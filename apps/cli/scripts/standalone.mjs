// `pnpm --filter @microgpt/cli bundle [--out DIR] [--archive]`: the standalone CLI, the built dist/cli.js (which
// bundles every JavaScript dependency and embeds the wasm kernels) as microgpt.mjs, beside first-names.txt (the
// offline names), LICENSE, THIRD-PARTY-LICENSES.txt and README.md, in dist/standalone/ (or DIR). It runs with nothing but Node 20.19+:
// `node microgpt.mjs train --preset names`. `--archive` also writes microgpt-cli-<version>.tar.gz beside that folder
// (dist/ by default): the file the release attaches, one folder microgpt-cli-<version>/ holding the same files.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');

/** Fails with one line naming the problem. */
function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

/** Writes the standalone files into `out` (emptied first). */
function writeStandalone(out) {
    const beside = ['first-names.txt', 'THIRD-PARTY-LICENSES.txt'];
  for (const file of ['cli.js', ...beside]) if (!existsSync(join(dist, file))) fail(`${join(dist, file)} is missing: build the CLI first (pnpm --filter @microgpt/cli build)`);
  // Emptied first, but only when it is empty already or holds an earlier bundle: --out is never a folder to wipe.
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, 'microgpt.mjs'))) fail(`${out} is not empty and holds no earlier bundle: give --out an empty or new folder`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The source map stays behind (2.5 MB, and it names paths of the build machine).
  writeFileSync(join(out, 'microgpt.mjs'), readFileSync(join(dist, 'cli.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=cli\.js\.map\s*$/, '\n'), { mode: 0o755 });
  for (const file of beside) copyFileSync(join(dist, file), join(out, file));
  copyFileSync(join(root, '..', '..', 'LICENSE'), join(out, 'LICENSE'));
  copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
}

const { values } = parseArgs({ options: { out: { type: 'string' }, archive: { type: 'boolean', default: false } } });
const out = resolve(values.out ?? join(dist, 'standalone'));
writeStandalone(out);
process.stdout.write(`${out}\n`);
if (values.archive) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const name = `microgpt-cli-${version}`;
  const staging = join(dirname(out), '.microgpt-cli-archive');
  rmSync(staging, { recursive: true, force: true });
  writeStandalone(join(staging, name));
  const archive = join(dirname(out), `${name}.tar.gz`);
  const tar = spawnSync('tar', ['-czf', archive, '-C', staging, name], { stdio: 'inherit' });
  rmSync(staging, { recursive: true, force: true });
  if (tar.status !== 0) fail(`tar failed (${tar.error?.message ?? `exit ${String(tar.status)}`}) writing ${archive}`);
  process.stdout.write(`${archive}\n`);
}
