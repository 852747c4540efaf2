import { defineConfig } from 'vitest/config';

// One run over the whole workspace: `npm test`. Integration tests talk to real PostgreSQL and NATS
// (found by libs/testing, started by its global setup when absent); each test file gets its own
// throwaway database and NATS namespace.
//
// Two groups: most files run two at a time; files named *.serial.test.ts measure the machine itself
// (real CPU load, throttling) and run afterwards, one at a time, so other tests don't skew what they see.
const shared = {
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: 'forks' as const,
};

const everywhere = ['apps/*/src/**/', 'libs/*/src/**/', 'tools/*/src/**/'];

export default defineConfig({
  test: {
    // Starts an embedded PostgreSQL and a nats-server for the run when none answers on localhost.
    globalSetup: ['libs/testing/src/global-setup.ts'],
    projects: [
      {
        test: {
          ...shared,
          name: 'parallel',
          include: everywhere.map((dir) => `${dir}*.test.ts`),
          exclude: ['**/node_modules/**', '**/*.serial.test.ts'],
          maxWorkers: 2,
          sequence: { groupOrder: 0 },
        },
      },
      {
        test: {
          ...shared,
          name: 'serial',
          include: everywhere.map((dir) => `${dir}*.serial.test.ts`),
          fileParallelism: false,
          sequence: { groupOrder: 1 },
        },
      },
    ],
  },
});
