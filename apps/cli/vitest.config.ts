import { microgptVitestConfig } from '@microgpt/vitest-config';

// The tests run the built CLI (dist/cli.js) as a child process: turbo builds it before `test`.
export default microgptVitestConfig({ include: ['test/**/*.test.ts'], testTimeout: 60_000, hookTimeout: 60_000 });
