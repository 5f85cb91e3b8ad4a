// The linter of make test: JavaScript's and typescript-eslint's recommended
// rules (without type information, so that it runs in seconds), with unused
// names allowed only when they start with an underscore.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/', 'traces/', '.tlc/', 'dist/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  // The report page's script runs in the browser.
  {
    files: ['src/report/assets/**/*.js'],
    languageOptions: { globals: { document: 'readonly', window: 'readonly', RaftReplay: 'readonly' } },
  },
  // Tests and the fixture builder take traces apart as loose JSON, to break them on purpose.
  { files: ['test/**/*.ts', 'tools/build-fixtures.ts'], rules: { '@typescript-eslint/no-explicit-any': 'off' } },
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' },
      ],
    },
  },
);
