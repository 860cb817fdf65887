// The one ESLint flat config for the repo: typescript-eslint's type-aware rules, tuned for numeric kernels.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Builds the flat config for a package.
 * @param {string} tsconfigRootDir the package folder (pass `import.meta.dirname`)
 * @returns {import('typescript-eslint').ConfigArray}
 */
export function microgptConfig(tsconfigRootDir) {
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
  );
}
