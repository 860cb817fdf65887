// The playground's Vite config. Sibling packages resolve to their TypeScript sources (the `@microgpt/source`
// export condition), so the page needs only their codegen, not their builds. The dev and preview servers send
// the two headers that make the page cross-origin isolated: SharedArrayBuffer, hence wasm threads, needs them.
import { defaultClientConditions, defineConfig } from 'vite';

/** Cross-origin isolation: what a static host must also send for threads (see the README). */
export const ISOLATION_HEADERS = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
};

export default defineConfig({
  base: './',
  resolve: { conditions: ['@microgpt/source', ...defaultClientConditions] },
  worker: { format: 'es' },
  server: { headers: ISOLATION_HEADERS },
  preview: { headers: ISOLATION_HEADERS },
  build: { target: 'es2022', chunkSizeWarningLimit: 2048 },
});
