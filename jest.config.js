/**
 * Five projects: unit (pure code, mocks allowed), integration (DynamoDB Local and the SES
 * emulator, started on free ports by test/support/global-setup.ts), infra (CDK assertions,
 * cdk-nag), bundles (the synthesized esbuild bundles run by the Lambda runtime's Node against
 * the same emulators), e2e (real Chromium against `npm start`).
 */
const { availableParallelism } = require('node:os');

const emulators = { globalSetup: '<rootDir>/test/support/global-setup.ts', globalTeardown: '<rootDir>/test/support/global-teardown.ts' };
// The sign-in libraries of the console (jose, openid-client with oauth4webapi, oidc-provider) ship
// as ES modules only, which jest's CommonJS loader cannot require: they are compiled to CommonJS
// like the project's own files.
const ESM_ONLY = ['jose', 'openid-client', 'oauth4webapi', 'oidc-provider'];
const transform = {
  '^.+\\.ts$': ['ts-jest', { diagnostics: false }],
  [`/node_modules/(${ESM_ONLY.join('|')})/.+\\.js$`]: ['ts-jest', { diagnostics: false, tsconfig: { allowJs: true, module: 'commonjs' } }],
};
const base = {
  testEnvironment: 'node',
  transform,
  transformIgnorePatterns: [`/node_modules/(?!(${ESM_ONLY.join('|')})/)`],
  moduleFileExtensions: ['ts', 'js', 'json'],
};

/** @type {import('jest').Config} */
module.exports = {
  // Integration tests start emulators and infra tests synthesise the stack: give them time.
  testTimeout: 120000,
  // Workers: at least two, even on a 2-core machine (jest's default there is one): most test
  // files wait on the emulators, a browser or a child process, and two overlap those waits.
  // The timing tests (local-send-rate, sign-up-timing) compare figures measured side by side
  // in one file, so a second worker's load falls on both sides alike.
  maxWorkers: Math.max(2, Math.min(4, availableParallelism())),
  projects: [
    { ...base, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...base,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts'],
      ...emulators,
    },
    {
      ...base,
      displayName: 'infra',
      testMatch: ['<rootDir>/test/infra/**/*.test.ts'],
      // Synthesizes the templates the infra test files share, once a run (test/infra/synth.ts).
      globalSetup: '<rootDir>/test/infra/global-setup.ts',
      globalTeardown: '<rootDir>/test/infra/global-teardown.ts',
    },
    { ...base, displayName: 'bundles', testMatch: ['<rootDir>/test/bundles/**/*.test.ts'], ...emulators },
    // A real browser (Debian's chromium, driven by playwright-core) against `npm start`.
    { ...base, displayName: 'e2e', testMatch: ['<rootDir>/test/e2e/**/*.test.ts'] },
  ],
};
