// The lint `npm test` runs first: typescript-eslint's type-checked recommended rules, size and
// complexity limits, and the import boundary between the operator and the broker (DESIGN.md:
// the operator may use the broker's contract only; the broker never imports the operator or tests).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Only `broker/contract/` of the broker may be imported from the operator. */
export const boundaryRules = [
  {
    files: ['operator/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          group: ['**/broker/**', '!**/broker/contract', '!**/broker/contract/**'],
          message: 'the operator may import only broker/contract/ of the broker (the shared admin-API and configuration contract)',
        }],
      }],
    },
  },
  {
    // The broker's own code; its unit tests beside it may use the shared test support.
    files: ['broker/**/*.ts'],
    ignores: ['broker/contract/**', 'broker/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['**/operator', '**/operator/**'], message: 'the broker never imports the operator (they share broker/contract/ only)' },
          { group: ['**/test', '**/test/**'], message: 'the broker never imports test code' },
        ],
      }],
    },
  },
  {
    files: ['broker/contract/**/*.ts'],
    ignores: ['broker/contract/**/*.test.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{
          // Anything but zod and a sibling file of the contract.
          regex: '^(?!zod$|\\./[^/]+$)',
          message: 'broker/contract/ is shared with the operator: it imports zod and its own files only',
        }],
      }],
    },
  },
];

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', '**/*.js', '**/*.cjs', '**/*.mjs', 'eslint.config.d.ts'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // A late-bound reference (declared first, assigned once later, read by closures) stays a let.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Async methods that do not await implement Promise-returning interfaces (stores, authorizers).
      '@typescript-eslint/require-await': 'off',
      // Sizes: one concept per file, functions a screen long (CONVENTIONS.md).
      'max-lines': ['error', { max: 600, skipBlankLines: true, skipComments: true }],
      'max-lines-per-function': ['error', { max: 150, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 30],
      'max-depth': ['error', 5],
      'max-params': ['error', 8],
      'max-nested-callbacks': ['error', 5],
      // Unused values are errors, except deliberately ignored ones (_name) and rest siblings.
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none', ignoreRestSiblings: true }],
    },
  },
  {
    // Tests and the test harness (the Kubernetes emulator): whole scenarios in one `it`, fakes and
    // peers' JSON read loosely, emulated controllers as one decision table per resource kind.
    files: ['**/*.test.ts', 'test/**/*.ts'],
    rules: {
      'max-lines-per-function': 'off',
      'max-nested-callbacks': 'off',
      'max-lines': ['error', { max: 800, skipBlankLines: true, skipComments: true }],
      complexity: ['error', 45],
      'max-depth': ['error', 6],
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-explicit-any': 'off',
      // Promise.all over optional promises (a forward that sent nothing is undefined).
      '@typescript-eslint/await-thenable': 'off',
    },
  },
  ...boundaryRules,
);
