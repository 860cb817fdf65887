import { defineConfig } from 'tsup';

// One executable file. The @microgpt libraries are bundled from their TypeScript sources (the
// `@microgpt/source` condition), so the CLI builds in a second without building their type declarations first;
// commander, cli-progress, asciichart and the name lists stay ordinary runtime dependencies.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  dts: false,
  noExternal: [/^@microgpt\//],
  banner: { js: '#!/usr/bin/env node' },
  esbuildOptions(options) {
    options.conditions = ['@microgpt/source'];
  },
});
