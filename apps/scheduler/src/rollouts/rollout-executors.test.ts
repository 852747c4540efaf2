import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Isolation, RolloutState, TenantRolloutState, type CreateRolloutRequest, type Rollout } from '@fleetshift/contracts';
import { findActiveRollout, getPlans, getRollout, getTenants, listRolloutTenants, listTenantEvents } from '@fleetshift/control-store';
import pg from 'pg';
import { quoteIdent } from '@fleetshift/sql-quote';
import { startService, waitFor, type ServiceProcess } from '@fleetshift/testing';
import { provisionFleet, pushText, schemaV1 } from '../testing/fleet.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { startTestExecutor } from '../testing/test-processes.js';
import { startThrottleHeartbeat } from '../testing/throttle-heartbeat.js';
import { createRollout } from './create-rollout.js';
import { cancelRollout, pauseRollout, resumeRollout, retryFailed } from './rollout-actions.js';

// A whole rollout with the real planner and real executor processes against real tenant databases.
const R = RolloutState;
const T = TenantRolloutState;
const schemaV2 = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone_number text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);
CREATE INDEX orders_user_id_idx ON orders (user_id);
ALTER TABLE orders ADD CONSTRAINT orders_user_id_fkey FOREIGN KEY (user_id) REFERENCES users (id);`;

let planner: ServiceProcess;
let scheduler: TestScheduler;
let heartbeat: ReturnType<typeof startThrottleHeartbeat>;
const executors: ServiceProcess[] = [];

async function startExecutor(id: string): Promise<ServiceProcess> {
  const executor = await startTestExecutor(scheduler, id);
  executors.push(executor);
  return executor;
}

beforeAll(async () => {
  planner = await startService('planner');
  scheduler = await startTestScheduler(`127.0.0.1:${planner.grpcPort}`);
  heartbeat = startThrottleHeartbeat(scheduler.ctx.bus, ['local']);
  await Promise.all([startExecutor('exec-a'), startExecutor('exec-b')]);
});

afterAll(async () => {
  if (process.env.DUMP_EXECUTOR_LOGS) {
    for (const e of executors) for (const line of e.logs) if (line.level !== 30 || /batch|tenant/.test(String(line.msg))) console.log(JSON.stringify(line));
  }
  heartbeat?.stop();
  await Promise.all(executors.map((e) => e.stop('SIGKILL')));
  await scheduler?.cleanup();
  await planner?.stop('SIGKILL');
});

function rolloutRequest(blueprint: string, version: number, overrides: Partial<CreateRolloutRequest> = {}): CreateRolloutRequest {
  return {
    blueprint, version, selector: undefined, batchSize: 20, maxBatchesInFlight: 4, tenantConcurrency: 2, canary: false,
    failurePolicy: undefined, allowedHazards: ['INDEX_BUILD'], dryRun: false, ...overrides,
  };
}

const rolloutNow = async (id: string) => (await getRollout(scheduler.ctx.pool, id))!;
const waitRollout = (id: string, accept: (r: Rollout) => boolean, what: string, timeoutMs = 120_000) =>
  waitFor(what, () => rolloutNow(id), { accept, timeoutMs });
const finalStates = [R.ROLLOUT_STATE_SUCCEEDED, R.ROLLOUT_STATE_FAILED, R.ROLLOUT_STATE_CANCELLED, R.ROLLOUT_STATE_HALTED];

type LogLine = Record<string, unknown> & { executorId: string; time: string };

/** Log lines of the executors now running that `match` accepts. */
function executorLines(match: (line: Record<string, unknown>) => boolean): LogLine[] {
  return executors.flatMap((e) => e.logs.filter(match) as LogLine[]);
}

/** Per executor now running: when it saw the rollout's control state become `state` (its "rollout control state" log line). */
async function controlSeen(rolloutId: string, state: RolloutState): Promise<Map<string, number>> {
  const lines = await waitFor(
    `every executor seeing ${R[state]}`,
    async () => executorLines((l) => l.msg === 'rollout control state' && l.rolloutId === rolloutId && l.state === R[state]),
    { accept: (found) => new Set(found.map((l) => l.executorId)).size === executors.length },
  );
  const seen = new Map<string, number>();
  for (const line of lines) seen.set(line.executorId, Math.max(seen.get(line.executorId) ?? 0, Date.parse(line.time)));
  return seen;
}

/** An advisory-lock session holding the executors' per-tenant lock of a schema-isolated tenant: they defer it while held. */
async function holdTenantLock(database: string, schema: string): Promise<pg.Client> {
  const url = new URL(scheduler.serverUrl);
  url.pathname = `/${database}`;
  const client = new pg.Client({ connectionString: url.toString(), application_name: 'fleetshift-test-locker' });
  await client.connect();
  // The executor's key (apps/executor tenant-lock.ts): class "FS" + 1, hashtext('schema:<schema>').
  await client.query('SELECT pg_advisory_lock($1::int4, hashtext($2))', [0x46530001, `schema:${schema}`]);
  return client;
}

/** Tenants of a rollout that an executor has started. */
async function startedTenants(rolloutId: string): Promise<string[]> {
  const { rows } = await scheduler.ctx.pool.query<{ tenant_id: string }>(
    'SELECT tenant_id FROM rollout_tenants WHERE rollout_id = $1 AND started_at IS NOT NULL ORDER BY tenant_id',
    [rolloutId],
  );
  return rows.map((row) => row.tenant_id);
}

/** Per tenant: the applied_versions rows at `version` (rollout ids) in its schema of the shared database. */
async function appliedRows(database: string, version: number): Promise<Map<string, string[]>> {
  const rows = await scheduler.query<{ tenant_schema: string; rollout_id: string }>(
    database,
    'SELECT tenant_schema, rollout_id FROM fleetshift.applied_versions WHERE version = $1',
    [version],
  );
  const bySchema = new Map<string, string[]>();
  for (const row of rows) bySchema.set(row.tenant_schema, [...(bySchema.get(row.tenant_schema) ?? []), row.rollout_id]);
  return bySchema;
}

describe('rollouts with executor processes', { timeout: 300_000 }, () => {
  it('200 tenants, two executors, one killed with SIGKILL mid-rollout: every tenant ends at the target, none applied twice', async () => {
    const blueprint = scheduler.blueprint('kill');
    const tenants = await provisionFleet(scheduler, blueprint, 200);
    const v2 = await pushText(scheduler, blueprint, schemaV2);
    const rollout = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v2));
    expect([rollout.plans, rollout.batchesTotal]).toEqual([1, 10]);

    await waitRollout(rollout.id, (r) => r.counts!.succeeded >= 20 || finalStates.includes(r.state), '20 tenants done');
    // The executor to kill is one that holds work of this rollout (with the pace, one executor may have
    // taken every batch so far).
    const killed = executors.find((e) => e.logs.some((line) => line.msg === 'batch started' && line.rolloutId === rollout.id));
    expect(killed).toBeDefined();
    killed!.process.kill('SIGKILL');
    await killed!.exited;

    const done = await waitRollout(rollout.id, (r) => finalStates.includes(r.state), 'rollout final', 240_000);
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    expect(done.counts!.succeeded + done.counts!.skipped).toBe(200);

    const recorded = await getTenants(scheduler.ctx.pool, tenants);
    expect(new Set([...recorded.values()].map((t) => `${t.version}`))).toEqual(new Set([`${v2}`]));
    const applied = await appliedRows(blueprint, v2);
    expect(applied.size).toBe(200);
    expect([...applied.values()].every((ids) => ids.length === 1 && ids[0] === rollout.id)).toBe(true);
    const { rows } = await scheduler.ctx.pool.query<{ tenant_id: string; n: number }>(
      `SELECT tenant_id, count(*)::int AS n FROM tenant_events WHERE rollout_id = $1 AND kind = 'succeeded' AND steps_applied > 0 GROUP BY tenant_id`,
      [rollout.id],
    );
    expect(rows.every((row) => row.n === 1)).toBe(true);
    const columns = await scheduler.query<{ n: number }>(
      blueprint,
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone_number'`,
    );
    expect(columns[0].n).toBe(200);
    executors.splice(executors.indexOf(killed!), 1);
    await startExecutor('exec-c');
  });

  it('an unreachable tenant fails with its reason while the others succeed; the failure policy halts with the reason in GetRollout', async () => {
    const blueprint = scheduler.blueprint('gone');
    const tenants = await provisionFleet(scheduler, blueprint, 6, Isolation.ISOLATION_DATABASE);
    const lost = (await getTenants(scheduler.ctx.pool, [tenants[0]])).get(tenants[0])!;
    await scheduler.query('postgres', `DROP DATABASE ${quoteIdent(lost.database)} WITH (FORCE)`);
    const v2 = await pushText(scheduler, blueprint, schemaV2);

    const rollout = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v2, { batchSize: 3, maxBatchesInFlight: 1 }));
    const done = await waitRollout(rollout.id, (r) => finalStates.includes(r.state), 'rollout final');
    expect(done.state).toBe(R.ROLLOUT_STATE_FAILED);
    expect(done.counts).toMatchObject({ succeeded: 5, failed: 1 });
    const [failed] = await listRolloutTenants(scheduler.ctx.pool, rollout.id, [T.TENANT_ROLLOUT_STATE_FAILED], 10);
    expect(failed.tenantId).toBe(lost.id);
    expect(failed.errorCode).toBe('UNREACHABLE');
    expect(failed.error).toContain(lost.database);

    // RetryFailed queues that tenant alone; its database is back but empty: a drift, re-planned from its live state.
    await scheduler.query('postgres', `CREATE DATABASE ${quoteIdent(lost.database)}`);
    expect(await retryFailed(scheduler.ctx, rollout.id)).toBe(1);
    await scheduler.engine.kick(rollout.id);
    const retried = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'succeeded after RetryFailed');
    expect(retried.counts).toMatchObject({ succeeded: 6, failed: 0 });
    const history = await listTenantEvents(scheduler.ctx.pool, lost.id, rollout.id, 100);
    expect(history.map((e) => e.kind)).toEqual(['failed', 'retried', 'drift', 'replanned', 'started', 'succeeded']);
    const others = await listTenantEvents(scheduler.ctx.pool, tenants[1], rollout.id, 100);
    expect(others.map((e) => e.kind)).toEqual(['started', 'succeeded']);

    await scheduler.query('postgres', `DROP DATABASE ${quoteIdent(lost.database)} WITH (FORCE)`);
    const v3 = await pushText(scheduler, blueprint, `${schemaV2}\nCREATE TABLE invoices (id bigint PRIMARY KEY);`);
    const halting = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v3, { batchSize: 3, maxBatchesInFlight: 1, failurePolicy: { maxFailedTenants: 1, maxFailureRatio: 0, onDrift: 0 } }));
    const halted = await waitRollout(halting.id, (r) => r.state === R.ROLLOUT_STATE_HALTED, 'halted');
    expect(halted.haltReason).toContain(`tenant ${lost.id}: UNREACHABLE`);
    expect(halted.counts!.succeeded).toBeLessThan(5);
    await cancelRollout(scheduler.ctx, halting.id);
  });

  it('pause stops new tenants from starting and resume continues to the end', async () => {
    const blueprint = scheduler.blueprint('pause');
    const tenants = await provisionFleet(scheduler, blueprint, 40);
    const v2 = await pushText(scheduler, blueprint, schemaV2);
    // The first tenant's per-tenant lock is held by this test, so its batch stays in the queue (executors
    // defer the tenant and return the batch) until the lock is released: whatever the machine's speed,
    // a batch with a tenant that is free to start is in the queue while the rollout is paused.
    const held = tenants[0];
    const locker = await holdTenantLock(blueprint, held.split('-').pop()!);
    try {
      const rollout = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v2, { batchSize: 5, maxBatchesInFlight: 2, tenantConcurrency: 1 }));
      const { rows: [{ batch_number: heldBatch }] } = await scheduler.ctx.pool.query<{ batch_number: number }>(
        'SELECT batch_number FROM rollout_tenants WHERE rollout_id = $1 AND tenant_id = $2',
        [rollout.id, held],
      );
      await waitRollout(rollout.id, (r) => r.counts!.succeeded >= 5, 'some tenants done');
      await pauseRollout(scheduler.ctx, rollout.id);
      // The pause takes effect in each executor when it sees PAUSED; the tenants then in hand finish.
      const pauseSeen = await controlSeen(rollout.id, R.ROLLOUT_STATE_PAUSED);
      // Every report the executors sent is applied first: on a loaded machine a tenant that started before
      // the pause may reach the control store (started_at) only after the counts show nothing running.
      const { jsm, names } = scheduler.ctx.bus;
      await waitFor('results applied', async () => {
        const results = await jsm.consumers.info(names.resultStream, names.schedulerConsumer);
        return results.num_pending + results.num_ack_pending;
      }, { accept: (n) => n === 0, timeoutMs: 60_000 });
      const paused = await waitRollout(rollout.id, (r) => r.counts!.running === 0, 'tenants in hand finished');
      const startedAtPause = await startedTenants(rollout.id);
      expect(startedAtPause).not.toContain(held);

      // Free the held tenant, then wait until an executor took its batch in hand after that, held it
      // while paused, and returned it to the queue: the tenant was free to start and did not.
      await locker.query('SELECT pg_advisory_unlock_all()');
      const released = Date.now();
      // (Or until the freed tenant started anyway: the assertions below then say so.)
      await waitFor(
        'the freed tenant\'s batch held and returned while paused',
        async () => {
          const starts = executorLines((l) => l.msg === 'batch started' && l.rolloutId === rollout.id && l.batch === heldBatch && Date.parse(String(l.time)) > released);
          const returned = executorLines(
            (l) => l.msg === 'batch returned to the queue' && l.rolloutId === rollout.id && /PAUSED/.test(String(l.reason)) &&
              starts.some((s) => s.executorId === l.executorId && s.delivery === l.delivery),
          ).length;
          return { returned, heldStarted: (await startedTenants(rollout.id)).includes(held) };
        },
        { accept: (seen) => seen.returned > 0 || seen.heldStarted, timeoutMs: 60_000 },
      );
      expect(await startedTenants(rollout.id)).toEqual(startedAtPause);
      expect(startedAtPause.length).toBeLessThan(40);
      expect((await rolloutNow(rollout.id)).counts!.succeeded).toBe(paused.counts!.succeeded);
      // From per-tenant start times: every tenant started before its executor saw the pause.
      const rows = await listRolloutTenants(scheduler.ctx.pool, rollout.id, [], 100);
      const started = rows.filter((t) => t.startedAt);
      expect(started.map((t) => t.tenantId).sort()).toEqual(startedAtPause);
      for (const t of started) expect(t.startedAt!.getTime()).toBeLessThanOrEqual(pauseSeen.get(t.executorId)!);

      await resumeRollout(scheduler.ctx, rollout.id);
      await scheduler.engine.kick(rollout.id);
      const done = await waitRollout(rollout.id, (r) => finalStates.includes(r.state), 'rollout final');
      expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
      expect(done.counts!.succeeded).toBe(40);
      const heldRow = (await listRolloutTenants(scheduler.ctx.pool, rollout.id, [], 100)).find((t) => t.tenantId === held)!;
      expect(heldRow.startedAt!.getTime()).toBeGreaterThan(released);
      await expect(retryFailed(scheduler.ctx, rollout.id)).rejects.toThrow(/SUCCEEDED: it cannot be retried/);
    } finally {
      await locker.end().catch(() => undefined);
    }
  });

  it('cancel leaves each tenant at the old or the new version, never between', async () => {
    const blueprint = scheduler.blueprint('cancel');
    const tenants = await provisionFleet(scheduler, blueprint, 30);
    const v2 = await pushText(scheduler, blueprint, schemaV2);
    const rollout = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v2, { batchSize: 5, maxBatchesInFlight: 1, tenantConcurrency: 1 }));
    await waitRollout(rollout.id, (r) => r.counts!.succeeded >= 3, 'some tenants done');
    await cancelRollout(scheduler.ctx, rollout.id);
    // Settled: no batch queued or in hand (a tenant in hand finishes and reports before its batch is
    // acked), and every result applied by the scheduler — a tenant whose RUNNING report is still on its
    // way is CANCELLED in the control plane for a moment while an executor finishes it.
    const { jsm, names } = scheduler.ctx.bus;
    const unsettled = async () => {
      const batches = await jsm.consumers.info(names.batchStream, names.clusterConsumer('local'));
      const results = await jsm.consumers.info(names.resultStream, names.schedulerConsumer);
      return batches.num_pending + batches.num_ack_pending + results.num_pending + results.num_ack_pending;
    };
    await waitFor('batches and results settled', unsettled, { accept: (n) => n === 0, timeoutMs: 120_000 });
    const cancelled = await waitRollout(rollout.id, (r) => r.counts!.running === 0 && r.counts!.queued === 0, 'nothing running');
    expect(cancelled.state).toBe(R.ROLLOUT_STATE_CANCELLED);
    expect(cancelled.counts!.cancelled).toBeGreaterThan(0);
    const schemas = tenants.map((id) => id.split('-').pop()!);
    const phone = await scheduler.query<{ table_schema: string }>(
      blueprint,
      `SELECT table_schema FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone_number'`,
    );
    const index = await scheduler.query<{ schemaname: string }>(blueprint, `SELECT schemaname FROM pg_indexes WHERE indexname = 'orders_user_id_idx'`);
    const fkey = await scheduler.query<{ nspname: string }>(
      blueprint,
      `SELECT n.nspname FROM pg_constraint c JOIN pg_namespace n ON n.oid = c.connamespace WHERE c.conname = 'orders_user_id_fkey' AND c.convalidated`,
    );
    const atNew = new Set(phone.map((r) => r.table_schema));
    for (const schema of schemas) {
      const has = [atNew.has(schema), index.some((r) => r.schemaname === schema), fkey.some((r) => r.nspname === schema)];
      expect(has.every(Boolean) || has.every((x) => !x), `${schema}: column, index, foreign key ${has}`).toBe(true);
    }
    const states = await listRolloutTenants(scheduler.ctx.pool, rollout.id, [], 100);
    for (const row of states) expect(atNew.has(row.tenantId.split('-').pop()!), `${row.tenantId} is ${T[row.state]}`).toBe(row.state === T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    expect(await findActiveRollout(scheduler.ctx.pool, blueprint)).toBeUndefined();
  });

  it('a dry run plans and reports every tenant SKIPPED and changes no tenant', async () => {
    const blueprint = scheduler.blueprint('dry');
    const tenants = await provisionFleet(scheduler, blueprint, 6);
    const v2 = await pushText(scheduler, blueprint, schemaV2);
    const rollout = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v2, { dryRun: true, batchSize: 3 }));
    const done = await waitRollout(rollout.id, (r) => finalStates.includes(r.state), 'dry run final');
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    expect(done.counts).toMatchObject({ total: 6, skipped: 6, succeeded: 0 });
    const recorded = await getTenants(scheduler.ctx.pool, tenants);
    expect([...recorded.values()].map((t) => t.version)).toEqual(Array(6).fill(1));
    const columns = await scheduler.query<{ n: number }>(
      blueprint,
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone_number'`,
    );
    expect(columns[0].n).toBe(0);
  });

  it('an application transaction holding a lock: the step times out and retries, the application waits at most about lock_timeout', async () => {
    const blueprint = scheduler.blueprint('lock');
    const tenants = await provisionFleet(scheduler, blueprint, 2);
    const v2 = await pushText(scheduler, blueprint, 'CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone_number text);\nCREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);');
    const url = new URL(scheduler.serverUrl);
    url.pathname = `/${blueprint}`;
    const app = new pg.Client({ connectionString: url.toString(), application_name: 'fleetshift-test-app' });
    const probe = new pg.Client({ connectionString: url.toString(), application_name: 'fleetshift-test-probe' });
    await Promise.all([app.connect(), probe.connect()]);
    try {
      await app.query('BEGIN');
      await app.query('SELECT count(*) FROM t01.users');
      const rollout = await createRollout(scheduler.ctx, rolloutRequest(blueprint, v2, { batchSize: 2 }));
      const lockTimeoutMs = Math.max(...[...(await getPlans(scheduler.ctx.pool, rollout.id)).values()].flatMap((plan) => plan.steps.map((s) => s.lockTimeoutMs)));
      expect(lockTimeoutMs).toBeGreaterThan(0);

      // The DDL queues behind the application's lock, gives up at lock_timeout, and tries again.
      const waits = new Set<string>();
      await waitFor(
        'two lock waits of the migration (a retry)',
        async () => {
          const rows = await scheduler.query<{ query_start: Date }>(
            blueprint,
            `SELECT query_start FROM pg_stat_activity WHERE application_name LIKE 'fleetshift-executor:%' AND wait_event_type = 'Lock'`,
          );
          for (const row of rows) waits.add(row.query_start.toISOString());
          return waits.size;
        },
        { accept: (n) => n >= 2, timeoutMs: 60_000 },
      );
      const started = performance.now();
      await probe.query('SELECT count(*) FROM t01.users');
      const blockedMs = performance.now() - started;
      expect(blockedMs).toBeLessThan(lockTimeoutMs * 2);
      const meanwhile = await waitRollout(rollout.id, (r) => r.counts!.succeeded === 1, 'the other tenant done meanwhile');
      expect(meanwhile.counts!.running + meanwhile.counts!.queued).toBe(1);

      await app.query('COMMIT');
      const done = await waitRollout(rollout.id, (r) => finalStates.includes(r.state), 'rollout final');
      expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
      expect(done.counts!.succeeded).toBe(2);
      const recorded = await getTenants(scheduler.ctx.pool, tenants);
      expect([...recorded.values()].map((t) => t.version)).toEqual([v2, v2]);
    } finally {
      await app.end().catch(() => undefined);
      await probe.end().catch(() => undefined);
    }
  });
});
