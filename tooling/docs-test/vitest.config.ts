import { microgptVitestConfig } from '@microgpt/vitest-config';

// npm installs, tutorials and browser pages: minutes, not seconds, and one file at a time so the installs and
// trainings do not compete with each other for the two CI cores.
export default microgptVitestConfig({ globalSetup: ['src/global-setup.ts'], fileParallelism: false, testTimeout: 600_000, hookTimeout: 600_000 });
