// Packs every public package once for all the test files of this package, and removes the tarballs after.
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TestProject } from 'vitest/node';
import { type Tarballs, packAll } from './pack';

declare module 'vitest' {
  export interface ProvidedContext {
    tarballs: Tarballs;
  }
}

/** Vitest's global setup: packs, provides the tarball paths as `inject('tarballs')`, and returns the clean-up. */
export default function setup(project: TestProject): () => void {
  const tarballs = packAll();
  project.provide('tarballs', tarballs);
  return () => {
    const folder = Object.values(tarballs)[0];
    if (folder !== undefined) rmSync(dirname(folder), { recursive: true, force: true });
  };
}
