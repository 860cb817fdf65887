import { microgptConfig } from '@microgpt/eslint-config';

export default microgptConfig(import.meta.dirname);
