import { RolloutState, TenantRolloutState, ThrottleLevel } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fleetshift/testing';
import { TestBus } from './test-bus.js';
import { TestFleet } from './test-fleet.js';
import { sampleExecutorSessions } from './session-sampler.js';

const fleet = new TestFleet();
const bus = new TestBus();
const sampleIntervalMs = 1_000;

beforeAll(async () => {
  await fleet.init();
  await bus.start('expace');
});
afterAll(async () => {
  await bus.stop();
  await fleet.drop();
});

describe('pace across executors', () => {
  it('two executors together never run more tenants at once on a cluster than its pace', async () => {
    const pace = 2;
    bus.heartbeat('local', ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs, false, pace);
    const tenants = await fleet.schemaTenants('pace', 24);
    const marker = 'pace_marker';
    const plan = fleet.plan('schema', { extraStep: `SELECT pg_sleep(0.15) AS ${marker}` });
    const rollout = 'paced';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const ids = [`${bus.names.namespace}-a`, `${bus.names.namespace}-b`];
    // The most tenant steps running at once on the cluster, seen from the database.
    const sampler = sampleExecutorSessions(ids, "state = 'active' AND query LIKE $2", `%${marker}%`);
    await Promise.all(ids.map((id) => bus.startExecutor(id)));
    // Each executor alone could run 2 batches × 4 tenants = 8 at once: only the pace holds them to 2.
    await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants, plan, batchSize: 6, budget: 16, concurrency: 4 });
    await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 90_000 });
    const most = await sampler.stop();

    const latest = bus.latest(rollout);
    for (const tenant of tenants) expect(latest.get(tenant.tenantId)?.state, tenant.tenantId).toBe(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED);
    expect(new Set([...latest.values()].map((r) => r.executorId))).toEqual(new Set(ids));
    expect(most).toBeGreaterThan(0);
    expect(most).toBeLessThanOrEqual(pace);
    for (const executor of bus.executors.splice(0)) expect(await executor.stop()).toBe(0);
  });
});
