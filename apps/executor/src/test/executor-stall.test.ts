import pg from 'pg';
import { RolloutState, TenantRolloutState, ThrottleLevel } from '@fleetshift/contracts';
import { findPostgres, waitFor } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBus } from './test-bus.js';
import { TestFleet } from './test-fleet.js';

const fleet = new TestFleet();
const bus = new TestBus();
let observer: pg.Client;

beforeAll(async () => {
  await fleet.init();
  await bus.start('exs');
  bus.heartbeat('local', ThrottleLevel.THROTTLE_LEVEL_OK, 1_000);
  observer = new pg.Client({ connectionString: await findPostgres(), application_name: 'fleetshift-test-observer' });
  observer.on('error', () => undefined);
  await observer.connect();
});
afterAll(async () => {
  await observer.end().catch(() => undefined);
  await bus.stop();
  await fleet.drop();
});

describe('an executor alive but making no progress', () => {
  it('stops its in-progress acks after the stall bound; another executor gets the batch, defers the tenant still held, runs the rest; nothing is applied twice', async () => {
    const tenants = await fleet.schemaTenants('stl', 2);
    const plan = fleet.plan('schema', { extraStep: 'SELECT pg_sleep(25)' });
    const rollout = 'stall';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const slowId = `${bus.names.namespace}-slow`;
    const otherId = `${bus.names.namespace}-other`;
    // The slow step runs far longer than the stall bound (1 s): to the heartbeat, that is no progress.
    const slow = await bus.startExecutor(slowId, { FLEETSHIFT_EXECUTOR_STALL_MS: '1000' });
    await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants, plan, batchSize: 2, budget: 1, concurrency: 1, ackWaitMs: 3_000 });
    await waitFor('the slow executor in the long step', async () => {
      const { rows } = await observer.query("SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND state = 'active' AND query = 'SELECT pg_sleep(25)'", [`fleetshift-executor:${slowId}`]);
      return rows.length > 0;
    }, { timeoutMs: 30_000 });
    // Started now, so that its start-up (seconds on a loaded machine) does not eat into the window in
    // which the slow executor still holds its tenant.
    const other = await bus.startExecutor(otherId);
    await waitFor('the slow executor to stop its in-progress acks', () => slow.logs.some((l) => l.msg === 'no progress: in-progress acks stopped'), { timeoutMs: 10_000 });

    // ack_wait expires: the other executor gets the batch while the slow one still runs its first tenant.
    await waitFor('the other executor to defer the tenant the slow one holds', () => other.logs.some((l) => l.msg === 'tenant is locked by another executor: deferred'), { timeoutMs: 40_000 });
    await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 60_000 });
    const first = bus.results.find((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING)!;
    const latest = bus.latest(rollout);
    for (const tenant of tenants) expect(latest.get(tenant.tenantId)?.state, tenant.tenantId).toBe(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED);
    expect(bus.results.filter((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED)).toEqual([]);
    // The slow executor finished the tenant it held.
    expect(first.executorId).toBe(slowId);
    const rows = await fleet.appliedRows(tenants);
    for (const tenant of tenants) expect(rows.get(tenant.tenantId), tenant.tenantId).toHaveLength(1);
    expect(rows.get(first.tenantId)).toEqual([[rollout, slowId]]);
    // The rest of the batch ran once, by whichever executor reached it first (under CI load the slow one,
    // done with its long step, sometimes does).
    const rest = tenants.find((t) => t.tenantId !== first.tenantId)!;
    expect([[[rollout, otherId]], [[rollout, slowId]]]).toContainEqual(rows.get(rest.tenantId));
    for (const executor of bus.executors.splice(0)) expect(await executor.stop()).toBe(0);
  }, 120_000);
});
