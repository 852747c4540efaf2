import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutState, schedulerClients, unary, type Rollout } from '@fleetshift/contracts';
import { getRollout, listBatches } from '@fleetshift/control-store';
import { checkHealth, startService, waitFor, type ServiceProcess } from '@fleetshift/testing';
import { provisionFleet, pushText } from '../testing/fleet.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { startSchedulerReplica, startTestExecutor } from '../testing/test-processes.js';
import { startThrottleHeartbeat } from '../testing/throttle-heartbeat.js';
import { leaderHealthService } from './leader-health.js';

// Scheduler high availability with real processes: schedulers on one control database elect a leader
// by an advisory lock; the leader is SIGKILLed (then, in the second test, frozen with SIGSTOP) in the
// middle of a rollout, another replica takes over, and every tenant is migrated exactly once — checked
// in the tenants' own ledgers.
const R = RolloutState;
const tenantCount = 40;
const schemaV2 = `CREATE TABLE users (id bigint PRIMARY KEY, email text NOT NULL, phone_number text);
CREATE TABLE orders (id bigint PRIMARY KEY, user_id bigint NOT NULL);`;
const schemaV3 = `${schemaV2}\nCREATE TABLE invoices (id bigint PRIMARY KEY, order_id bigint NOT NULL);`;

let planner: ServiceProcess;
let fixture: TestScheduler;
let heartbeat: ReturnType<typeof startThrottleHeartbeat>;
let blueprint: string;
const schedulers = new Map<string, ServiceProcess>();
const executors: ServiceProcess[] = [];

async function startReplica(id: string): Promise<ServiceProcess> {
  const replica = await startSchedulerReplica(fixture, planner.grpcPort, id);
  schedulers.set(id, replica);
  return replica;
}

const isLeader = async (replica: ServiceProcess) => (await checkHealth(`127.0.0.1:${replica.grpcPort}`, leaderHealthService)) === 'SERVING';
const logged = (replica: ServiceProcess, msg: string) => replica.logs.filter((line) => line.msg === msg).length;
const rolloutNow = async (id: string) => (await getRollout(fixture.ctx.pool, id))!;

beforeAll(async () => {
  planner = await startService('planner');
  fixture = await startTestScheduler(`127.0.0.1:${planner.grpcPort}`);
  // The fixture only provisions and reads; the scheduler processes run the rollouts.
  await fixture.engine.stop();
  heartbeat = startThrottleHeartbeat(fixture.ctx.bus, ['local']);
  blueprint = fixture.blueprint('ha');
  await provisionFleet(fixture, blueprint, tenantCount);
  await startReplica('sched-a');
  await startReplica('sched-b');
  for (const id of ['exec-a', 'exec-b']) executors.push(await startTestExecutor(fixture, id));
});

afterAll(async () => {
  heartbeat?.stop();
  for (const replica of schedulers.values()) {
    replica.process.kill('SIGCONT');
    await replica.stop('SIGKILL');
  }
  await Promise.all(executors.map((e) => e.stop('SIGKILL')));
  await fixture?.cleanup();
  await planner?.stop('SIGKILL');
});

/** The one leader among the live replicas, by their health (exactly one must say SERVING). */
async function theLeader(among: ServiceProcess[]): Promise<ServiceProcess> {
  return waitFor('exactly one leader', async () => {
    const leading = [];
    for (const replica of among) if (await isLeader(replica)) leading.push(replica);
    return leading.length === 1 ? leading[0] : undefined;
  });
}

/** Starts a rollout through a follower (every replica serves writes; the leader publishes). */
async function rolloutThrough(replica: ServiceProcess, version: number): Promise<Rollout> {
  const clients = schedulerClients(`127.0.0.1:${replica.grpcPort}`);
  try {
    const { rollout } = await unary(clients.rollouts, clients.rollouts.createRollout, {
      blueprint, version, selector: undefined, batchSize: 4, maxBatchesInFlight: 2, tenantConcurrency: 1, canary: false,
      failurePolicy: undefined, allowedHazards: [], dryRun: false,
    });
    return rollout!;
  } finally {
    for (const client of Object.values(clients)) client.close();
  }
}

/** Every tenant at `version`, recorded once in its own ledger, and its steps applied by one run only. */
async function expectAppliedOnce(rollout: Rollout, version: number): Promise<void> {
  const applied = await fixture.query<{ tenant_schema: string; n: number }>(
    blueprint,
    'SELECT tenant_schema, count(*)::int AS n FROM fleetshift.applied_versions WHERE version = $1 GROUP BY tenant_schema',
    [version],
  );
  expect(applied.length).toBe(tenantCount);
  expect(applied.filter((row) => row.n !== 1)).toEqual([]);
  const { rows } = await fixture.ctx.pool.query<{ tenant_id: string; n: number }>(
    `SELECT tenant_id, count(*)::int AS n FROM tenant_events WHERE rollout_id = $1 AND kind = 'succeeded' AND steps_applied > 0 GROUP BY tenant_id`,
    [rollout.id],
  );
  expect(rows.length).toBe(tenantCount);
  expect(rows.filter((row) => row.n !== 1)).toEqual([]);
  // No batch needed a new publication: the new leader went on with the same attempts.
  expect((await listBatches(fixture.ctx.pool, rollout.id)).filter((b) => b.attempt !== 1)).toEqual([]);
}

async function midRollout(id: string): Promise<void> {
  const seen = await waitFor('some tenants done, the rollout still running', () => rolloutNow(id), {
    accept: (r) => r.counts!.succeeded >= 8 || r.state !== R.ROLLOUT_STATE_RUNNING,
    timeoutMs: 120_000,
    intervalMs: 20,
  });
  const { rows: errors } = await fixture.ctx.pool.query<{ error: string }>(
    `SELECT DISTINCT error FROM rollout_tenants WHERE rollout_id = $1 AND error <> ''`,
    [id],
  );
  expect({ state: seen.state, errors: errors.map((e) => e.error) }).toEqual({ state: R.ROLLOUT_STATE_RUNNING, errors: [] });
  expect(seen.counts!.succeeded).toBeLessThan(tenantCount);
}

describe('scheduler failover', { timeout: 300_000 }, () => {
  it('SIGKILL of the leader mid-rollout: the other replica takes over and every tenant is migrated exactly once', async () => {
    const leader = await theLeader([...schedulers.values()]);
    const follower = [...schedulers.values()].find((s) => s !== leader)!;
    expect(logged(leader, 'leadership acquired: this scheduler runs publishing, the relay, the reaper and result ingestion')).toBe(1);
    expect(await isLeader(follower)).toBe(false);

    const v2 = await pushText(fixture, blueprint, schemaV2);
    const rollout = await rolloutThrough(follower, v2);
    expect(rollout.state).toBe(R.ROLLOUT_STATE_RUNNING);
    await midRollout(rollout.id);

    const killedAt = Date.now();
    await leader.stop('SIGKILL');
    schedulers.delete([...schedulers.entries()].find(([, s]) => s === leader)![0]);
    await waitFor('the follower leads', () => isLeader(follower), { timeoutMs: 60_000 });
    console.log(`failover after SIGKILL: the follower led ${Date.now() - killedAt} ms after the kill`);

    const done = await waitFor('rollout final', () => rolloutNow(rollout.id), { accept: (r) => r.state !== R.ROLLOUT_STATE_RUNNING, timeoutMs: 180_000 });
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    expect(done.counts).toMatchObject({ total: tenantCount, succeeded: tenantCount });
    await expectAppliedOnce(rollout, v2);
  });

  it('SIGSTOP of the leader mid-rollout: its session expires, another replica takes over, the thawed one steps down, every tenant migrated exactly once', async () => {
    await startReplica('sched-c');
    const leader = await theLeader([...schedulers.values()]);
    const follower = [...schedulers.values()].find((s) => s !== leader)!;

    const v3 = await pushText(fixture, blueprint, schemaV3);
    const rollout = await rolloutThrough(follower, v3);
    await midRollout(rollout.id);

    const frozenAt = Date.now();
    leader.process.kill('SIGSTOP');
    try {
      await waitFor('the follower leads', () => isLeader(follower), { timeoutMs: 60_000 });
      console.log(`failover after SIGSTOP: the follower led ${Date.now() - frozenAt} ms after the freeze`);
    } finally {
      leader.process.kill('SIGCONT');
    }
    // Thawed, the old leader finds its session ended by the server and stops its loops.
    await waitFor('the old leader steps down', () => logged(leader, 'leadership lost: background loops stopped') === 1, { timeoutMs: 60_000 });
    expect(await isLeader(leader)).toBe(false);

    const done = await waitFor('rollout final', () => rolloutNow(rollout.id), { accept: (r) => r.state !== R.ROLLOUT_STATE_RUNNING, timeoutMs: 180_000 });
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    await expectAppliedOnce(rollout, v3);
    expect(await theLeader([...schedulers.values()])).toBe(follower);
  });
});
