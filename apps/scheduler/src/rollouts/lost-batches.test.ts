import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutState, type Rollout } from '@fleetshift/contracts';
import { getRollout, listBatches } from '@fleetshift/control-store';
import { startService, waitFor, type ServiceProcess } from '@fleetshift/testing';
import { provisionFleet, pushText } from '../testing/fleet.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { startTestExecutor } from '../testing/test-processes.js';
import { startThrottleHeartbeat } from '../testing/throttle-heartbeat.js';
import { createRollout } from './create-rollout.js';
import { RolloutEngine } from './rollout-engine.js';

// The batch stream loses its messages mid-rollout (purged, as a NATS restart without a file store would):
// with the real planner and executor processes, the reaper publishes the lost batches again and every
// tenant ends at the target, its plan applied exactly once.
const R = RolloutState;
const schemaV2 = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone_number text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);
CREATE INDEX orders_user_id_idx ON orders (user_id);`;

let planner: ServiceProcess;
let scheduler: TestScheduler;
let heartbeat: ReturnType<typeof startThrottleHeartbeat>;
const executors: ServiceProcess[] = [];

beforeAll(async () => {
  planner = await startService('planner');
  scheduler = await startTestScheduler(`127.0.0.1:${planner.grpcPort}`);
  // A short overdue bound and a frequent reaper, so that the test does not wait minutes; JetStream's
  // answer (is any publication of the batch left?) is what keeps the reaper off batches merely waiting.
  await scheduler.engine.stop();
  scheduler.engine = new RolloutEngine(scheduler.ctx, { batchOverdueMs: 2_000, batchOverduePerTenantMs: 0, reapIntervalMs: 1_000 });
  await scheduler.engine.start();
  heartbeat = startThrottleHeartbeat(scheduler.ctx.bus, ['local']);
  for (const id of ['exec-a', 'exec-b']) executors.push(await startTestExecutor(scheduler, id));
});

afterAll(async () => {
  heartbeat?.stop();
  await Promise.all(executors.map((e) => e.stop('SIGKILL')));
  await scheduler?.cleanup();
  await planner?.stop('SIGKILL');
});

const rolloutNow = async (id: string) => (await getRollout(scheduler.ctx.pool, id))!;
const finalStates = [R.ROLLOUT_STATE_SUCCEEDED, R.ROLLOUT_STATE_FAILED, R.ROLLOUT_STATE_CANCELLED, R.ROLLOUT_STATE_HALTED];

describe('lost batches', { timeout: 300_000 }, () => {
  it('150 tenants, the batch stream purged mid-rollout: the lost batches are published again and every tenant reaches the target once', async () => {
    const blueprint = scheduler.blueprint('purge');
    const tenants = await provisionFleet(scheduler, blueprint, 150);
    const v2 = await pushText(scheduler, blueprint, schemaV2, ['INDEX_BUILD']);
    const rollout = await createRollout(scheduler.ctx, {
      blueprint, version: v2, selector: undefined, batchSize: 10, maxBatchesInFlight: 6, tenantConcurrency: 2, canary: false,
      failurePolicy: undefined, allowedHazards: ['INDEX_BUILD'], dryRun: false,
    });

    // Purge once some tenants are done while batches wait in the stream (6 in flight, 2 pulled at a time).
    const before = await waitFor('batches waiting in the stream mid-rollout', async () => {
      const r = await rolloutNow(rollout.id);
      const info = await scheduler.ctx.bus.jsm.streams.info(scheduler.ctx.bus.names.batchStream);
      return { succeeded: r.counts!.succeeded, waiting: info.state.messages, state: r.state };
    }, { accept: (seen) => (seen.succeeded >= 10 && seen.waiting >= 3) || finalStates.includes(seen.state), timeoutMs: 120_000 });
    expect(before.state).toBe(R.ROLLOUT_STATE_RUNNING);
    await scheduler.ctx.bus.jsm.streams.purge(scheduler.ctx.bus.names.batchStream);
    expect((await scheduler.ctx.bus.jsm.streams.info(scheduler.ctx.bus.names.batchStream)).state.messages).toBe(0);

    const done = await waitFor('rollout final', () => rolloutNow(rollout.id), {
      accept: (r: Rollout) => finalStates.includes(r.state),
      timeoutMs: 240_000,
    });
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    expect(done.counts!.succeeded + done.counts!.skipped).toBe(150);
    // The reaper published lost batches again (a later attempt).
    expect((await listBatches(scheduler.ctx.pool, rollout.id)).some((b) => b.attempt > 1)).toBe(true);

    // Every tenant at v2, recorded once in its ledger, its steps applied by one run only.
    const applied = await scheduler.query<{ tenant_schema: string; n: number }>(
      blueprint,
      'SELECT tenant_schema, count(*)::int AS n FROM fleetshift.applied_versions WHERE version = $1 GROUP BY tenant_schema',
      [v2],
    );
    expect(applied.length).toBe(150);
    expect(applied.every((row) => row.n === 1)).toBe(true);
    const { rows } = await scheduler.ctx.pool.query<{ tenant_id: string; n: number }>(
      `SELECT tenant_id, count(*)::int AS n FROM tenant_events WHERE rollout_id = $1 AND kind = 'succeeded' AND steps_applied > 0 GROUP BY tenant_id`,
      [rollout.id],
    );
    expect(rows.every((row) => row.n === 1)).toBe(true);
    const columns = await scheduler.query<{ n: number }>(
      blueprint,
      `SELECT count(*)::int AS n FROM information_schema.columns WHERE table_name = 'users' AND column_name = 'phone_number'`,
    );
    expect(columns[0].n).toBe(150);
    expect(tenants.length).toBe(150);
  });
});
