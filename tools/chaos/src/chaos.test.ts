import { describe, expect, it } from 'vitest';
import { findPostgres } from '@fleetshift/testing';
import { runChaosSeries } from './chaos-run.js';
import { describeFaults, renderChaosTable } from './chaos-table.js';
import { faultKinds } from './faults.js';

// The short version of `npm run chaos`: two runs of 60 tenants, each with two faults drawn from every kind
// (none longer than 5 s), through the harness's library function. Seeds are fixed so that a failure here replays with
// `npm run chaos -- --runs 1 --tenants 60 --faults 2 --max-fault-seconds 5 --seed <seed>`.
describe('chaos (short)', () => {
  // Each run starts its own NATS, PostgreSQL and seven processes: well over a minute on a busy 2-core machine.
  it('two rollouts under injected faults keep every invariant, judged from the tenants\' side', { timeout: 480_000 }, async () => {
    const reports = await runChaosSeries({
      runs: 2,
      tenants: 60,
      seed: 20261202,
      schedulers: 2,
      executors: 2,
      faultsPerRun: 2,
      kinds: faultKinds,
      isolation: 'schema',
      maxFaultSeconds: 5,
      boundSeconds: 180,
      tenantServerUrl: await findPostgres(),
    });
    const table = renderChaosTable(reports);
    process.stdout.write(`${table}\n`);
    for (const report of reports) {
      expect(report.error, `run ${report.index} (seed ${report.seed})`).toBeUndefined();
      expect(report.faults.length, `run ${report.index} injected no fault: ${describeFaults(report)}`).toBeGreaterThan(0);
      expect(report.invariants.map((i) => i.name)).toEqual(['exactly-once', 'not-half-migrated', 'terminal-in-bound', 'control-agrees']);
      for (const invariant of report.invariants) expect(invariant.violations, `run ${report.index} (seed ${report.seed}) ${invariant.name}`).toEqual([]);
      expect(report.succeeded + report.failed).toBe(60);
      // A scheduler rides out a control-database restart and a NATS restart (it used to exit on the former).
      expect(report.unplannedExits.filter((exit) => exit.startsWith('scheduler')), `run ${report.index} (seed ${report.seed})`).toEqual([]);
      // The invariants alone accept a fleet where every tenant FAILED with a reason. Faults of at most 5 s
      // should fail none (a lock held that long stays within the executor's lock retries and deferrals):
      // a rollout that fails tenants here is broken, whatever the invariants say.
      expect(report.failureReasons, `run ${report.index} (seed ${report.seed}) failed tenants`).toEqual({});
    }
  });
});
