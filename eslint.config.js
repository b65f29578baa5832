import js from '@eslint/js';
import path from 'node:path';
import tseslint from 'typescript-eslint';
import purchases from './eslint/module-boundaries.js';

const srcDir = path.join(import.meta.dirname, 'src');

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'drizzle', 'dist', 'bench/results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
    },
  },
  {
    // Modules meet only through their index.ts (see eslint/module-boundaries.js).
    files: ['src/**/*.ts'],
    plugins: { purchases },
    rules: { 'purchases/module-boundaries': ['error', { srcDir }] },
  },
  {
    // The console's own script runs in the browser.
    files: ['src/modules/console/assets/**/*.js'],
    languageOptions: {
      globals: {
        document: 'readonly',
        fetch: 'readonly',
        location: 'readonly',
        setTimeout: 'readonly',
      },
    },
  },
  {
    // Plain JavaScript run by Node: before anything is compiled (scripts/build.mjs), or on the
    // compiled dist/ (bench/import-child.mjs).
    files: ['scripts/**/*.mjs', 'bench/**/*.mjs'],
    languageOptions: {
      globals: {
        Buffer: 'readonly',
        URL: 'readonly',
        console: 'readonly',
        process: 'readonly',
        performance: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
      },
    },
  },
  {
    // Tests read JSON answers whose shape the assertions themselves check.
    files: ['**/*.test.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
