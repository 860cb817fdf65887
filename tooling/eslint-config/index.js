// The one ESLint flat config for the repo: typescript-eslint's type-aware rules, tuned for numeric kernels.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import jsdoc from 'eslint-plugin-jsdoc';

/**
 * Every exported declaration (function, class, interface, type, enum, const) needs a `/** … *\/` comment, reported
 * at its line. Members of exported types are left to `pnpm run docs`: typedoc's validation knows which
 * declarations the package entry points really export, so it asks only the public ones for member comments.
 */
const requireDocComments = {
  files: ['src/**/*.ts'],
  ignores: ['**/*.test.ts'],
  plugins: { jsdoc },
  rules: {
    'jsdoc/require-jsdoc': [
      'error',
      {
        publicOnly: true,
        require: { FunctionDeclaration: true, ClassDeclaration: true },
        contexts: ['TSDeclareFunction', 'TSInterfaceDeclaration', 'TSTypeAliasDeclaration', 'TSEnumDeclaration', 'VariableDeclaration'],
      },
    ],
  },
};

/**
 * Builds the flat config for a package.
 * @param {string} tsconfigRootDir the package folder (pass `import.meta.dirname`)
 * @param {{ requireDocComments?: boolean }} [options] `requireDocComments`: every exported declaration under src/
 *   (tests aside) needs a doc comment (`jsdoc/require-jsdoc`); the published libraries set it.
 * @returns {import('typescript-eslint').ConfigArray}
 */
export function microgptConfig(tsconfigRootDir, options = {}) {
  const docs = options.requireDocComments ? [requireDocComments] : [];
  return tseslint.config(
    { ignores: ['dist/**', 'src/generated/**', 'assembly/**', 'coverage/**', '**/*.js', '**/*.mjs'] },
    js.configs.recommended,
    ...tseslint.configs.strictTypeChecked,
    {
      languageOptions: {
        parserOptions: { projectService: true, tsconfigRootDir },
      },
      rules: {
        // Kernels index typed arrays in hot loops; `!` after a bounds-checked index is the honest form there.
        '@typescript-eslint/no-non-null-assertion': 'off',
        '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
        '@typescript-eslint/consistent-type-imports': 'error',
        'no-console': ['error', { allow: ['warn', 'error', 'debug'] }],
      },
    },
    ...docs,
  );
}
