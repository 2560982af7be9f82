// ESLint flat config: typescript-eslint's type-aware recommended rules over the TypeScript sources.
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

export default defineConfig(
  { ignores: ['node_modules/', 'cdk.out/', 'templates/compiled/', 'out/', '.briefing/', 'coverage/'] },
  // A disable comment that no longer silences anything fails the run, so none outlives its reason.
  { linterOptions: { reportUnusedDisableDirectives: 'error' } },
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
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
      // A name starting with `_` is unused on purpose (a parameter a signature requires, a loop counter), and a
      // rest sibling leaves out the keys it names (`const { secret: _s, ...shown } = item`).
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', ignoreRestSiblings: true },
      ],
      // One import statement per module; a type-only import beside the value import is allowed.
      'no-duplicate-imports': ['error', { allowSeparateTypeImports: true }],
      // A line a reader can see whole. Prettier wraps code at the same width; comments are wrapped by hand,
      // and a URL, string, template literal or regular expression is not broken to fit.
      'max-len': ['error', { code: 140, ignoreUrls: true, ignoreStrings: true, ignoreTemplateLiterals: true, ignoreRegExpLiterals: true }],
    },
  },
  {
    // The infra tests read the synthesized template, which aws-cdk-lib/assertions hands out as `any`
    // (Template.findResources, toJSON), by CloudFormation's own paths. Until they read it through typed
    // views of the resources they check, the rules against reading `any` are off here, and only here.
    files: ['test/infra/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
    },
  },
);
