// The one Vitest config for the repo. Sibling packages resolve to their TypeScript sources through the
// `@microgpt/source` export condition (Vitest 4 reads it from ssr.resolve.conditions in the node
// environment), so tests need no build. The JSON reporter's file is what .ci/run counts.
import { defineConfig } from 'vitest/config';

/**
 * Vitest config for a package: tests are `src/**\/*.test.ts` beside the code.
 * @param {import('vitest/config').ViteUserConfig['test']} [test] extra test options
 */
export function microgptVitestConfig(test = {}) {
  return defineConfig({
    ssr: { resolve: { conditions: ['@microgpt/source'] } },
    test: {
      include: ['src/**/*.test.ts'],
      reporters: ['default', ['json', { outputFile: '.vitest-results.json' }]],
      // CI runs every package's tests at once on 2 shared cores: a test that takes 1 s alone can take 6 s there.
      // Tests check results, never time, so the limit only catches hangs.
      testTimeout: 60_000,
      ...test,
    },
  });
}
