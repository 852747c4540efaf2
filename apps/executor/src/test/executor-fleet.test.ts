import { TenantRolloutState, ThrottleLevel, RolloutState } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fleetshift/testing';
import { TestBus, finalStates } from './test-bus.js';
import { TestFleet, testPasswordEnv, type FleetTenant } from './test-fleet.js';
import { sampleExecutorSessions } from './session-sampler.js';
import { ConnectionTarget } from '@fleetshift/contracts';

const fleet = new TestFleet();
const bus = new TestBus();
const sampleIntervalMs = 1_000;

beforeAll(async () => {
  await fleet.init();
  await bus.start('exf');
  bus.heartbeat('local', ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
});
afterAll(async () => {
  await bus.stop();
  await fleet.drop();
});

/** applied_versions rows per tenant (tenant id → rollout ids recorded). */
async function appliedRows(tenants: FleetTenant[]): Promise<Map<string, string[]>> {
  const byTenant = new Map<string, string[]>();
  for (const tenant of tenants) {
    const client = await fleet.connectTarget(tenant.target);
    try {
      const { rows } = await client.query<{ rollout_id: string }>(
        'SELECT rollout_id FROM fleetshift.applied_versions WHERE tenant_schema = $1 AND version = 2',
        [tenant.target.schema],
      );
      byTenant.set(tenant.tenantId, rows.map((r) => r.rollout_id));
    } catch (error) {
      if ((error as { code?: string }).code !== '42P01') throw error;
      byTenant.set(tenant.tenantId, []);
    } finally {
      await client.end();
    }
  }
  return byTenant;
}

describe('executor processes', () => {
  it('two executors share the batches within the connection budget; an unreachable tenant fails alone', async () => {
    const tenants = [
      ...(await fleet.schemaTenants('sa', 20)),
      ...(await fleet.schemaTenants('sb', 20)),
      ...(await fleet.databaseTenants('da', 4)),
    ];
    const unreachable: FleetTenant = {
      tenantId: 'unreachable',
      target: ConnectionTarget.fromPartial({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'gone', schema: 'x' }),
    };
    const plan = fleet.plan('schema', { extraStep: 'SELECT pg_sleep(0.02)' });
    const dbPlan = fleet.plan('database', { extraStep: 'SELECT pg_sleep(0.02)' });
    const rollout = 'share';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const budget = 4;
    const ids = [`${bus.names.namespace}-a`, `${bus.names.namespace}-b`];
    const sampler = sampleExecutorSessions(ids);
    // One batch per cluster per executor, so that neither can take every in-flight slot (P = 2).
    await Promise.all(ids.map((id) => bus.startExecutor(id, { FLEETSHIFT_EXECUTOR_BATCHES_PER_CLUSTER: '1' })));
    // Schema tenants and database tenants need different plans: two "plan keys" → two publish calls.
    await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants: [...tenants.slice(0, 40), unreachable], plan, batchSize: 5, budget, concurrency: 2 });
    await bus.publishBatches({ rolloutId: `${rollout}-db`, clusterId: 'local', tenants: tenants.slice(40), plan: dbPlan, batchSize: 2, budget, concurrency: 2 });
    await bus.setRollout(`${rollout}-db`, RolloutState.ROLLOUT_STATE_RUNNING);

    await waitFor('every tenant reported', () => bus.finalCount(rollout) === 41 && bus.finalCount(`${rollout}-db`) === 4, { timeoutMs: 90_000 });
    const maxConnections = await sampler.stop();

    const latest = new Map([...bus.latest(rollout), ...bus.latest(`${rollout}-db`)]);
    expect(latest.get('unreachable')).toMatchObject({ state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, errorCode: 'UNREACHABLE' });
    expect(latest.get('unreachable')!.error).toMatch(/ECONNREFUSED/);
    for (const tenant of tenants) {
      expect(latest.get(tenant.tenantId), tenant.tenantId).toMatchObject({ state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED, stepsApplied: 5 });
    }
    // Both executors did work.
    const byExecutor = new Set([...latest.values()].map((r) => r.executorId));
    expect(byExecutor).toEqual(new Set(ids));
    // Never more tenant connections than the cluster's budget, all executors together.
    expect(maxConnections).toBeGreaterThan(0);
    expect(maxConnections).toBeLessThanOrEqual(budget);
    // Exactly one applied_versions row per tenant.
    const rows = await appliedRows(tenants);
    for (const tenant of tenants) expect(rows.get(tenant.tenantId), tenant.tenantId).toHaveLength(1);
    // No password in any log line (the executors read it from the variable the targets name).
    const password = process.env[testPasswordEnv]!;
    for (const executor of bus.executors) expect(JSON.stringify(executor.logs)).not.toContain(password);
    for (const executor of bus.executors.splice(0)) expect(await executor.stop()).toBe(0);
  });

  it('200 tenants, two executors, one SIGKILLed mid-batch: every tenant ends at the target, none applied twice', async () => {
    const tenants = [...(await fleet.schemaTenants('killa', 100)), ...(await fleet.schemaTenants('killb', 100))];
    const plan = fleet.plan('schema', { extraStep: 'SELECT pg_sleep(0.01)' });
    const rollout = 'kill';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const victimId = `${bus.names.namespace}-victim`;
    const survivorId = `${bus.names.namespace}-survivor`;
    const [victim, survivor] = await Promise.all([bus.startExecutor(victimId), bus.startExecutor(survivorId)]);
    await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants, plan, batchSize: 20, budget: 4, concurrency: 2, ackWaitMs: 3_000 });
    await waitFor('the victim to finish a few tenants', () => bus.results.filter((r) => r.rolloutId === rollout && r.executorId === victimId && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED).length >= 5, { timeoutMs: 60_000 });
    victim!.process.kill('SIGKILL');
    await victim!.exited;
    await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 120_000 });

    const latest = bus.latest(rollout);
    for (const tenant of tenants) {
      expect(latest.get(tenant.tenantId)?.state, tenant.tenantId).toBe(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED);
    }
    // Exactly one applied_versions row per tenant, of this rollout: never applied twice.
    const rows = await appliedRows(tenants);
    for (const tenant of tenants) expect(rows.get(tenant.tenantId), tenant.tenantId).toEqual([rollout]);
    // The victim died mid-batch: the survivor got that batch again and reported the tenants the victim had
    // already applied as done, running nothing (0 steps, 0 attempts).
    const doneByVictim = new Set(
      bus.results.filter((r) => r.rolloutId === rollout && r.executorId === victimId && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED).map((r) => r.tenantId),
    );
    const reReported = bus.results.filter(
      (r) => r.rolloutId === rollout && r.executorId === survivorId && doneByVictim.has(r.tenantId) && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED,
    );
    expect(reReported.length).toBeGreaterThan(0);
    for (const result of reReported) expect(result).toMatchObject({ stepsApplied: 0, attempts: 0, fingerprint: plan.toFingerprint });
    bus.executors.splice(0);
    expect(await survivor!.stop()).toBe(0);
  });

  it('SIGTERM finishes the tenant in hand, returns the rest of the batch, exits 0; another executor completes it', async () => {
    const tenants = await fleet.schemaTenants('term', 12);
    const plan = fleet.plan('schema', { extraStep: 'SELECT pg_sleep(0.15)' });
    const rollout = 'term';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const firstId = `${bus.names.namespace}-first`;
    const first = await bus.startExecutor(firstId);
    await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants, plan, batchSize: 12, budget: 2, concurrency: 1, ackWaitMs: 30_000 });
    await waitFor('two tenants done', () => bus.results.filter((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED).length >= 2, { timeoutMs: 60_000 });
    expect(await first.stop('SIGTERM')).toBe(0);
    const doneByFirst = bus.finalCount(rollout);
    expect(doneByFirst).toBeLessThan(tenants.length);
    expect(first.logs.some((l) => l.msg === 'batch returned to the queue' && l.reason === 'executor stopping')).toBe(true);
    // Every tenant that started on the first executor finished there (none left RUNNING).
    const startedByFirst = new Set(bus.results.filter((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING).map((r) => r.tenantId));
    for (const tenantId of startedByFirst) expect(finalStates.has(bus.latest(rollout).get(tenantId)!.state)).toBe(true);

    // Returned, not lost: a long ack_wait (30 s) would otherwise hold it; the next executor gets it now.
    const second = await bus.startExecutor(`${bus.names.namespace}-second`);
    await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 25_000 });
    const rows = await appliedRows(tenants);
    for (const tenant of tenants) expect(rows.get(tenant.tenantId), tenant.tenantId).toEqual([rollout]);
    // Only the rest came back (a continuation batch): the second executor never touched a tenant the
    // first one had reported.
    const reportedByFirst = new Set(bus.results.filter((r) => r.rolloutId === rollout && r.executorId === firstId && finalStates.has(r.state)).map((r) => r.tenantId));
    const secondId = `${bus.names.namespace}-second`;
    expect(bus.results.filter((r) => r.rolloutId === rollout && r.executorId === secondId && reportedByFirst.has(r.tenantId))).toEqual([]);
    expect(reportedByFirst.size).toBe(doneByFirst);
    bus.executors.splice(0);
    expect(await second.stop()).toBe(0);
  });
});
