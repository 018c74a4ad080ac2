/** @type {import('jest').Config} */
const project = {
  testEnvironment: 'node',
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: 'tsconfig.json', diagnostics: false }] },
};

module.exports = {
  // Two suites: `main` (npm test: unit, integration, browser) and `scale` (npm run test:scale: 100,000-row
  // import, SIGKILL mid-wave), which CI runs as a step of its own.
  projects: [
    {
      ...project,
      displayName: 'main',
      roots: ['<rootDir>/tests'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['/tests/scale/'],
    },
    { ...project, displayName: 'scale', roots: ['<rootDir>/tests/scale'], testMatch: ['**/*.test.ts'] },
  ],
  // One real PostgreSQL for the whole run (embedded unless DATABASE_URL is set); each test file gets its own database.
  globalSetup: '<rootDir>/tests/helpers/globalSetup.ts',
  globalTeardown: '<rootDir>/tests/helpers/globalTeardown.ts',
  // A safety net against hangs, not a speed limit: tests wait on events and state (tests/helpers/wait.ts), and
  // must pass with both cores busy. Scale tests set their own, larger net.
  testTimeout: 180_000,
  maxWorkers: 2,
};
