import { microgptConfig } from '@microgpt/eslint-config';

export default [
  // A published library: every exported declaration needs a doc comment (the API reference is built from them).
  ...microgptConfig(import.meta.dirname, { requireDocComments: true }),
  // The wasm backend is the model a backend package copies, so it may use only the package's public entry points
  // (what `@microgpt/tensor` and `@microgpt/tensor/testing` export) and its own generated module and bindings.
  {
    files: ['src/backends/wasm/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^\\.\\./(?!\\.\\./(?:index|testing/index|generated/(?:wasm|kernel-exports))$)',
              message: 'the wasm backend imports the core only through ../../index and ../../testing/index (the public API)',
            },
          ],
        },
      ],
    },
  },
];
