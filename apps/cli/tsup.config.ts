import { defineConfig } from 'tsup';

// One executable file. The @microgpt libraries are bundled from their TypeScript sources (the
// `@microgpt/source` condition), so the CLI builds in a second without building their type declarations first;
// commander, cli-progress, asciichart and the name lists stay ordinary runtime dependencies. koffi (the FFI of
// @microgpt/backend-blas, a dependency) loads a native module from its own package, so it stays outside the bundle
// and is imported only when the blas backend starts; so does webgpu (Dawn's prebuilt binaries, an optional peer
// dependency), imported only when --backend webgpu starts. The tensor package loads each wasm kernels build through
// its own import() so that a page fetches one; without splitting, esbuild inlines all four here, and the CLI stays
// one file.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  splitting: false,
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  dts: false,
  noExternal: [/^@microgpt\//],
  external: ['koffi', 'webgpu'],
  banner: { js: '#!/usr/bin/env node' },
  esbuildOptions(options) {
    options.conditions = ['@microgpt/source'];
  },
});
