// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/**
 * Dependencies point one way: bots → core → machine; the store is reached only
 * through its interface. The import rules below make that visible.
 */
export default tseslint.config(
  { ignores: ['node_modules/', 'data/', 'dist/', 'src/generated/', 'docs/', 'public/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-console': 'off',
    },
  },
  {
    // The machine is pure: xstate and the project's domain types only.
    files: ['src/machine/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!xstate$|\\./|\\.\\./domain/).*',
              message: 'src/machine imports only xstate, its own files and src/domain (it must stay pure).',
            },
          ],
        },
      ],
      'no-restricted-globals': ['error', { name: 'Date', message: 'Timestamps arrive in event payloads.' }],
      'no-restricted-properties': ['error', { object: 'Math', property: 'random', message: 'Ids arrive in event payloads.' }],
    },
  },
  {
    // Forms are pure data and validation.
    files: ['src/forms/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        { patterns: [{ regex: '^(?!\\./|\\.\\./domain/).*', message: 'src/forms is pure: its own files and src/domain only.' }] },
      ],
    },
  },
  {
    // Channels and the core see the store through its interface, never Prisma.
    files: ['src/bots/**/*.ts', 'src/core/**/*.ts', 'src/web/**/*.ts', 'src/mail/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/generated/**', '@prisma/*', 'pg', '@electric-sql/*', 'pglite-prisma-adapter'], message: 'Use the store interface (src/store/store.ts).' },
            { group: ['**/store/prisma-*', '**/store/database*'], message: 'Use the store interface (src/store/store.ts).' },
          ],
        },
      ],
    },
  },
  {
    // Adapters go through the conversation core, not around it.
    files: ['src/bots/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            { group: ['**/machine/*', '**/machine'], message: 'Channels talk to the core, not to the machine.' },
            { group: ['**/generated/**', '@prisma/*', '**/store/prisma-*', '**/store/database*'], message: 'Use the store interface.' },
          ],
        },
      ],
    },
  },
);
