import { defineConfig } from 'vitest/config';

// One run over the whole workspace: `npm test`. Integration tests talk to real PostgreSQL and NATS
// (found by libs/testing); each test file gets its own throwaway database and NATS namespace.
export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'libs/*/src/**/*.test.ts', 'tools/*/src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
