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
  await bus.start('exz');
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

describe('a frozen executor (SIGSTOP mid-step)', () => {
  it('loses its session and locks to the server, another executor finishes every tenant once, and its late run applies nothing', async () => {
    const tenants = await fleet.schemaTenants('frz', 4);
    // The slow step shares the ALTER TABLE's transaction (same group): the frozen session holds ACCESS
    // EXCLUSIVE on users while it sleeps, and sits idle in that transaction once the sleep ends.
    const plan = fleet.plan('schema', { extraStep: 'SELECT pg_sleep(2)' });
    const alter = plan.steps.findIndex((s) => s.sql.startsWith('ALTER TABLE users'));
    const sleep = plan.steps.findIndex((s) => s.sql === 'SELECT pg_sleep(2)');
    plan.steps[sleep] = { ...plan.steps[sleep]!, group: plan.steps[alter]!.group };
    const rollout = 'frozen';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const ids = [`${bus.names.namespace}-a`, `${bus.names.namespace}-b`];
    const env = { FLEETSHIFT_EXECUTOR_BATCHES_PER_CLUSTER: '1', FLEETSHIFT_EXECUTOR_IDLE_IN_TRANSACTION_TIMEOUT_MS: '2000' };
    const executors = await Promise.all(ids.map((id) => bus.startExecutor(id, env)));
    // Two batches of two tenants, one connection each, a 3 s ack_wait: each executor takes one.
    await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants, plan, batchSize: 2, budget: 2, concurrency: 1, ackWaitMs: 3_000 });

    // The executor whose session is in the slow step, holding ACCESS EXCLUSIVE on a tenant's users table.
    const names = ids.map((id) => `fleetshift-executor:${id}`);
    const tenantDb = await fleet.connectTarget(tenants[0]!.target);
    const held = await waitFor('an executor session in the slow step, holding its ACCESS EXCLUSIVE lock', async () => {
      const { rows } = await observer.query<{ pid: number; application_name: string; relation: number }>(
        `SELECT a.pid, a.application_name, l.relation
           FROM pg_stat_activity a JOIN pg_locks l ON l.pid = a.pid
          WHERE a.application_name = ANY($1) AND a.state = 'active' AND a.query = 'SELECT pg_sleep(2)'
            AND l.locktype = 'relation' AND l.mode = 'AccessExclusiveLock' AND l.granted`,
        [names],
      );
      for (const row of rows) {
        // A relation oid means something only in its own database: the tenants' one names it.
        const named = await tenantDb.query<{ name: string }>('SELECT $1::oid::regclass::text AS name', [row.relation]);
        if (named.rows[0]!.name.endsWith('.users')) return { ...row, relation: named.rows[0]!.name };
      }
      return undefined;
    }, { timeoutMs: 30_000, intervalMs: 20 }).finally(() => tenantDb.end());
    const frozenIndex = names.indexOf(held.application_name);
    const frozen = executors[frozenIndex]!;
    const frozenId = ids[frozenIndex]!;
    const survivorId = ids[1 - frozenIndex]!;
    frozen.process.kill('SIGSTOP');
    const heldTenant = tenants.find((t) => held.relation === `${t.target.schema}.users`)!;
    expect(heldTenant).toBeDefined();

    try {
      // The server ends the frozen session (idle in transaction once the sleep is over): its locks go with it.
      await waitFor('the frozen session to be gone from pg_stat_activity', async () => {
        const { rows } = await observer.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [held.pid]);
        return rows.length === 0;
      }, { timeoutMs: 20_000 });
      const app = await fleet.connectTarget(heldTenant.target);
      try {
        // The application's query on the table succeeds (it may wait behind the other executor's run of
        // the same step, never behind the frozen one).
        await app.query("SET statement_timeout = '15s'");
        const { rows } = await app.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${held.relation}`);
        expect(rows[0]!.n).toBe(20);
      } finally {
        await app.end();
      }

      // The other executor gets the frozen one's batch after ack_wait and finishes every tenant.
      await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 40_000 });
      const latest = bus.latest(rollout);
      for (const tenant of tenants) {
        expect(latest.get(tenant.tenantId)?.state, tenant.tenantId).toBe(TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED);
      }
      expect(latest.get(heldTenant.tenantId)!.executorId).toBe(survivorId);
      const rows = await fleet.appliedRows(tenants);
      for (const tenant of tenants) expect(rows.get(tenant.tenantId), tenant.tenantId).toHaveLength(1);
      expect(rows.get(heldTenant.tenantId)).toEqual([[rollout, survivorId]]);
    } finally {
      frozen.process.kill('SIGCONT');
    }

    // Thawed: its session is gone, its transaction was rolled back by the server. It defers the tenant
    // (no FAILED report) and applies nothing a second time.
    await waitFor('the thawed executor to notice its session was ended', () =>
      frozen.logs.some((l) => l.msg === "the server ended this executor's idle session (the process stalled): deferred"),
    { timeoutMs: 20_000 });
    await waitFor('the thawed executor to settle its batch', () => frozen.logs.some((l) => typeof l.msg === 'string' && l.msg.startsWith('batch returned to the queue')), { timeoutMs: 20_000 });
    expect(bus.results.filter((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED)).toEqual([]);
    const after = await fleet.appliedRows(tenants);
    for (const tenant of tenants) expect(after.get(tenant.tenantId), tenant.tenantId).toHaveLength(1);
    expect(after.get(heldTenant.tenantId)).toEqual([[rollout, survivorId]]);
    // Nothing the thawed executor reported claims to have run steps on the held tenant.
    expect(bus.results.filter((r) => r.rolloutId === rollout && r.executorId === frozenId && r.tenantId === heldTenant.tenantId && r.stepsApplied > 0)).toEqual([]);
    for (const executor of bus.executors.splice(0)) expect(await executor.stop()).toBe(0);
  }, 90_000);
});
