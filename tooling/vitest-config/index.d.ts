import type { ViteUserConfig } from 'vitest/config';

/** Vitest config for a microgpt package; `test` adds or overrides test options. */
export function microgptVitestConfig(test?: ViteUserConfig['test']): ViteUserConfig;
