import { RolloutState, TenantRolloutState, ThrottleLevel } from '@fleetshift/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { waitFor } from '@fleetshift/testing';
import { TestBus } from './test-bus.js';
import { TestFleet } from './test-fleet.js';

const fleet = new TestFleet();
const bus = new TestBus();
const sampleIntervalMs = 500;
const cluster = 'hot';

beforeAll(async () => {
  await fleet.init();
  await bus.start('ext');
});
afterAll(async () => {
  await bus.stop();
  await fleet.drop();
});

/** Start times (RUNNING reports) of a rollout's tenants. */
function startTimes(rolloutId: string): number[] {
  return bus.results
    .filter((r) => r.rolloutId === rolloutId && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING)
    .map((r) => r.startedAt!.getTime());
}

function succeeded(rolloutId: string): number {
  return [...bus.latest(rolloutId).values()].filter((r) => r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_SUCCEEDED).length;
}

/** Waits for a log line of the executor, logged at or after `since`, whose message matches. */
function loggedSince(executor: { logs: Array<Record<string, unknown>> }, since: number, message: RegExp, reason?: RegExp): () => boolean {
  return () =>
    executor.logs.some(
      (l) => typeof l.time === 'string' && Date.parse(l.time) >= since && message.test(String(l.msg)) && (!reason || reason.test(String(l.reason))),
    );
}

describe('throttle signals', () => {
  it('no signal → nothing starts; THROTTLED → no new tenant within one interval; stale → throttled; OK → resumes', async () => {
    const tenants = await fleet.schemaTenants('thr', 40);
    // Each tenant takes at least 300 ms, so a throttle or a stale signal (a few intervals) always lands
    // while tenants remain: the test proves they wait, whatever the machine's speed.
    const plan = fleet.plan('schema', { extraStep: 'SELECT pg_sleep(0.3)' });
    const rollout = 'throttle';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    const executor = await bus.startExecutor(`${bus.names.namespace}-x`, { FLEETSHIFT_EXECUTOR_HOLD_MS: '120000' });
    await bus.publishBatches({ rolloutId: rollout, clusterId: cluster, tenants, plan, batchSize: 5, budget: 2, concurrency: 1 });

    // 1. No signal at all: the executor knows the cluster, does not pull, nothing starts.
    await waitFor('the executor to hold the unsignalled cluster', loggedSince(executor, 0, /not pulling its batches/, /no throttle signal/), { timeoutMs: 60_000 });
    expect(startTimes(rollout)).toEqual([]);
    const info = await bus.jsm.consumers.info(bus.names.batchStream, bus.names.clusterConsumer(cluster));
    expect(info.num_ack_pending).toBe(0);

    // 2. OK: tenants start.
    bus.heartbeat(cluster, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
    await waitFor('a few tenants done', () => succeeded(rollout) >= 3, { timeoutMs: 60_000 });

    // 3. THROTTLED: from the signal on (plus one sample interval) no tenant starts.
    bus.stopHeartbeat(cluster);
    const throttledAt = (await bus.signal(cluster, ThrottleLevel.THROTTLE_LEVEL_THROTTLED, sampleIntervalMs)).sampledAt!.getTime();
    bus.heartbeat(cluster, ThrottleLevel.THROTTLE_LEVEL_THROTTLED, sampleIntervalMs);
    await waitFor('the executor to hold the throttled cluster', loggedSince(executor, throttledAt, /not OK/, /THROTTLED/), { timeoutMs: 60_000 });
    const doneWhileThrottled = succeeded(rollout);
    // Everything in flight settles (a tenant in hand finishes), then nothing more starts.
    await waitFor('tenants in hand to finish', () => bus.results.filter((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING).length === succeeded(rollout), { timeoutMs: 60_000 });
    expect(startTimes(rollout).filter((t) => t > throttledAt + sampleIntervalMs)).toEqual([]);
    expect(succeeded(rollout)).toBeLessThan(tenants.length);
    expect(doneWhileThrottled).toBeGreaterThanOrEqual(3);

    // 4. OK again: resumes.
    bus.heartbeat(cluster, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
    const resumedFrom = succeeded(rollout);
    await waitFor('the rollout to resume', () => succeeded(rollout) >= resumedFrom + 3, { timeoutMs: 60_000 });

    // 5. The monitor goes silent: its last OK goes stale after three intervals → throttled.
    bus.stopHeartbeat(cluster);
    const lastOk = (await bus.signal(cluster, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs)).sampledAt!.getTime();
    const staleAt = lastOk + 3 * sampleIntervalMs;
    await waitFor('the executor to treat the stale signal as throttled', loggedSince(executor, staleAt, /not OK/, /stale/), { timeoutMs: 60_000 });
    await waitFor('tenants in hand to finish', () => bus.results.filter((r) => r.rolloutId === rollout && r.state === TenantRolloutState.TENANT_ROLLOUT_STATE_RUNNING).length === succeeded(rollout), { timeoutMs: 60_000 });
    expect(startTimes(rollout).filter((t) => t > staleAt + sampleIntervalMs)).toEqual([]);
    expect(succeeded(rollout)).toBeLessThan(tenants.length);

    // 6. The monitor is back: the rollout completes.
    bus.heartbeat(cluster, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
    await waitFor('every tenant done', () => succeeded(rollout) === tenants.length, { timeoutMs: 90_000 });
    const metrics = await (await fetch(`http://127.0.0.1:${executor.metricsPort}/metrics`)).text();
    expect(metrics).toMatch(/fleetshift_executor_tenants_total\{result="succeeded"[^}]*\} 40/);
    expect(metrics).toMatch(/fleetshift_executor_throttled_wait_seconds_total\{cluster="hot"/);
  });

  it('a PAUSED rollout starts no tenant; CANCELLED reports the rest CANCELLED and acks', async () => {
    const tenants = await fleet.schemaTenants('pause', 6);
    const plan = fleet.plan('schema');
    const rollout = 'paused';
    bus.heartbeat(cluster, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_PAUSED);
    const executor = bus.executors[0]!;
    const since = Date.now();
    await bus.publishBatches({ rolloutId: rollout, clusterId: cluster, tenants, plan, batchSize: 6, budget: 2, concurrency: 1 });
    await waitFor('the batch to wait for the paused rollout', loggedSince(executor, since, /batch started/), { timeoutMs: 60_000 });
    expect(bus.results.filter((r) => r.rolloutId === rollout)).toEqual([]);
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_CANCELLED);
    await waitFor('every tenant reported', () => bus.finalCount(rollout) === tenants.length, { timeoutMs: 60_000 });
    for (const result of bus.latest(rollout).values()) expect(result).toMatchObject({ state: TenantRolloutState.TENANT_ROLLOUT_STATE_CANCELLED, errorCode: 'CANCELLED' });
    await waitFor('the batch to be acked', async () => (await bus.jsm.consumers.info(bus.names.batchStream, bus.names.clusterConsumer(cluster))).num_ack_pending === 0, { timeoutMs: 60_000 });
  });

  it('the KV bucket alone is enough: THROTTLED there → no tenant starts; OK there → the batch runs', async () => {
    const tenants = await fleet.schemaTenants('kv', 4);
    const plan = fleet.plan('schema');
    const rollout = 'kv-only';
    const cold = 'cold';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    bus.heartbeat(cold, ThrottleLevel.THROTTLE_LEVEL_THROTTLED, sampleIntervalMs, true);
    const executor = bus.executors[0]!;
    const since = Date.now();
    await bus.publishBatches({ rolloutId: rollout, clusterId: cold, tenants, plan, batchSize: 4, budget: 2, concurrency: 1 });
    await waitFor('the executor to hold the throttled cluster', () =>
      executor.logs.some((l) => Date.parse(String(l.time)) >= since && l.clusterId === cold && /not pulling its batches/.test(String(l.msg)) && /THROTTLED/.test(String(l.reason))), { timeoutMs: 60_000 });
    expect(bus.results.filter((r) => r.rolloutId === rollout)).toEqual([]);
    const info = await bus.jsm.consumers.info(bus.names.batchStream, bus.names.clusterConsumer(cold));
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(1);

    bus.heartbeat(cold, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs, true);
    await waitFor('every tenant done', () => succeeded(rollout) === tenants.length, { timeoutMs: 60_000 });
    bus.stopHeartbeat(cold);
  });

  it('batches for a cluster without a consumer: the executor creates it, sized from the batch budget', async () => {
    const tenants = await fleet.schemaTenants('newc', 3);
    const plan = fleet.plan('schema');
    const rollout = 'new-cluster';
    const fresh = 'fresh';
    await bus.setRollout(rollout, RolloutState.ROLLOUT_STATE_RUNNING);
    bus.heartbeat(fresh, ThrottleLevel.THROTTLE_LEVEL_OK, sampleIntervalMs);
    await bus.publishBatches({ rolloutId: rollout, clusterId: fresh, tenants, plan, batchSize: 3, budget: 6, concurrency: 3, noConsumer: true });
    await waitFor('every tenant done', () => succeeded(rollout) === tenants.length, { timeoutMs: 60_000 });
    const info = await bus.jsm.consumers.info(bus.names.batchStream, bus.names.clusterConsumer(fresh));
    expect(info.config.max_ack_pending).toBe(2);
    expect(info.config.filter_subject).toBe(bus.names.batchSubject(fresh));
    bus.stopHeartbeat(fresh);
  });
});
