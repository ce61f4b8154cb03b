// Lint config: typescript-eslint's recommended rules on every TypeScript file of the project.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'dashboard/public/vendor/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: { globals: { process: 'readonly', console: 'readonly' } },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': ['error', { allow: ['error'] }],
    },
  },
  {
    // Browser scripts of the public pages.
    files: ['dashboard/public/**/*.js'],
    languageOptions: {
      globals: { window: 'readonly', document: 'readonly', EventSource: 'readonly', Intl: 'readonly', URL: 'readonly', URLSearchParams: 'readonly', fetch: 'readonly', setTimeout: 'readonly', clearTimeout: 'readonly', setInterval: 'readonly', clearInterval: 'readonly', localStorage: 'readonly', navigator: 'readonly', location: 'readonly', matchMedia: 'readonly', requestAnimationFrame: 'readonly', HTMLElement: 'readonly' },
    },
  },
  {
    files: ['firmware-sim/src/main.ts', 'bench/**', 'start.ts', 'tests/**', 'dashboard/public/**'],
    rules: { 'no-console': 'off' },
  },
);
