import { mkdirSync, writeFileSync } from 'node:fs';
import { defineConfig } from 'tsup';
import { firstNames, thirdPartyLicenses } from './scripts/bundled-assets';

// One executable file that needs nothing from node_modules: the @microgpt libraries (from their TypeScript sources,
// the `@microgpt/source` condition, so the CLI builds without their type declarations), commander, asciichart and
// cli-progress are all bundled (loading one file is cheaper at start-up than resolving packages, and the same file
// is the standalone bundle: `pnpm bundle`). Beside it: first-names.txt and THIRD-PARTY-LICENSES.txt. Left outside:
// koffi (the FFI of @microgpt/backend-blas, a dependency), which loads a native module from its own package and is
// imported only when the blas backend starts, and webgpu (Dawn's prebuilt binaries, an optional peer dependency),
// imported only when --backend webgpu starts. The tensor package loads each wasm kernels build
// through its own import() so that a page fetches one; without splitting, esbuild inlines all four here, and the CLI
// stays one file.
export default defineConfig({
  entry: { cli: 'src/cli.ts' },
  format: ['esm'],
  splitting: false,
  platform: 'node',
  target: 'node20',
  clean: true,
  sourcemap: true,
  dts: false,
  noExternal: [/^(?!(koffi|webgpu)(\/|$))/],
  // node:sea exists only with its prefix (tsup strips it by default).
  removeNodeProtocol: false,
  // The CommonJS packages inside call require() for Node's built-in modules; an ES module has no require of its own.
  banner: { js: "#!/usr/bin/env node\nimport { createRequire as createRequireForBundle } from 'node:module';\nconst require = createRequireForBundle(import.meta.url);" },
  esbuildOptions(options) {
    options.conditions = ['@microgpt/source'];
    options.metafile = true;
  },
  esbuildPlugins: [
    {
      name: 'bundled-assets',
      setup(build) {
        build.onEnd((result) => {
          if (result.errors.length > 0 || !result.metafile) return;
          mkdirSync('dist', { recursive: true });
          writeFileSync('dist/first-names.txt', firstNames());
          writeFileSync('dist/THIRD-PARTY-LICENSES.txt', thirdPartyLicenses(Object.keys(result.metafile.inputs), process.cwd()));
        });
      },
    },
  ],
});
