import { defineConfig } from 'tsup';

// browser.ts is what bundlers take for a page (the `browser` export condition); its types are index.ts's.
export default defineConfig({
  entry: { index: 'src/index.ts', browser: 'src/browser.ts' },
  format: ['esm'],
  dts: { entry: { index: 'src/index.ts' } },
  clean: true,
  sourcemap: true,
  target: 'es2022',
});
