import pino from 'pino';
import type pg from 'pg';
import { BatchJob, LockLevel, Plan, PlanStep, RolloutState, TenantRolloutState, ThrottleLevel, type TenantResult } from '@fleetshift/contracts';
import { planUnits, runPlan } from '@fleetshift/plan-runner';
import { buildPlan, introspect } from '@fleetshift/schema';
import { quoteIdent } from '@fleetshift/sql-quote';
import { ensureBookkeeping, recordProgress } from '@fleetshift/tenant-ledger';
import { waitFor } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestBus } from '../test/test-bus.js';
import { TestFleet, type FleetTenant } from '../test/test-fleet.js';
import { ConnectionSlot } from './connection-slot.js';
import { liveFingerprint } from './drift-check.js';
import { runTenant, type TenantRunDeps } from './run-tenant.js';
import { executorApplicationName } from './tenant-connection.js';
import { knownPlans, planRef } from '../test/known-plans.js';

// Resume must be idempotent for the non-transactional steps: a tenant interrupted at any unit of a plan
// [transaction, CREATE INDEX CONCURRENTLY, ADD VALUE, transaction] — between units, inside a unit whose
// progress was not recorded yet, mid-build (cancelled, or its executor SIGKILLed) — ends at the target on
// its next run, with one applied_versions row, never DRIFT, never 42710.

const logger = pino({ level: 'silent' });
const fleet = new TestFleet();
const bus = new TestBus();
const rolloutId = 'resume';

const enumDdl = `CREATE TYPE status AS ENUM ('new', 'done'); ALTER TABLE orders ADD COLUMN status status NOT NULL DEFAULT 'new'`;

const step = (fields: Partial<PlanStep>): PlanStep => PlanStep.fromPartial({ lockTimeoutMs: 60_000, statementTimeoutMs: 0, ...fields });
const addPhone = step({ sql: 'ALTER TABLE users ADD COLUMN phone text', change: 'add-column', description: 'add column users.phone', transactional: true, group: 1, lock: LockLevel.LOCK_LEVEL_ACCESS_EXCLUSIVE, lockTarget: 'users' });
// The planner's concurrent build, cleanup_sql in the planner's exact text (schema-relative: unqualified).
const buildIndex = step({
  sql: 'CREATE INDEX CONCURRENTLY "orders_user_id_idx" ON orders USING btree (user_id)',
  cleanupSql: 'DROP INDEX CONCURRENTLY IF EXISTS "orders_user_id_idx"',
  change: 'add-index',
  description: 'create index orders_user_id_idx concurrently',
  transactional: false,
  group: 2,
  lock: LockLevel.LOCK_LEVEL_SHARE_UPDATE_EXCLUSIVE,
  lockTarget: 'orders',
});
const addLabel = step({ sql: `ALTER TYPE "status" ADD VALUE IF NOT EXISTS 'archived' AFTER 'done'`, change: 'add-enum-value', description: 'add label archived', transactional: false, group: 3, lockTarget: 'status' });
// Uses the new label: it must have committed before this transaction.
const useLabel = [
  step({ sql: 'ALTER TABLE orders ADD COLUMN archived_at timestamptz', change: 'add-column', description: 'add column orders.archived_at', transactional: true, group: 4, lockTarget: 'orders' }),
  step({ sql: `ALTER TABLE orders ALTER COLUMN status SET DEFAULT 'archived'`, change: 'set-default', description: 'default archived', transactional: true, group: 4, lockTarget: 'orders' }),
];

type PlanName = 'tx-first' | 'build-first';
const stepsOf: Record<PlanName, PlanStep[]> = {
  'tx-first': [addPhone, buildIndex, addLabel, ...useLabel],
  'build-first': [buildIndex, addLabel, ...useLabel],
};
const plans = {} as Record<PlanName, Plan>;

beforeAll(async () => {
  await bus.start('exres');
  bus.heartbeat('local', ThrottleLevel.THROTTLE_LEVEL_OK, 1_000);
  // From- and to-fingerprints of each plan, from a scratch tenant.
  for (const name of Object.keys(stepsOf) as PlanName[]) {
    const [scratch] = await tenants(`fp${name.replace('-', '')}`, 1);
    const client = await fleet.connectTarget(scratch!.target);
    try {
      const schema = scratch!.target.schema;
      const from = await liveFingerprint(client, schema);
      const fromCatalog = await introspect(client, { schema });
      await client.query(`SET search_path TO ${quoteIdent(schema)}`);
      for (const s of stepsOf[name]) await client.query(s.sql);
      await client.query('RESET search_path');
      plans[name] = Plan.fromPartial({ fromFingerprint: from, toFingerprint: await liveFingerprint(client, schema), steps: stepsOf[name], schemaRelative: true });
      // The hand-ordered steps are the planner's own: same SQL, same cleanup_sql.
      const planned = buildPlan(fromCatalog, await introspect(client, { schema }));
      for (const mine of [buildIndex, addLabel]) {
        expect(planned.steps.find((p) => p.change === mine.change), mine.change).toMatchObject({ sql: mine.sql, cleanupSql: mine.cleanupSql, transactional: false });
      }
    } finally {
      await client.end();
    }
  }
});
afterAll(async () => {
  await bus.stop();
  await fleet.drop();
});

/** n schema tenants at v1 with the `status` enum. */
async function tenants(prefix: string, n: number): Promise<FleetTenant[]> {
  const created = await fleet.schemaTenants(prefix, n);
  for (const tenant of created) await inTenant(tenant, (c) => c.query(enumDdl).then(() => undefined));
  return created;
}

async function inTenant<T>(tenant: FleetTenant, body: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = await fleet.connectTarget(tenant.target);
  try {
    await client.query(`SET search_path TO ${quoteIdent(tenant.target.schema)}`);
    return await body(client);
  } finally {
    await client.end();
  }
}

function job(plan: Plan, tenant: FleetTenant, rollout = rolloutId): BatchJob {
  return BatchJob.fromPartial({
    rolloutId: rollout,
    batchNumber: 1,
    targetVersion: 2,
    clusterId: 'local',
    clusterConnectionBudget: 2,
    tenantConcurrency: 1,
    maxLockRetries: 5,
    tasks: [{ tenantId: tenant.tenantId, target: tenant.target, planKey: planRef(plan), expectedFingerprint: plan.fromFingerprint, fromVersion: 1 }],
  });
}

function harness(executorId: string) {
  const results: TenantResult[] = [];
  const deps: TenantRunDeps = {
    plans: knownPlans,
    settings: { executorId, defaultLockTimeoutMs: 500, defaultMaxLockRetries: 5, maxLockDeferrals: 0, backoff: { baseMs: 20, capMs: 100 } },
    publish: async (result) => {
      results.push(result);
    },
    logger,
  };
  return { results, deps, slot: new ConnectionSlot(executorApplicationName(executorId), 3000) };
}

/** A crash after `k` units: units 0..k-1 run through runPlan, each recording its progress as the executor does. */
async function runUnitsThenCrash(tenant: FleetTenant, plan: Plan, k: number): Promise<void> {
  if (k === 0) return;
  const units = planUnits(plan.steps).slice(0, k);
  const partial = Plan.fromPartial({ ...plan, steps: units.flatMap((u) => u.steps) });
  const client = await fleet.connectTarget(tenant.target);
  await ensureBookkeeping(client);
  const key = { tenantSchema: tenant.target.schema, rolloutId, toFingerprint: plan.toFingerprint, executorId: 'crashed' };
  await runPlan(client, partial, { schema: tenant.target.schema, onUnitDone: (tx, index) => recordProgress(tx, key, index + 1) });
  await client.end();
}

/** The executor run that follows the interruption: it must end at the target. */
async function rerunReachesTarget(tenant: FleetTenant, plan: Plan, rollout = rolloutId): Promise<TenantResult[]> {
  const h = harness('resumer');
  try {
    const batch = job(plan, tenant, rollout);
    const outcome = await runTenant(batch, batch.tasks[0]!, h.slot, '2', h.deps);
    const final = h.results.at(-1);
    expect(final?.errorCode ?? '', final?.error).toBe('');
    expect(outcome).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED });
  } finally {
    await h.slot.close();
  }
  for (const result of h.results) expect(['DRIFT', '42710']).not.toContain(result.errorCode);
  expect(await fleet.fingerprintOf(tenant.target)).toBe(plan.toFingerprint);
  const rows = await inTenant(tenant, (c) => c.query('SELECT rollout_id FROM fleetshift.applied_versions WHERE tenant_schema = $1', [tenant.target.schema]));
  expect(rows.rows).toEqual([{ rollout_id: rollout }]);
  expect(await invalidIndexes(tenant)).toEqual([]);
  return h.results;
}

async function invalidIndexes(tenant: FleetTenant): Promise<string[]> {
  const { rows } = await inTenant(tenant, (c) =>
    c.query<{ name: string }>(
      `SELECT c.relname AS name FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = $1 AND NOT i.indisvalid`,
      [tenant.target.schema],
    ),
  );
  return rows.map((r) => r.name);
}

/**
 * Holds ROW EXCLUSIVE on the tenant's orders in an open transaction: a CREATE INDEX CONCURRENTLY there
 * creates its (INVALID) index, then waits for this transaction — mid-build until release().
 */
async function holdOrders(tenant: FleetTenant): Promise<{ release: () => Promise<void> }> {
  const client = await fleet.connectTarget(tenant.target);
  await client.query(`BEGIN; LOCK TABLE ${quoteIdent(tenant.target.schema)}.orders IN ROW EXCLUSIVE MODE`);
  return {
    release: async () => {
      await client.query('ROLLBACK');
      await client.end();
    },
  };
}

/** The pid of `applicationName`'s session once its CREATE INDEX CONCURRENTLY waits mid-build, the index INVALID. */
async function buildWaiting(tenant: FleetTenant, applicationName: string): Promise<number> {
  return waitFor(
    'the concurrent build to wait mid-build',
    () =>
      inTenant(tenant, async (c) => {
        const { rows } = await c.query<{ pid: number }>(
          `SELECT a.pid FROM pg_stat_activity a
            WHERE a.application_name = $1 AND a.query LIKE 'CREATE INDEX CONCURRENTLY%' AND a.wait_event_type = 'Lock'
              AND EXISTS (SELECT 1 FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                           WHERE n.nspname = $2 AND c.relname = 'orders_user_id_idx' AND NOT i.indisvalid)`,
          [applicationName, tenant.target.schema],
        );
        return rows[0]?.pid;
      }),
    { timeoutMs: 30_000 },
  );
}

describe('resume after an interruption at each unit', () => {
  for (const name of ['tx-first', 'build-first'] as PlanName[]) {
    const unitCount = planUnits(stepsOf[name]).length;
    for (let k = 0; k < unitCount; k++) {
      it(`${name}: killed between units, before unit ${k}`, async () => {
        const plan = plans[name];
        const [tenant] = await tenants(`b${name.replace('-', '')}${k}`, 1);
        await runUnitsThenCrash(tenant!, plan, k);
        await rerunReachesTarget(tenant!, plan);
      });
    }
  }

  // Unit k's statement committed, its progress not yet recorded (the executor died in between): the
  // next run runs the unit again. For ADD VALUE that used to fail with 42710; IF NOT EXISTS makes it a
  // no-op. A finished build is dropped by its cleanup_sql and built again. (A build finished as the
  // plan's very first unit is not covered: the VALID index it leaves, with no progress, is drift.)
  it('tx-first: the concurrent build finished but unrecorded', async () => {
    const plan = plans['tx-first'];
    const [tenant] = await tenants('ubuild', 1);
    await runUnitsThenCrash(tenant!, plan, 1);
    await inTenant(tenant!, (c) => c.query(buildIndex.sql));
    await rerunReachesTarget(tenant!, plan);
  });
  for (const name of ['tx-first', 'build-first'] as PlanName[]) {
    it(`${name}: ADD VALUE committed but unrecorded (no 42710)`, async () => {
      const plan = plans[name];
      const labelUnit = planUnits(plan.steps).findIndex((u) => u.steps[0] === addLabel);
      const [tenant] = await tenants(`ulabel${name.replace('-', '')}`, 1);
      await runUnitsThenCrash(tenant!, plan, labelUnit);
      await inTenant(tenant!, (c) => c.query(addLabel.sql));
      await rerunReachesTarget(tenant!, plan);
    });
  }

  for (const name of ['tx-first', 'build-first'] as PlanName[]) {
    it(`${name}: the concurrent build cancelled mid-build (pg_cancel_backend) leaves an INVALID index; the next run drops it and builds again`, async () => {
      const plan = plans[name];
      const [tenant] = await tenants(`c${name.replace('-', '')}`, 1);
      const blocker = await holdOrders(tenant!);
      const h = harness('cancelled');
      const batch = job(plan, tenant!);
      const first = runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps);
      try {
        const pid = await buildWaiting(tenant!, executorApplicationName('cancelled'));
        await inTenant(tenant!, (c) => c.query('SELECT pg_cancel_backend($1)', [pid]));
        expect(await first).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED });
      } finally {
        await blocker.release();
        await h.slot.close();
      }
      expect(h.results.at(-1)).toMatchObject({ errorCode: '57014' });
      expect(await invalidIndexes(tenant!)).toEqual(['orders_user_id_idx']);
      await rerunReachesTarget(tenant!, plan);
    });
  }

  it('an INVALID index the first unit does not build is still drift', async () => {
    const plan = plans['build-first'];
    const [tenant] = await tenants('otherinvalid', 1);
    // A failed unique build of another index (orders.user_id repeats): INVALID, and no step of the plan drops it.
    await inTenant(tenant!, async (c) => {
      await expect(c.query('CREATE UNIQUE INDEX CONCURRENTLY orders_user_unique ON orders (user_id)')).rejects.toThrow(/could not create unique index/);
    });
    expect(await invalidIndexes(tenant!)).toEqual(['orders_user_unique']);
    const h = harness('drift');
    const batch = job(plan, tenant!);
    expect(await runTenant(batch, batch.tasks[0]!, h.slot, '1', h.deps)).toEqual({ kind: 'reported', state: TenantRolloutState.TENANT_ROLLOUT_STATE_FAILED });
    await h.slot.close();
    expect(h.results.at(-1)).toMatchObject({ errorCode: 'DRIFT' });
  });

  for (const name of ['tx-first', 'build-first'] as PlanName[]) {
    it(`${name}: an executor process SIGKILLed mid-build; the next run finishes the tenant`, async () => {
      const plan = plans[name];
      const [tenant] = await tenants(`k${name.replace('-', '')}`, 1);
      const rollout = `${rolloutId}-kill-${name}`;
      await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
      const victimId = `${bus.names.namespace}-victim-${name}`;
      const blocker = await holdOrders(tenant!);
      try {
        const victim = await bus.startExecutor(victimId);
        await bus.publishBatches({ rolloutId: rollout, clusterId: 'local', tenants: [tenant!], plan, batchSize: 1, budget: 2, concurrency: 1, ackWaitMs: 60_000 });
        const pid = await buildWaiting(tenant!, executorApplicationName(victimId));
        victim.process.kill('SIGKILL');
        await victim.exited;
        bus.executors.splice(bus.executors.indexOf(victim), 1);
        // The dead executor's session lives on while its statement waits (until the server notices the
        // client is gone: client_connection_check_interval, TCP keepalives) and holds the tenant's advisory
        // lock; the server ending it is what is simulated here.
        await inTenant(tenant!, (c) => c.query('SELECT pg_terminate_backend($1)', [pid]));
        await waitFor('the dead executor session to end', () => inTenant(tenant!, async (c) => (await c.query('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).rowCount === 0));
      } finally {
        await blocker.release();
      }
      expect(await invalidIndexes(tenant!)).toEqual(['orders_user_id_idx']);
      await rerunReachesTarget(tenant!, plan, rollout);
    });
  }
});
