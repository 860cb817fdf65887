// Installs packages into a folder with npm, the way a user does, except that @microgpt packages come from the
// packed tarballs (with their @microgpt dependencies, which a registry would supply) and third-party ones from
// the registry.
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Tarballs } from './pack';
import { dependencyClosure } from './workspace';

/** The environment without the npm_* variables pnpm sets for its scripts, which would steer a nested npm. */
export function cleanEnv(extra: Readonly<Record<string, string>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) if (!key.toLowerCase().startsWith('npm_')) env[key] = value;
  return { ...env, ...extra };
}

/** Writes an ES-module package.json into `dir` (made if missing), as `npm init -y && npm pkg set type=module` would. */
export function initProject(dir: string): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'microgpt-user', version: '1.0.0', private: true, type: 'module' }, null, 2)}\n`);
}

/** The npm arguments for `specs`: @microgpt names become their tarballs and their @microgpt dependencies' tarballs. */
export function installArgs(specs: readonly string[], tarballs: Tarballs): string[] {
  const ours = specs.filter((s) => s.startsWith('@microgpt/'));
  const theirs = specs.filter((s) => !s.startsWith('@microgpt/'));
  const paths = dependencyClosure(ours).map((name) => {
    const path = tarballs[name];
    if (path === undefined) throw new Error(`install: no tarball for ${name}`);
    return path;
  });
  return [...paths, ...theirs];
}

/**
 * `npm install` of `specs` in `dir`.
 * @throws Error with npm's output when the install fails.
 */
export function npmInstall(dir: string, specs: readonly string[], tarballs: Tarballs): void {
  const args = ['install', '--no-audit', '--no-fund', '--prefer-offline', '--loglevel=error', ...installArgs(specs, tarballs)];
  try {
    execFileSync('npm', args, { cwd: dir, env: cleanEnv(), encoding: 'utf8', stdio: 'pipe' });
  } catch (error) {
    const { stdout, stderr } = error as { stdout?: string; stderr?: string };
    throw new Error(`npm ${args.join(' ')} failed in ${dir}:\n${stdout ?? ''}${stderr ?? ''}`, { cause: error });
  }
}
