import pino from 'pino';
import { BatchJob, RolloutState, TenantRolloutState, ThrottleLevel, ThrottleSignal, type ConnectionTarget } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSlot } from '../tenant/connection-slot.js';
import { executorApplicationName } from '../tenant/tenant-connection.js';
import { runTenant } from '../tenant/run-tenant.js';
import { ThrottleBoard } from '../pace/throttle-gate.js';
import { waitFor } from '@fleetshift/testing';
import { TestBus } from './test-bus.js';
import { TestFleet } from './test-fleet.js';
import { knownPlans, planRef } from './known-plans.js';

// Cancel leaves each tenant at the old or the new version, never between: a tenant a run of this rollout
// left part-way through its plan is finished by the executor even though the rollout is CANCELLED.
const fleet = new TestFleet();
const bus = new TestBus();
const cluster = 'cx';
const sampleIntervalMs = 500;
const S = TenantRolloutState;

beforeAll(async () => {
  await fleet.init();
  await bus.start('exc');
});
afterAll(async () => {
  await bus.stop();
  await fleet.drop();
});

async function ledger(target: ConnectionTarget): Promise<{ applied: string[]; progress: number[] }> {
  const client = await fleet.connectTarget(target);
  try {
    const applied = await client.query<{ rollout_id: string }>('SELECT rollout_id FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = 2', [target.schema]);
    const progress = await client.query<{ units_done: number }>('SELECT units_done FROM fleetshift.plan_progress WHERE tenant_schema = $1', [target.schema]);
    return { applied: applied.rows.map((r) => r.rollout_id), progress: progress.rows.map((r) => r.units_done) };
  } finally {
    await client.end();
  }
}

describe('cancel while a tenant is half-applied', () => {
  it('the executor finishes the half-applied tenant of a CANCELLED rollout and reports the untouched ones CANCELLED', async () => {
    const tenants = await fleet.schemaTenants('half', 3);
    const [half, ...untouched] = tenants;
    const slowStep = `SELECT pg_sleep(coalesce(nullif(current_setting('fleetshift.test_sleep', true), ''), '0')::float)`;
    const plan = fleet.plan('schema', { extraStep: slowStep });
    const rollout = 'cancelled-half';

    // 1. A run of this rollout stops part-way on `half`: a CRITICAL cancel during its second unit.
    const job = BatchJob.fromPartial({
      rolloutId: rollout,
      batchNumber: 1,
      targetVersion: 2,
      clusterId: cluster,
      clusterConnectionBudget: 4,
      tenantConcurrency: 1,
      maxLockRetries: 20,
      tasks: [{ tenantId: half!.tenantId, target: half!.target, planKey: planRef(plan), expectedFingerprint: plan.fromFingerprint, fromVersion: 1 }],
    });
    const board = new ThrottleBoard(pino({ level: 'silent' }));
    board.accept(ThrottleSignal.fromPartial({ clusterId: cluster, level: ThrottleLevel.THROTTLE_LEVEL_OK, sampledAt: new Date(), sampleIntervalMs: 60_000, sequence: 1 }));
    const critical = board.criticalSignal(cluster);
    const admin = await fleet.connectTarget(half!.target);
    await admin.query(`ALTER DATABASE ${half!.target.database} SET fleetshift.test_sleep = '60'`);
    const slot = new ConnectionSlot(executorApplicationName('first'), 3000, () => undefined);
    const run = runTenant(
      job,
      job.tasks[0]!,
      slot,
      '1',
      { settings: { executorId: 'first', defaultLockTimeoutMs: 500, defaultMaxLockRetries: 5, maxLockDeferrals: 0, backoff: { baseMs: 20, capMs: 100 } }, publish: async () => undefined, logger: pino({ level: 'silent' }), plans: knownPlans },
      critical.signal,
    );
    const sleeping = async () =>
      (await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND datname = current_database()`)).rows[0].n > 0;
    await waitFor('the slow step to run', sleeping, { timeoutMs: 30_000 });
    board.accept(ThrottleSignal.fromPartial({ clusterId: cluster, level: ThrottleLevel.THROTTLE_LEVEL_CRITICAL, cause: 'cpu_percent', reason: 'test', sampledAt: new Date(), sampleIntervalMs: 60_000, sequence: 2 }));
    expect((await run).kind).toBe('deferred');
    critical.release();
    await slot.close();
    await admin.query(`ALTER DATABASE ${half!.target.database} RESET fleetshift.test_sleep`);
    await admin.end();
    // Between versions: the first unit (users.phone_number) is in, the rest is not.
    expect(await ledger(half!.target)).toEqual({ applied: [], progress: [1] });
    const between = await fleet.fingerprintOf(half!.target);
    expect([plan.fromFingerprint, plan.toFingerprint]).not.toContain(between);

    // 2. The rollout is cancelled, then its batch (the half-applied tenant and two untouched ones) reaches an executor.
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_CANCELLED);
    bus.heartbeat(cluster, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
    await bus.startExecutor(`${bus.names.namespace}-x`);
    await bus.publishBatches({ rolloutId: rollout, clusterId: cluster, tenants, plan, batchSize: 3, budget: 2, concurrency: 1 });
    await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 60_000 });
    await waitFor('the batch to be acked', async () => (await bus.jsm.consumers.info(bus.names.batchStream, bus.names.clusterConsumer(cluster))).num_ack_pending === 0, { timeoutMs: 60_000 });

    // 3. The half-applied tenant was finished (resumed after its first unit) and is at the new version.
    const latest = bus.latest(rollout);
    expect(latest.get(half!.tenantId)).toMatchObject({ state: S.TENANT_ROLLOUT_STATE_SUCCEEDED, fingerprint: plan.toFingerprint });
    expect(bus.results.filter((r) => r.rolloutId === rollout && r.tenantId === half!.tenantId).map((r) => r.state)).toEqual([S.TENANT_ROLLOUT_STATE_RUNNING, S.TENANT_ROLLOUT_STATE_SUCCEEDED]);
    expect(await fleet.fingerprintOf(half!.target)).toBe(plan.toFingerprint);
    expect((await ledger(half!.target)).applied).toEqual([rollout]);

    // 4. The untouched tenants did not start: CANCELLED, at the old version, nothing recorded.
    for (const tenant of untouched) {
      expect(latest.get(tenant.tenantId)).toMatchObject({ state: S.TENANT_ROLLOUT_STATE_CANCELLED, errorCode: 'CANCELLED', startedAt: undefined });
      expect(bus.results.some((r) => r.tenantId === tenant.tenantId && r.state === S.TENANT_ROLLOUT_STATE_RUNNING)).toBe(false);
      expect(await fleet.fingerprintOf(tenant.target)).toBe(plan.fromFingerprint);
      expect(await ledger(tenant.target)).toEqual({ applied: [], progress: [] });
    }
    bus.stopHeartbeat(cluster);
  });
});
