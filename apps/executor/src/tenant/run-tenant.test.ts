import pino from 'pino';
import { Registry } from 'prom-client';
import { BatchJob, ConnectionTarget, TenantResult, TenantRolloutState, ThrottleLevel, ThrottleSignal, type Plan } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConnectionSlot } from './connection-slot.js';
import { createExecutorMetrics } from '../executor-metrics.js';
import { executorApplicationName } from './tenant-connection.js';
import { runTenant, type TenantRunDeps } from './run-tenant.js';
import { ThrottleBoard } from '../pace/throttle-gate.js';
import { TestFleet, type FleetTenant } from '../test/test-fleet.js';
import { startAttackerHost } from '@fleetshift/testing';
import { PlanUnavailableError } from '@fleetshift/bus';
import { knownPlans, planRef } from '../test/known-plans.js';

const logger = pino({ level: 'silent' });
const fleet = new TestFleet();

beforeAll(async () => {
  await fleet.init();
});
afterAll(() => fleet.drop());

function job(plan: Plan, tenants: FleetTenant[], fields: Partial<BatchJob> = {}): BatchJob {
  return BatchJob.fromPartial({
    rolloutId: 'r1',
    batchNumber: 1,
    targetVersion: 2,
    clusterId: 'local',
    clusterConnectionBudget: 4,
    tenantConcurrency: 1,
    maxLockRetries: 20,
    tasks: tenants.map((t) => ({ tenantId: t.tenantId, target: t.target, planKey: planRef(plan), expectedFingerprint: plan.fromFingerprint, fromVersion: 1 })),
    ...fields,
  });
}

function harness(executorId = 'unit', backoff = { baseMs: 20, capMs: 100 }) {
  const results: TenantResult[] = [];
  const retries: number[] = [];
  let opened = 0;
  let reused = 0;
  const deps: TenantRunDeps = {
    plans: knownPlans,
    settings: { executorId, defaultLockTimeoutMs: 500, defaultMaxLockRetries: 5, maxLockDeferrals: 0, backoff },
    publish: async (result) => {
      results.push(result);
    },
    logger,
  };
  const slot = new ConnectionSlot(executorApplicationName(executorId), 3000, (r) => (r ? reused++ : opened++));
  return { results, retries, deps, slot, counts: () => ({ opened, reused }) };
}

async function appliedRows(target: ConnectionTarget): Promise<Array<{ tenant_schema: string; rollout_id: string; version: number; fingerprint: string }>> {
  const client = await fleet.connectTarget(target);
  try {
    const { rows } = await client.query('SELECT tenant_schema, rollout_id, version, fingerprint FROM fleetshift.applied_versions WHERE tenant_schema = $1', [target.schema]);
    return rows;
  } finally {
    await client.end();
  }
}

describe('one tenant', () => {
  it('database isolation: applies the plan, records the version, and a second run is a no-op', async () => {
    const [tenant] = await fleet.databaseTenants('db', 1);
    const plan = fleet.plan('database');
    const batch = job(plan, [tenant!]);
    const h = harness();
    const outcome = await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps);
    expect(outcome).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
    expect(h.results.map((r) => r.state)).toEqual([TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING, TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED]);
    const final = h.results[1]!;
    expect(final).toMatchObject({ stepsApplied: 4, attempts: 4, fingerprint: plan.toFingerprint, executorId: 'unit', tenantId: tenant!.tenantId });
    expect(await fleet.fingerprintOf(tenant!.target)).toBe(plan.toFingerprint);
    expect(await appliedRows(tenant!.target)).toEqual([{ tenant_schema: '', rollout_id: 'r1', version: 2, fingerprint: plan.toFingerprint }]);

    // Redelivered to the same rollout: reported again, nothing runs, no second row.
    const again = await runTenant(batch, batch.tasks[0]!, h.slot, '2', h.deps);
    expect(again).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
    expect(h.results.at(-1)).toMatchObject({ stepsApplied: 0, attempts: 0 });
    // Another rollout to the same version: SKIPPED.
    const other = await runTenant({ ...batch, rolloutId: 'r2' }, batch.tasks[0]!, h.slot, '1', h.deps);
    expect(other).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED });
    expect(await appliedRows(tenant!.target)).toHaveLength(1);
    // At the target but unrecorded (an executor died between its last step and the record): SKIPPED, and
    // the version gets recorded.
    const client = await fleet.connectTarget(tenant!.target);
    await client.query('DELETE FROM fleetshift.applied_versions');
    await client.end();
    expect(await runTenant({ ...batch, rolloutId: 'r3' }, batch.tasks[0]!, h.slot, '1', h.deps)).toEqual({
      kind: 'reported',
      state: TenantRolloutState.TENANT_ROLLOUT_STATE_SKIPPED,
    });
    expect(await appliedRows(tenant!.target)).toEqual([{ tenant_schema: '', rollout_id: 'r3', version: 2, fingerprint: plan.toFingerprint }]);
    await h.slot.close();
  });

  it('a plan the bucket did not have: the tenant fails PLAN_MISSING with the reason, and nothing touches it', async () => {
    const [tenant] = await fleet.databaseTenants('noplan', 1);
    const plan = fleet.plan('database');
    const before = await fleet.fingerprintOf(tenant!.target);
    const batch = job(plan, [tenant!]);
    const h = harness();
    const id = batch.tasks[0]!.planKey;
    const reason = new PlanUnavailableError('PLAN_MISSING', id, `plan ${id} is not in the object store bucket test_plans (expired or deleted); RetryFailed writes it again`);
    const outcome = await runTenant(batch, batch.tasks[0]!, h.slot, '1', { ...h.deps, plans: new Map([[id, reason]]) });
    expect(outcome).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED });
    expect(h.results.map((r) => [TenantRolloutState[r.state], r.errorCode, r.error])).toEqual([['TENANT_ROLLOUT_STATE_FAILED', 'PLAN_MISSING', reason.message]]);
    expect(h.counts()).toEqual({ opened: 0, reused: 0 });
    expect(await fleet.fingerprintOf(tenant!.target)).toBe(before);
    await h.slot.close();
  });

  it('schema isolation: one connection serves every tenant of the database, each in its own schema', async () => {
    const tenants = await fleet.schemaTenants('sch', 4);
    const plan = fleet.plan('schema');
    const batch = job(plan, tenants);
    const h = harness();
    for (const task of batch.tasks) {
      expect(await runTenant(batch, task, h.slot, '1', h.deps)).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
    }
    expect(h.counts()).toEqual({ opened: 1, reused: 3 });
    for (const tenant of tenants) {
      expect(await fleet.fingerprintOf(tenant.target)).toBe(plan.toFingerprint);
      expect(await appliedRows(tenant.target)).toEqual([{ tenant_schema: tenant.target.schema, rollout_id: 'r1', version: 2, fingerprint: plan.toFingerprint }]);
    }
    // Nothing leaked into public.
    const client = await fleet.connectTarget(tenants[0]!.target);
    const { rows } = await client.query(`SELECT count(*)::int AS n FROM pg_tables WHERE schemaname = 'public'`);
    await client.end();
    expect(rows[0].n).toBe(0);
    await h.slot.close();
  });

  it('a drifted tenant fails with DRIFT and is left alone', async () => {
    const [tenant] = await fleet.schemaTenants('drift', 1);
    const client = await fleet.connectTarget(tenant!.target);
    await client.query(`ALTER TABLE ${tenant!.target.schema}.users ADD COLUMN surprise int`);
    await client.end();
    const plan = fleet.plan('schema');
    const batch = job(plan, [tenant!]);
    const h = harness();
    expect(await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps)).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED });
    expect(h.results).toHaveLength(1);
    expect(h.results[0]).toMatchObject({ errorCode: 'DRIFT' });
    expect(await appliedRows(tenant!.target)).toEqual([]);
    await h.slot.close();
  });

  it('an unreachable tenant fails with UNREACHABLE and its reason, without a password', async () => {
    process.env.FLEETSHIFT_PW_TEST_SECRET = 's3cret-value';
    const target = ConnectionTarget.fromPartial({ host: '127.0.0.1', port: 1, user: 'postgres', database: 'nowhere', passwordEnv: 'FLEETSHIFT_PW_TEST_SECRET' });
    const plan = fleet.plan('database');
    const batch = job(plan, [{ tenantId: 'gone', target }]);
    const h = harness();
    await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps);
    expect(h.results[0]).toMatchObject({ state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, errorCode: 'UNREACHABLE' });
    expect(h.results[0]!.error).toMatch(/127\.0\.0\.1:1\/nowhere.*ECONNREFUSED/);
    expect(h.results[0]!.error).not.toContain('s3cret-value');
  });

  it('a batch naming a password source the operator did not allow fails the tenant without connecting to its host', async () => {
    const attacker = await startAttackerHost();
    try {
      const plan = fleet.plan('database');
      for (const source of [{ passwordEnv: 'PATH' }, { passwordEnv: 'FLEETSHIFT_API_TOKEN' }, { passwordFile: '/etc/shadow' }]) {
        const target = ConnectionTarget.fromPartial({ host: attacker.host, port: attacker.port, user: 'postgres', database: 'loot', ...source });
        const batch = job(plan, [{ tenantId: 'stolen', target }]);
        const h = harness();
        await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps);
        expect(h.results[0]).toMatchObject({ state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED });
        expect(h.results[0]!.error).toMatch(/password_(env|file) ".*" is refused/);
        await h.slot.close();
      }
      expect(attacker.connections()).toBe(0);
    } finally {
      await attacker.stop();
    }
  });
});

describe('lock timeouts', () => {
  it('retries while the application holds a lock, never blocks the application longer than lock_timeout, then succeeds', async () => {
    const lockTimeoutMs = 300;
    const [tenant] = await fleet.schemaTenants('lock', 1);
    const schema = tenant!.target.schema;
    const plan = fleet.plan('schema', { lockTimeoutMs });
    const batch = job(plan, [tenant!], { maxLockRetries: 100 });
    const h = harness('unit', { baseMs: 50, capMs: 200 });
    const metrics = createExecutorMetrics(new Registry());
    const retriesSoFar = async () => (await metrics.lockRetries.get()).values.reduce((n, v) => n + v.value, 0);
    const app = await fleet.connectTarget(tenant!.target);
    const probe = await fleet.connectTarget(tenant!.target);
    await app.query('BEGIN');
    await app.query(`LOCK TABLE ${schema}.users IN ACCESS SHARE MODE`);

    const deps = { ...h.deps, metrics };
    const run = runTenant(batch, batch.tasks[0]!, h.slot, '1', deps);

    // The application keeps querying the table from another session while the DDL waits and retries.
    const latencies: number[] = [];
    const deadline = Date.now() + 60_000;
    while ((await retriesSoFar()) < 4 && Date.now() < deadline) {
      const started = performance.now();
      await probe.query(`SELECT count(*) FROM ${schema}.users`);
      latencies.push(performance.now() - started);
    }
    expect(await retriesSoFar()).toBeGreaterThanOrEqual(4);
    await app.query('COMMIT');
    expect(await run).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
    await Promise.all([app.end(), probe.end()]);

    const final = h.results.at(-1)!;
    expect(final.attempts).toBeGreaterThan(4);
    // Queued behind the waiting ALTER, a probe waits at most lock_timeout (plus slack of as much again for a
    // busy machine). Without the lock_timeout it would wait until the application commits: after at least
    // four failed attempts, i.e. more than 4 × lock_timeout.
    expect(Math.max(...latencies)).toBeLessThan(lockTimeoutMs * 2);
    expect(latencies.length).toBeGreaterThan(0);
    console.info(`app probe: ${latencies.length} queries, max ${Math.max(...latencies).toFixed(0)} ms (lock_timeout ${lockTimeoutMs} ms)`);
    await h.slot.close();
  });

  it('puts a tenant whose step keeps losing its lock back in the queue, up to max deferrals, then fails it', async () => {
    const [tenant] = await fleet.schemaTenants('lockdefer', 1);
    const plan = fleet.plan('schema', { lockTimeoutMs: 50 });
    const batch = job(plan, [tenant!], { maxLockRetries: 1 });
    const h = harness();
    h.deps.settings = { ...h.deps.settings, maxLockDeferrals: 1 };
    const app = await fleet.connectTarget(tenant!.target);
    await app.query('BEGIN');
    await app.query(`LOCK TABLE ${tenant!.target.schema}.users IN ACCESS SHARE MODE`);
    const first = await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps);
    expect(first).toMatchObject({ kind: 'deferred', lockContended: true });
    expect(first.kind === 'deferred' && first.reason).toMatch(/lock not available after 2 attempt/);
    const again = await runTenant(batch, { ...batch.tasks[0]!, lockDeferrals: 1 }, h.slot, '2', h.deps);
    await app.query('COMMIT');
    await app.end();
    expect(again).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED });
    expect(h.results.at(-1)).toMatchObject({ errorCode: 'LOCK_TIMEOUT_BUDGET', lockRetries: 1 });
    expect(await fleet.fingerprintOf(tenant!.target)).toBe(plan.fromFingerprint);
    await h.slot.close();
  });

  it('gives up with LOCK_TIMEOUT_BUDGET after max_lock_retries and leaves the tenant at the old version', async () => {
    const [tenant] = await fleet.schemaTenants('budget', 1);
    const plan = fleet.plan('schema', { lockTimeoutMs: 100 });
    const batch = job(plan, [tenant!], { maxLockRetries: 2 });
    const h = harness();
    const app = await fleet.connectTarget(tenant!.target);
    await app.query('BEGIN');
    await app.query(`LOCK TABLE ${tenant!.target.schema}.users IN ACCESS SHARE MODE`);
    await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps);
    await app.query('COMMIT');
    await app.end();
    expect(h.results.at(-1)).toMatchObject({ state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED, errorCode: 'LOCK_TIMEOUT_BUDGET', attempts: 3, stepsApplied: 0 });
    expect(await fleet.fingerprintOf(tenant!.target)).toBe(plan.fromFingerprint);
    await h.slot.close();
  });
});

describe('critical throttle', () => {
  it('cancels the statement in flight, defers the tenant, and a later run resumes where it stopped', async () => {
    const [tenant] = await fleet.schemaTenants('crit', 1);
    const slowStep = `SELECT pg_sleep(coalesce(nullif(current_setting('fleetshift.test_sleep', true), ''), '0')::float)`;
    const plan = fleet.plan('schema', { extraStep: slowStep });
    const batch = job(plan, [tenant!]);
    const h = harness();
    const board = new ThrottleBoard(logger);
    board.accept(ThrottleSignal.fromPartial({ clusterId: 'local', level: ThrottleLevel.THROTTLE_LEVEL_OK, sampledAt: new Date(), sampleIntervalMs: 60_000, sequence: 1 }));
    const critical = board.criticalSignal('local');

    const admin = await fleet.connectTarget(tenant!.target);
    await admin.query(`ALTER DATABASE ${batch.tasks[0]!.target!.database} SET fleetshift.test_sleep = '60'`);
    const run = runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps, critical.signal);
    // Wait until the slow step runs, then turn the cluster CRITICAL.
    const deadline = Date.now() + 30_000;
    for (;;) {
      const { rows } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND datname = current_database()`);
      if (rows[0].n > 0) break;
      if (Date.now() > deadline) throw new Error('slow step never started');
      await new Promise((r) => setTimeout(r, 20));
    }
    board.accept(ThrottleSignal.fromPartial({ clusterId: 'local', level: ThrottleLevel.THROTTLE_LEVEL_CRITICAL, cause: 'cpu_percent', reason: 'test', sampledAt: new Date(), sampleIntervalMs: 60_000, sequence: 2 }));
    const outcome = await run;
    critical.release();
    expect(outcome.kind).toBe('deferred');
    const { rows: sleeping } = await admin.query(`SELECT count(*)::int AS n FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep%' AND state = 'active' AND datname = current_database()`);
    expect(sleeping[0].n).toBe(0);
    const { rows: progress } = await admin.query('SELECT units_done FROM fleetshift.plan_progress WHERE tenant_schema = $1', [tenant!.target.schema]);
    expect(progress).toEqual([{ units_done: 1 }]);
    await h.slot.close();

    // Later (cluster OK again, no more sleep): the run resumes after the first unit and completes.
    await admin.query(`ALTER DATABASE ${batch.tasks[0]!.target!.database} RESET fleetshift.test_sleep`);
    await admin.end();
    const h2 = harness();
    expect(await runTenant(batch, batch.tasks[0]!, h2.slot, '2', h2.deps)).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
    expect(h2.results.at(-1)).toMatchObject({ stepsApplied: 5, attempts: 4 });
    expect(await fleet.fingerprintOf(tenant!.target)).toBe(plan.toFingerprint);
    await h2.slot.close();
  });
});

