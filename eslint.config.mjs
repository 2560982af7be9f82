// ESLint flat config: type-aware rules from typescript-eslint over the TypeScript sources.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'cdk.out/', 'templates/compiled/', 'out/', '.briefing/', 'coverage/'] },
  // A disable comment that no longer silences anything fails the run, so none outlives its reason.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    languageOptions: {
      parser: tseslint.parser,
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@typescript-eslint': tseslint.plugin },
    rules: {
      // A promise nobody awaits loses its rejection: await it, or mark fire-and-forget with `void` and a reason.
      '@typescript-eslint/no-floating-promises': 'error',
      // A promise passed where a void callback or a condition is expected is never awaited.
      '@typescript-eslint/no-misused-promises': 'error',
      // Awaiting a value that is not a promise hides a mistake about what a call returns.
      '@typescript-eslint/await-thenable': 'error',
      // Rules the tree already carries reasoned inline disables for: keep them enforced.
      'no-control-regex': 'error',
      'no-var': 'error',
      '@typescript-eslint/no-require-imports': 'error',
    },
  },
);
