import { microgptConfig } from '@microgpt/eslint-config';

// A published library: every exported declaration needs a doc comment (the API reference is built from them).
export default microgptConfig(import.meta.dirname, { requireDocComments: true });
