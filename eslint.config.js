// One lint configuration for the whole repository: typescript-eslint's strict,
// type-aware rules (each file checked against its own tsconfig: the root one,
// or renderer/tsconfig.json for the UI) plus its stylistic set. Formatting is
// Prettier's job (.prettierrc), so no formatting rules here.
import js from '@eslint/js';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** The one zod the app imports (main/auth/zod.ts); used by two blocks below. */
const ZOD_PATTERN = { regex: '^zod(/.*)?$', message: 'import { z } from main/auth/zod.ts (zod/mini with English messages)' };
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
      // The built package (scripts/build-package.ts).
      'dist-pkg/**',
      // A separate project that resolves oidc-desktop from its own node_modules: the
      // existing-app test installs the packed package there and type-checks it.
      'examples/existing-app/**',
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
    // The app validates with zod/mini through main/auth/zod.ts (English messages set there). Classic
    // zod, imported anywhere the main bundle reaches, would put ~200 kB and its parser compiler back
    // on the start-up path (bench main_start_ratio).
    files: ['main/**/*.ts', 'scripts/**/*.ts', 'preload/**/*.ts'],
    ignores: ['main/auth/zod.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [ZOD_PATTERN] }],
    },
  },
  {
    // The app's code loads node:crypto, node:stream, node:fs/promises and node:child_process at first use (main/auth/lazy-builtins.ts
    // says why); the demo provider is loaded only without a configuration, after start-up. Repeats the zod
    // pattern: a later block's options replace an earlier one's.
    files: ['main/**/*.ts'],
    ignores: ['main/auth/zod.ts', 'main/demo/**', 'main/auth/lazy-builtins.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            ZOD_PATTERN,
            {
              regex: '^node:(crypto|stream|fs/promises|child_process)$',
              allowTypeImports: true,
              message: 'load it at first use through main/auth/lazy-builtins.ts: at the top of a module it costs every start (bench main_start_ratio)',
            },
          ],
        },
      ],
    },
  },
  {
    // Tests and benchmarks: `value!` after an assertion that the value exists is the idiom (a
    // wrong guess fails the test with a TypeError, which is the point), `() => {}` is the no-op
    // callback a fake needs, and openid-client's `allowInsecureRequests` is deprecated only as a
    // warning against production use: here it is how a test talks to a provider on plain-http loopback.
    files: ['test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-non-null-assertion': 'off',
      '@typescript-eslint/no-empty-function': 'off',
      '@typescript-eslint/no-deprecated': 'off',
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
