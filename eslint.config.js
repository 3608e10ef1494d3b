// One lint configuration for the whole repository: typescript-eslint's strict,
// type-aware rules (each file checked against its own tsconfig: the root one,
// or renderer/tsconfig.json for the UI) plus its stylistic set. Formatting is
// Prettier's job (.prettierrc), so no formatting rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'dist/**',
      'release/**',
      'test-results/**',
      'node_modules/**',
      'security/node_modules/**',
      'coverage/**',
      'release-e2e/**',
      'playwright-report/**',
      '.vite/**',
    ],
  },
  js.configs.recommended,
  tseslint.configs.strictTypeChecked,
  tseslint.configs.stylisticTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
      globals: { ...globals.node },
    },
    rules: {
      // Numbers in messages and log lines are the common, harmless case.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true }],
      // `value || fallback` on a string deliberately treats '' (an empty env variable or field) as absent.
      '@typescript-eslint/prefer-nullish-coalescing': ['error', { ignorePrimitives: { string: true } }],
    },
  },
  {
    files: ['renderer/**/*.ts'],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // Plain JavaScript (build and CI scripts, this file): no type information.
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
);
