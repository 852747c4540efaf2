import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutState, schedulerClients, unary, type Rollout } from '@fleetshift/contracts';
import { getRollout } from '@fleetshift/control-store';
import { checkHealth, startService, waitFor, type ServiceProcess } from '@fleetshift/testing';
import { provisionFleet, pushText } from '../testing/fleet.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { startSchedulerReplica, startTestExecutor } from '../testing/test-processes.js';
import { startThrottleHeartbeat } from '../testing/throttle-heartbeat.js';
import { leaderHealthService } from './leader-health.js';

// A control-database restart, as the scheduler process meets it: every one of its sessions ends — the
// pool's (idle, or checked out in a transaction) and the election's. The sessions are ended here by
// pg_terminate_backend, again and again while a rollout runs (the chaos harness restarts a real server).
// The scheduler used to exit on the first one (a lost checked-out session was an uncaught exception);
// it must stay up, step down when its election session goes, campaign again, lead again and finish
// the rollout, every tenant migrated once.
const R = RolloutState;
const tenantCount = 30;
const schemaV2 = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone_number text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);`;

let planner: ServiceProcess;
let fixture: TestScheduler;
let heartbeat: ReturnType<typeof startThrottleHeartbeat>;
let scheduler: ServiceProcess;
let admin: pg.Client;
let blueprint: string;
const executors: ServiceProcess[] = [];

beforeAll(async () => {
  planner = await startService('planner');
  fixture = await startTestScheduler(`127.0.0.1:${planner.grpcPort}`);
  await fixture.engine.stop(); // the fixture provisions and reads; the scheduler process runs the rollout
  heartbeat = startThrottleHeartbeat(fixture.ctx.bus, ['local']);
  blueprint = fixture.blueprint('outage');
  await provisionFleet(fixture, blueprint, tenantCount);
  admin = new pg.Client({ connectionString: fixture.control.url, application_name: 'fleetshift-test-terminator' });
  await admin.connect();
  scheduler = await startSchedulerReplica(fixture, planner.grpcPort, 'sched-outage');
  for (const id of ['exec-a', 'exec-b']) executors.push(await startTestExecutor(fixture, id));
});

afterAll(async () => {
  heartbeat?.stop();
  await scheduler?.stop('SIGKILL');
  await Promise.all(executors.map((e) => e.stop('SIGKILL')));
  await admin?.end();
  await fixture?.cleanup();
  await planner?.stop('SIGKILL');
});

const isLeader = async () => (await checkHealth(`127.0.0.1:${scheduler.grpcPort}`, leaderHealthService)) === 'SERVING';
const logged = (msg: string) => scheduler.logs.filter((line) => line.msg === msg).length;
const rolloutNow = async (id: string) => (await getRollout(fixture.ctx.pool, id))!;

/** Ends every session of the scheduler process on its control database (pool and election). */
async function terminateSchedulerSessions(): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(
    `SELECT count(pg_terminate_backend(pid))::int AS n FROM pg_stat_activity
      WHERE datname = current_database() AND application_name LIKE 'fleetshift-scheduler%'`,
  );
  return rows[0].n;
}

async function createRollout(version: number): Promise<Rollout> {
  const clients = schedulerClients(`127.0.0.1:${scheduler.grpcPort}`);
  try {
    const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, {
      blueprint, version, selector: undefined, batchSize: 3, maxBatchesInFlight: 2, tenantConcurrency: 1, canary: false,
      failurePolicy: undefined, allowedHazards: [], dryRun: false,
    });
    return rollout!;
  } finally {
    for (const client of Object.values(clients)) client.close();
  }
}

describe('control database sessions lost mid-rollout', { timeout: 300_000 }, () => {
  it('the scheduler stays up, steps down, leads again and finishes the rollout, every tenant migrated once', async () => {
    await waitFor('the scheduler leads', isLeader, { timeoutMs: 30_000 });
    const v2 = await pushText(fixture, blueprint, schemaV2);
    const rollout = await createRollout(v2);
    await waitFor('some tenants done', () => rolloutNow(rollout.id), { accept: (r) => r.counts!.succeeded >= 3, timeoutMs: 120_000, intervalMs: 20 });

    // Every session ended, every 200 ms for 4 s: some of them checked out, in a transaction or a statement.
    let terminated = 0;
    for (let round = 0; round < 20; round++) {
      terminated += await terminateSchedulerSessions();
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
    expect(scheduler.process.exitCode, 'the scheduler process exited').toBeNull();
    expect(terminated).toBeGreaterThanOrEqual(10);
    expect(logged('control database session lost')).toBeGreaterThan(0);
    expect(logged('leadership lost: background loops stopped')).toBeGreaterThan(0);

    await waitFor('the scheduler leads again', isLeader, { timeoutMs: 60_000 });
    expect(logged('leadership acquired: this scheduler runs publishing, the relay, the reaper and result ingestion')).toBeGreaterThan(1);
    const done = await waitFor('rollout final', () => rolloutNow(rollout.id), { accept: (r) => r.state !== R.ROLLOUT_STATE_RUNNING, timeoutMs: 180_000 });
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    expect(done.counts).toMatchObject({ total: tenantCount, succeeded: tenantCount });
    const applied = await fixture.query<{ tenant_schema: string; n: number }>(
      blueprint,
      'SELECT tenant_schema, count(*)::int AS n FROM fleetshift.applied_versions WHERE version = $1 GROUP BY tenant_schema',
      [v2],
    );
    expect(applied.length).toBe(tenantCount);
    expect(applied.filter((row) => row.n !== 1)).toEqual([]);
    expect(scheduler.process.exitCode, 'the scheduler process exited').toBeNull();
  });
});
