// `pnpm --filter @microgpt/cli bundle [--out DIR] [--archive] [--sea]`: the standalone CLI, the built dist/cli.js
// (which bundles every JavaScript dependency and embeds the wasm kernels) as microgpt.mjs, beside first-names.txt
// (the offline names), LICENSE, THIRD-PARTY-LICENSES.txt and README.md, in dist/standalone/ (or DIR). It runs with
// nothing but Node 20.19+: `node microgpt.mjs train --preset names`.
// --sea: instead, a single executable application (Linux only): this Node binary with the bundle, turned into
// CommonJS (Node 20's SEA runs only CommonJS), and first-names.txt as an asset injected by postject; `./microgpt`.
// --archive: also microgpt-cli-<version>.tar.gz (with --sea, microgpt-cli-<version>-linux-<arch>.tar.gz) beside the
// folder (dist/ by default): the file the release attaches, one folder of the archive's name holding the same files.
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import { inject } from 'postject';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const dist = join(root, 'dist');
const BESIDE = ['first-names.txt', 'THIRD-PARTY-LICENSES.txt'];
// The fuse Node's binaries carry for postject to flip (Node's documentation of single executable applications).
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** Fails with one line naming the problem. */
function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

/** Empties `out` (or makes it): only when it is empty already or holds an earlier bundle, as --out is never a folder to wipe. */
function freshFolder(out, marker) {
  if (existsSync(out) && readdirSync(out).length > 0 && !existsSync(join(out, marker))) fail(`${out} is not empty and holds no earlier bundle: give --out an empty or new folder`);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
}

/** Copies the licences and the README into `out`. */
function copyDocuments(out) {
  copyFileSync(join(dist, 'THIRD-PARTY-LICENSES.txt'), join(out, 'THIRD-PARTY-LICENSES.txt'));
  copyFileSync(join(root, '..', '..', 'LICENSE'), join(out, 'LICENSE'));
  copyFileSync(join(root, 'README.md'), join(out, 'README.md'));
}

/** Writes microgpt.mjs and the files beside it into `out`. */
function writeStandalone(out) {
  freshFolder(out, 'microgpt.mjs');
  // The source map stays behind (2.5 MB, and it names paths of the build machine).
  writeFileSync(join(out, 'microgpt.mjs'), readFileSync(join(dist, 'cli.js'), 'utf8').replace(/\n\/\/# sourceMappingURL=cli\.js\.map\s*$/, '\n'), { mode: 0o755 });
  copyFileSync(join(dist, 'first-names.txt'), join(out, 'first-names.txt'));
  copyDocuments(out);
}

/** Writes the single executable `microgpt` and the documents into `out`. */
async function writeSea(out) {
  freshFolder(out, 'microgpt');
  const work = join(out, '.sea-build');
  mkdirSync(work);
  // import.meta.url (the bundle's require() for Node's modules, the blas backend's lookup of koffi) becomes the
  // executable's own URL.
  await build({
    entryPoints: [join(dist, 'cli.js')],
    outfile: join(work, 'microgpt.cjs'),
    format: 'cjs',
    platform: 'node',
    target: 'node20',
    bundle: false,
    logLevel: 'warning',
    define: { 'import.meta.url': 'microgptModuleUrl' },
    banner: { js: "var microgptModuleUrl = require('node:url').pathToFileURL(process.execPath).href;" },
  });
  const config = {
    main: join(work, 'microgpt.cjs'),
    output: join(work, 'sea.blob'),
    disableExperimentalSEAWarning: true,
    // useCodeCache would start about 20 ms sooner, but in Node 20 it leaves import() without a loader, and the wasm
    // backend imports node:worker_threads (so --threads N failed) as the names lookup imports node:sea.
    assets: { 'first-names.txt': join(dist, 'first-names.txt') },
  };
  writeFileSync(join(work, 'sea-config.json'), JSON.stringify(config));
  const blob = spawnSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], { encoding: 'utf8' });
  if (blob.status !== 0) fail(`node --experimental-sea-config failed: ${blob.stderr.trim()}`);
  const executable = join(out, 'microgpt');
  copyFileSync(process.execPath, executable);
  chmodSync(executable, 0o755);
  await inject(executable, 'NODE_SEA_BLOB', readFileSync(config.output), { sentinelFuse: SEA_FUSE });
  rmSync(work, { recursive: true, force: true });
  copyDocuments(out);
}

const { values } = parseArgs({ options: { out: { type: 'string' }, archive: { type: 'boolean', default: false }, sea: { type: 'boolean', default: false } } });
for (const file of ['cli.js', ...BESIDE]) if (!existsSync(join(dist, file))) fail(`${join(dist, file)} is missing: build the CLI first (pnpm --filter @microgpt/cli build)`);
// Other systems need more than postject (macOS re-signs the binary, Windows removes its signature first): untried here.
if (values.sea && process.platform !== 'linux') fail(`--sea builds a single executable on Linux only, not on ${process.platform}; the .mjs bundle runs everywhere`);
const write = values.sea ? writeSea : writeStandalone;
const out = resolve(values.out ?? join(dist, values.sea ? 'sea' : 'standalone'));
await write(out);
process.stdout.write(`${out}\n`);
if (values.archive) {
  const { version } = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const name = `microgpt-cli-${version}${values.sea ? `-linux-${process.arch}` : ''}`;
  const staging = join(dirname(out), '.microgpt-cli-archive');
  rmSync(staging, { recursive: true, force: true });
  await write(join(staging, name));
  const archive = join(dirname(out), `${name}.tar.gz`);
  const tar = spawnSync('tar', ['-czf', archive, '-C', staging, name], { stdio: 'inherit' });
  rmSync(staging, { recursive: true, force: true });
  if (tar.status !== 0) fail(`tar failed (${tar.error?.message ?? `exit ${String(tar.status)}`}) writing ${archive}`);
  process.stdout.write(`${archive}\n`);
}
