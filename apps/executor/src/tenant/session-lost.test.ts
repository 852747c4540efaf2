import pino from 'pino';
import { BatchJob, TenantRolloutState, type Plan, type TenantResult } from '@fleetshift/contracts';
import { waitFor } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSlot } from './connection-slot.js';
import { executorApplicationName } from './tenant-connection.js';
import { runTenant, type TenantRunDeps } from './run-tenant.js';
import { TestFleet, type FleetTenant } from '../test/test-fleet.js';
import { knownPlans, planRef } from '../test/known-plans.js';

// A tenant database's sessions dropped under a run (pg_terminate_backend by an operator or a failover
// proxy): the tenant must not be failed part-way through its plan. Found by `npm run chaos` (drop-connections):
// before, the step's 57P01 failed the tenant with its first units applied and nothing to finish them.
const fleet = new TestFleet();
beforeAll(async () => {
  await fleet.init();
});
afterAll(() => fleet.drop());

function job(plan: Plan, tenant: FleetTenant): BatchJob {
  return BatchJob.fromPartial({
    rolloutId: 'r-lost',
    batchNumber: 1,
    targetVersion: 2,
    clusterId: 'local',
    clusterConnectionBudget: 4,
    tenantConcurrency: 1,
    maxLockRetries: 5,
    tasks: [{ tenantId: tenant.tenantId, target: tenant.target, planKey: planRef(plan), expectedFingerprint: plan.fromFingerprint, fromVersion: 1 }],
  });
}

describe('a session terminated mid-plan', () => {
  it('defers the tenant (no FAILED), and the next run resumes after the recorded units to the target, recorded once', async () => {
    const [tenant] = await fleet.databaseTenants('lost', 1);
    const executorId = 'lost-unit';
    const results: TenantResult[] = [];
    const deps: TenantRunDeps = {
    plans: knownPlans,
      settings: { executorId, defaultLockTimeoutMs: 500, defaultMaxLockRetries: 5, maxLockDeferrals: 0, backoff: { baseMs: 20, capMs: 100 } },
      publish: async (result) => {
        results.push(result);
      },
      logger: pino({ level: 'silent' }),
    };
    const slot = new ConnectionSlot(executorApplicationName(executorId), 3000);
    // Unit 2 sleeps: the session is terminated while it runs, after unit 1 (the column) is committed.
    const sleeping = fleet.plan('database', { extraStep: 'SELECT pg_sleep(60)' });
    const batch = job(sleeping, tenant!);
    const run = runTenant(batch, batch.tasks[0]!, slot, '1', deps);

    const admin = await fleet.connectTarget(tenant!.target);
    try {
      const terminated = await waitFor('the executor session in its sleeping step', async () => {
        const { rows } = await admin.query<{ ok: boolean }>(
          `SELECT pg_terminate_backend(pid) AS ok FROM pg_stat_activity WHERE application_name = $1 AND query LIKE 'SELECT pg_sleep%' AND state = 'active'`,
          [executorApplicationName(executorId)],
        );
        return rows.length > 0 && rows.every((row) => row.ok);
      }, { timeoutMs: 60_000 });
      expect(terminated).toBe(true);
      const outcome = await run;
      expect(outcome.kind).toBe('deferred');
      expect(results.map((r) => r.state)).not.toContain(TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED);
      const { rows: progress } = await admin.query<{ units: number }>('SELECT count(*)::int AS units FROM fleetshift.plan_progress');
      expect(progress[0]!.units).toBeGreaterThan(0);

      // Redelivered: the same plan, its test step no longer slow. Same slot: the dead connection is not reused.
      const quick = fleet.plan('database', { extraStep: 'SELECT 1' });
      const again = job(quick, tenant!);
      const second = await runTenant(again, again.tasks[0]!, slot, '2', deps);
      expect(second).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
      // Resumed after unit 1: run again, its ADD COLUMN would have failed the tenant (42701).
      expect(await fleet.fingerprintOf(tenant!.target)).toBe(quick.toFingerprint);
      const rows = await fleet.appliedRows([tenant!]);
      expect(rows.get(tenant!.tenantId)).toEqual([['r-lost', executorId]]);
    } finally {
      await admin.end();
      await slot.close();
    }
  });
});
