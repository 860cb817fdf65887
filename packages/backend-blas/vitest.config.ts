import { microgptVitestConfig } from '@microgpt/vitest-config';

export default microgptVitestConfig();
