import { microgptVitestConfig } from '@microgpt/vitest-config';

// Unit tests (src/) run the page's logic in Node; test/e2e.test.ts drives the built page in Chromium.
export default microgptVitestConfig({ include: ['src/**/*.test.ts', 'test/**/*.test.ts'], testTimeout: 120_000, hookTimeout: 180_000 });
