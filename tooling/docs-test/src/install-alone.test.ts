// Each public package installs alone from its tarball into an empty folder with npm (with only the @microgpt
// packages it depends on, which a registry would supply), and every entry point of its `exports` imports in
// Node and type-checks in a consumer compiled by tsc with Node's ESM resolution. Then a page importing it is
// bundled with Vite in that folder and opened in Chromium, where the package does its job (browser-checks.ts):
// backend-blas, Node-only, is the exception whose `browser` entry fails with the reason. The CLI
// installs globally into an empty HOME and trains the names preset (without the network it falls back to the
// names it bundles, saying so on stderr).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { BROWSER_CHECKS } from './browser-checks';
import { bundlePage } from './bundle-page';
import { openPage } from './chromium';
import { cleanEnv, initProject, npmInstall } from './npm-install';
import { serveFolder } from './static-server';
import { dependencyClosure, publicPackages } from './workspace';

const tarballs = inject('tarballs');
const TSC = createRequire(import.meta.url).resolve('typescript/bin/tsc');
const work: string[] = [];
afterAll(() => {
  for (const dir of work) rmSync(dir, { recursive: true, force: true });
});

function folder(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `microgpt-${name}-`));
  work.push(dir);
  return dir;
}

/** The subpaths of a package's `exports` that are code (`.`, `./node`, …; not `./package.json`). */
function entryPoints(dir: string): string[] {
  const { exports } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, unknown> };
  return Object.keys(exports).filter((key) => !key.endsWith('.json'));
}

/**
 * The consumer's compiler settings: Node's ESM resolution (arethetypeswrong checks the other resolutions), every
 * declaration file checked, and no `types` beyond Node's: backend-webgpu's declarations reference `@webgpu/types`
 * (its dependency) themselves.
 */
function consumerSettings(): object {
  return { compilerOptions: { strict: true, noEmit: true, skipLibCheck: false, target: 'ES2022', module: 'node16', moduleResolution: 'node16', types: ['node'] }, files: ['consumer.ts'] };
}

for (const pkg of publicPackages().filter((p) => p.name !== '@microgpt/cli')) {
  describe(`${pkg.name} alone`, () => {
    const short = pkg.name.replace('@microgpt/', '');
    let dir = '';
    beforeAll(() => {
      dir = folder(short);
      initProject(dir);
      npmInstall(dir, [pkg.name, '@types/node@20'], tarballs);
    });

    it('installs from its tarball with only its own @microgpt dependencies, imports in Node, type-checks with Node\'s ESM resolution', () => {
      expect(readdirSync(join(dir, 'node_modules', '@microgpt')).map((n) => `@microgpt/${n}`).sort()).toEqual(dependencyClosure([pkg.name]));

      const specifiers = entryPoints(pkg.dir).map((entry) => (entry === '.' ? pkg.name : `${pkg.name}/${entry.slice(2)}`));
      const script = `for (const s of ${JSON.stringify(specifiers)}) { const m = await import(s); console.log(s, Object.keys(m).length); }`;
      const printed = execFileSync('node', ['--input-type=module', '-e', script], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
      for (const s of specifiers) expect(Number(new RegExp(`^${s} (\\d+)$`, 'm').exec(printed)?.[1])).toBeGreaterThan(0);

      writeFileSync(join(dir, 'consumer.ts'), `${specifiers.map((s, i) => `import * as m${i} from '${s}';`).join('\n')}\nexport const exported: number[] = [${specifiers.map((_, i) => `Object.keys(m${i}).length`).join(', ')}];\n`);
      writeFileSync(join(dir, 'tsconfig.json'), JSON.stringify(consumerSettings()));
      try {
        execFileSync('node', [TSC, '-p', 'tsconfig.json'], { cwd: dir, env: cleanEnv(), encoding: 'utf8' });
      } catch (error) {
        throw new Error(`tsc on a consumer of ${pkg.name} failed:\n${(error as { stdout?: string }).stdout ?? String(error)}`, { cause: error });
      }
    });

    it('bundles into a page with Vite from the same install and works in Chromium', async () => {
      const check = BROWSER_CHECKS[pkg.name];
      if (check === undefined) throw new Error(`browser-checks.ts has no check for ${pkg.name}: add pages/${short}.ts and its expectations`);
      const server = await serveFolder(await bundlePage(dir, short));
      try {
        for (const run of check) run.expect(await openPage(`${server.origin}/`, run.args));
      } finally {
        await server.close();
      }
    });
  });
}

describe('@microgpt/cli installed globally', () => {
  it('runs `microgpt train --preset names --steps 200` in an empty HOME', () => {
    const home = folder('home');
    const prefix = folder('global');
    // A new prefix also moves npm's global config (`$prefix/etc/npmrc`); the machine's one (registry, CA file) stays.
    const globalconfig = execFileSync('npm', ['config', 'get', 'globalconfig'], { env: cleanEnv(), encoding: 'utf8' }).trim();
    const env = cleanEnv({ HOME: home, npm_config_prefix: prefix, npm_config_globalconfig: globalconfig, PATH: `${join(prefix, 'bin')}:${process.env.PATH ?? ''}` });
    execFileSync('npm', ['install', '-g', '--no-audit', '--no-fund', '--loglevel=error', ...dependencyClosure(['@microgpt/cli']).map((n) => tarballs[n]!)], { env, encoding: 'utf8' });
    const out = execFileSync('microgpt', ['train', '--preset', 'names', '--steps', '200', '--out', join(home, 'run'), '--samples', '3'], { cwd: home, env, encoding: 'utf8' });
    expect(out).toMatch(/done: step 200, loss [\d.]+, val loss [\d.]+/);
    expect(Number(/val loss ([\d.]+)/.exec(out)?.[1])).toBeLessThan(Math.log(27) - 0.5);
  });
});
