// The packaging linters on every tarball npm would publish: publint (exports, files, fields; warnings count as
// failures) and arethetypeswrong (types resolve to the right declarations under Node's ESM
// resolution and bundlers; the packages are ESM-only, so its `esm-only` profile: CommonJS `require` and the
// pre-exports node10 resolution are out of scope).
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { publint } from 'publint';
import { formatMessage } from 'publint/utils';
import { describe, expect, inject, it } from 'vitest';
import { publicPackages } from './workspace';

const tarballs = inject('tarballs');
const ATTW = join(import.meta.dirname, '..', 'node_modules', '.bin', 'attw');

describe.each(publicPackages().map((p) => p.name))('%s', (name) => {
  it('passes publint with warnings as errors', async () => {
    const data = readFileSync(tarballs[name]!);
    const tarball = new Uint8Array(data).buffer;
    const { messages, pkg } = await publint({ pack: { tarball }, level: 'suggestion', strict: true });
    expect(messages.map((m) => `${m.type}: ${formatMessage(m, pkg, { color: false }) ?? m.code}`)).toEqual([]);
  });

  it('passes arethetypeswrong (esm-only profile; the CLI has no types, which it accepts)', () => {
    try {
      execFileSync(ATTW, [tarballs[name]!, '--profile', 'esm-only', '--format', 'ascii', '--no-color', '--no-emoji'], { encoding: 'utf8' });
    } catch (error) {
      throw new Error(`attw found problems in ${name}:\n${(error as { stdout?: string }).stdout ?? String(error)}`, { cause: error });
    }
  });
});
