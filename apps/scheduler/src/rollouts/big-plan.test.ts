import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Plan, RolloutState, TenantRolloutState, type Rollout } from '@fleetshift/contracts';
import { getPlans, getRollout, listRolloutTenants } from '@fleetshift/control-store';
import { startService, waitFor, type ServiceProcess } from '@fleetshift/testing';
import type { Subscription } from '@nats-io/transport-node';
import { provisionFleet, pushText, schemaV1 } from '../testing/fleet.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { startThrottleHeartbeat } from '../testing/throttle-heartbeat.js';
import { createRollout } from './create-rollout.js';

// A plan whose encoded form is over NATS's 1 MiB max payload, rolled out by the real planner, scheduler and
// executor processes to several tenants in one batch. Batches carry plan ids, not plans (docs/adr/0009),
// so no message on the bus grows with the plan.
const R = RolloutState;
const T = TenantRolloutState;
const maxPayload = 1024 * 1024;
const tables = 600;
const columns = 40;

/** schemaV1 plus `tables` tables of `columns` long-named columns each: one CREATE TABLE step per table. */
function bigSchema(): string {
  const columnList = Array.from({ length: columns }, (_, c) => `column_with_a_rather_long_name_${String(c).padStart(3, '0')} text`).join(', ');
  const extra = Array.from({ length: tables }, (_, t) => `CREATE TABLE wide_table_${String(t).padStart(4, '0')} (id bigint PRIMARY KEY, ${columnList});`);
  return `${schemaV1}\n${extra.join('\n')}`;
}

let planner: ServiceProcess;
let scheduler: TestScheduler;
let heartbeat: ReturnType<typeof startThrottleHeartbeat>;
const executors: ServiceProcess[] = [];
/** The largest message seen on the batch and result subjects (a plain subscription sees every publish). */
const largest = { batch: 0, result: 0, batches: 0 };
const subscriptions: Subscription[] = [];

beforeAll(async () => {
  planner = await startService('planner');
  scheduler = await startTestScheduler(`127.0.0.1:${planner.grpcPort}`);
  heartbeat = startThrottleHeartbeat(scheduler.ctx.bus, ['local']);
  const { nc, names } = scheduler.ctx.bus;
  subscriptions.push(
    nc.subscribe(names.batchSubjects, {
      callback: (_error, message) => {
        largest.batches++;
        largest.batch = Math.max(largest.batch, message.data.length);
      },
    }),
    nc.subscribe(names.resultSubjects, {
      callback: (_error, message) => {
        largest.result = Math.max(largest.result, message.data.length);
      },
    }),
  );
  for (const id of ['exec-a', 'exec-b']) {
    executors.push(
      await startService('executor', {
        FLEETSHIFT_NATS_URL: scheduler.natsUrl,
        FLEETSHIFT_NATS_NAMESPACE: scheduler.namespace,
        FLEETSHIFT_EXECUTOR_ID: id,
        FLEETSHIFT_EXECUTOR_DISCOVERY_INTERVAL_MS: '500',
      }),
    );
  }
});

afterAll(async () => {
  for (const subscription of subscriptions) subscription.unsubscribe();
  heartbeat?.stop();
  await Promise.all(executors.map((e) => e.stop('SIGKILL')));
  await scheduler?.cleanup();
  await planner?.stop('SIGKILL');
});

describe('a plan larger than the bus max payload', { timeout: 400_000 }, () => {
  it('rolls out to every tenant of the batch; batch and result messages stay small', async () => {
    const blueprint = scheduler.blueprint('big');
    const tenants = await provisionFleet(scheduler, blueprint, 4);
    const v2 = await pushText(scheduler, blueprint, bigSchema());
    const rollout = await createRollout(scheduler.ctx, {
      blueprint, version: v2, selector: undefined, batchSize: 4, maxBatchesInFlight: 1, tenantConcurrency: 2, canary: false,
      failurePolicy: undefined, allowedHazards: [], dryRun: false,
    });
    const plans = await getPlans(scheduler.ctx.pool, rollout.id);
    expect(plans.size).toBe(1);
    const [plan] = plans.values();
    expect(Plan.encode(plan).finish().length).toBeGreaterThan(maxPayload);
    expect(plan.steps.length).toBeGreaterThanOrEqual(tables);

    const done = await waitFor(
      'the rollout finished',
      async () => (await getRollout(scheduler.ctx.pool, rollout.id))!,
      { accept: (r: Rollout) => [R.ROLLOUT_STATE_SUCCEEDED, R.ROLLOUT_STATE_FAILED, R.ROLLOUT_STATE_HALTED].includes(r.state), timeoutMs: 300_000 },
    );
    const states = (await listRolloutTenants(scheduler.ctx.pool, rollout.id, [], 100)).map((t) => [t.tenantId, T[t.state], t.error]);
    expect(states).toEqual(tenants.map((id) => [id, 'TENANT_ROLLOUT_STATE_SUCCEEDED', '']));
    expect(R[done.state]).toBe('ROLLOUT_STATE_SUCCEEDED');

    // From the tenants' side: every schema has each wide table with all its columns.
    const database = (await scheduler.query<{ datname: string }>('postgres', 'SELECT datname FROM pg_database WHERE datname LIKE $1', [`${blueprint}%`]))[0].datname;
    const counts = await scheduler.query<{ schema: string; tables: number; columns: number }>(
      database,
      `SELECT c.relnamespace::regnamespace::text AS schema, count(DISTINCT c.oid)::int AS tables, count(a.attnum)::int AS columns
         FROM pg_class c JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
        WHERE c.relkind = 'r' AND c.relname LIKE 'wide_table_%' GROUP BY 1 ORDER BY 1`,
    );
    expect(counts).toEqual(['t01', 't02', 't03', 't04'].map((schema) => ({ schema, tables, columns: tables * (columns + 1) })));

    // No message grew with the plan: the batch names its plan by id.
    expect(largest.batches).toBeGreaterThan(0);
    expect(largest.batch).toBeLessThan(16 * 1024);
    expect(largest.result).toBeLessThan(16 * 1024);
  });
});
