import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DriftPolicy, Plan, RolloutControl, RolloutState, TenantRolloutState, ThrottleLevel, type CreateRolloutRequest, type Rollout } from '@fleetshift/contracts';
import { decodeMessage, planIdOf } from '@fleetshift/bus';
import { countRolloutEvents, findActiveRollout, getPlans, getRollout, getTenants, listRolloutTenants } from '@fleetshift/control-store';
import { waitFor } from '@fleetshift/testing';
import { ExecutorDriver } from '../testing/executor-driver.js';
import { provisionFleet, pushText, schemaV1 } from '../testing/fleet.js';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { createRollout } from './create-rollout.js';
import { cancelRollout, pauseRollout, resumeRollout, retryFailed } from './rollout-actions.js';
import { RolloutEngine } from './rollout-engine.js';
import { startScheduler } from '../scheduler.js';
import { createLogger } from '@fleetshift/telemetry';
import { viewRollout } from './rollout-view.js';
import { startThrottleHeartbeat } from '../testing/throttle-heartbeat.js';

// The scheduler's side of a rollout on the real bus: batches are pulled from the cluster's durable
// consumer and results published on the results subject by a driver playing the executor.
const T = TenantRolloutState;
const R = RolloutState;
let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;
let driver: ExecutorDriver;
let blueprint: string;
let tenants: string[];
let nextVersion = 2;

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
  driver = new ExecutorDriver(scheduler.ctx.bus);
  blueprint = scheduler.blueprint('life');
  tenants = await provisionFleet(scheduler, blueprint, 7);
});

afterEach(async () => {
  // A failed test must not leave its rollout holding the blueprint's active slot.
  const active = await findActiveRollout(scheduler.ctx.pool, blueprint);
  if (active) await cancelRollout(scheduler.ctx, active.id);
  while ((await driver.pull('local', 100, 1000)).length > 0);
});

afterAll(async () => {
  await scheduler?.cleanup();
  await planner?.stop();
});

/** Pushes a new version (one more table) and starts a rollout of it over every tenant. */
async function startRollout(overrides: Partial<CreateRolloutRequest> = {}): Promise<Rollout> {
  const extra = Array.from({ length: nextVersion - 1 }, (_, i) => `CREATE TABLE extra_${i} (id int);`).join('\n');
  const version = await pushText(scheduler, blueprint, `${schemaV1}\n${extra}`);
  nextVersion++;
  return createRollout(scheduler.ctx, {
    blueprint, version, selector: undefined, batchSize: 3, maxBatchesInFlight: 2, tenantConcurrency: 2, canary: false,
    failurePolicy: undefined, allowedHazards: [], dryRun: false, ...overrides,
  });
}

const rolloutNow = async (id: string) => (await getRollout(scheduler.ctx.pool, id))!;
/** The id (content hash) batches give the plan the control DB keeps under `planKey`. */
const storedPlanId = async (rolloutId: string, planKey: string) => planIdOf(Plan.encode((await getPlans(scheduler.ctx.pool, rolloutId, [planKey])).get(planKey)!).finish());
const waitRollout = (id: string, accept: (r: Rollout) => boolean, what: string) => waitFor(what, () => rolloutNow(id), { accept });
async function controlState(id: string): Promise<RolloutState> {
  const entry = await scheduler.ctx.bus.rollouts.get(id);
  return decodeMessage(RolloutControl, entry!.value).state;
}

describe('a rollout on the bus', () => {
  it('keeps at most max_batches_in_flight batches unfinished, publishes the next as one finishes, and ignores duplicate results (their lock retries too)', async () => {
    const rollout = await startRollout();
    await waitRollout(rollout.id, (r) => r.batchesPublished === 2, 'two batches published');
    const first = await driver.pull('local', 10);
    expect(first.map((job) => [job.batchNumber, job.attempt, job.tasks.length, new Set(job.tasks.map((t) => t.planKey)).size])).toEqual([
      [1, 1, 3, 1],
      [2, 1, 3, 1],
    ]);
    expect(first[0].tasks[0].target?.schema).toBe('t01');
    expect((await rolloutNow(rollout.id)).batchesPublished).toBe(2);

    const SUCCEEDED = T.TENANT_ROLLOUT_STATE_SUCCEEDED;
    await driver.complete(first[0], SUCCEEDED, [], { lockRetries: 2 });
    await waitRollout(rollout.id, (r) => r.batchesPublished === 3, 'batch 3 published after batch 1 finished');
    const third = await driver.pull('local', 10);
    expect(third.map((job) => [job.batchNumber, job.tasks.length])).toEqual([[3, 1]]);

    const successes = await countRolloutEvents(scheduler.ctx.pool, rollout.id, 'succeeded');
    await driver.complete(first[0], SUCCEEDED, [], { lockRetries: 2 }); // the same reports delivered again
    await driver.complete(first[1], SUCCEEDED, [], { lockRetries: 1 });
    await driver.complete(third[0]);
    const done = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'rollout succeeded');
    expect(done.counts).toMatchObject({ total: 7, succeeded: 7, failed: 0 });
    expect(await controlState(rollout.id)).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    const after = await countRolloutEvents(scheduler.ctx.pool, rollout.id, 'succeeded');
    expect([...successes.values()].every((n) => n === 1)).toBe(true);
    expect([...after.values()]).toEqual(Array(7).fill(1));
    // results are handled in stream order: the duplicates were handled before the last result finished the rollout
    const lockRetries = (await listRolloutTenants(scheduler.ctx.pool, rollout.id, [], 10)).map((t) => [t.tenantId, t.lockRetries]);
    const batchOf = (id: string) => [...first, ...third].find((job) => job.tasks.some((task) => task.tenantId === id))!.batchNumber;
    expect(lockRetries).toEqual([...tenants].sort().map((id) => [id, ({ 1: 2, 2: 1, 3: 0 } as Record<number, number>)[batchOf(id)]]));
    expect(done.lockRetries).toBe(3 * 2 + 3 * 1);
    const recorded = await getTenants(scheduler.ctx.pool, tenants);
    expect([...recorded.values()].map((t) => t.version)).toEqual(Array(7).fill(rollout.version));
  });

  it('halts when failures reach the policy limit, with the reason in the rollout; RetryFailed queues only the failed tenants', async () => {
    const rollout = await startRollout({ maxBatchesInFlight: 1, failurePolicy: { maxFailedTenants: 2, maxFailureRatio: 0, onDrift: 0 } });
    const [job] = await waitFor('batch 1', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    await driver.complete(job, T.TENANT_ROLLOUT_STATE_SUCCEEDED, [job.tasks[0].tenantId, job.tasks[1].tenantId]);
    const halted = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_HALTED, 'halted');
    expect(halted.haltReason).toMatch(/2 tenant\(s\) failed, reaching the failure policy's limit of 2/);
    expect(halted.haltReason).toContain(`tenant ${job.tasks[0].tenantId}: UNREACHABLE: connection refused`);
    expect(await controlState(rollout.id)).toBe(R.ROLLOUT_STATE_HALTED);
    expect(halted.batchesPublished).toBe(1);

    const retried = await retryFailed(scheduler.ctx, rollout.id);
    expect(retried).toBe(2);
    await scheduler.engine.kick(rollout.id);
    const [again] = await waitFor('batch 1 again', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    expect([again.batchNumber, again.attempt, again.tasks.map((t) => t.tenantId)]).toEqual([1, 2, [job.tasks[0].tenantId, job.tasks[1].tenantId]]);
    const rows = await listRolloutTenants(scheduler.ctx.pool, rollout.id, [], 100);
    expect(rows.find((t) => t.tenantId === job.tasks[0].tenantId)?.attempts).toBe(2);
    expect(rows.find((t) => t.tenantId === job.tasks[2].tenantId)?.attempts).toBe(1);

    await driver.complete(again);
    for (let n = 0; n < 2; n++) {
      const [next] = await waitFor('next batch', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
      await driver.complete(next);
    }
    const done = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'succeeded after retry');
    expect(done.counts).toMatchObject({ succeeded: 7, failed: 0 });
  });

  it('publishes nothing while paused, continues on resume, and cancels the tenants not started', async () => {
    const rollout = await startRollout({ maxBatchesInFlight: 1 });
    const [job] = await waitFor('batch 1', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    await pauseRollout(scheduler.ctx, rollout.id);
    expect(await controlState(rollout.id)).toBe(R.ROLLOUT_STATE_PAUSED);
    await driver.complete(job);
    await waitRollout(rollout.id, (r) => r.counts!.succeeded === 3, 'batch 1 results applied');
    await scheduler.engine.kick(rollout.id);
    expect((await rolloutNow(rollout.id)).batchesPublished).toBe(1);
    expect(await driver.pull('local', 10, 1000)).toEqual([]);

    await resumeRollout(scheduler.ctx, rollout.id);
    await scheduler.engine.kick(rollout.id);
    expect(await controlState(rollout.id)).toBe(R.ROLLOUT_STATE_RUNNING);
    const [second] = await waitFor('batch 2 after resume', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    await driver.report(second, second.tasks[0].tenantId, T.TENANT_ROLLOUT_STATE_RUNNING);
    await driver.report(second, second.tasks[1].tenantId, T.TENANT_ROLLOUT_STATE_RUNNING);
    await waitRollout(rollout.id, (r) => r.counts!.running === 2, 'two tenants running');

    await cancelRollout(scheduler.ctx, rollout.id);
    expect(await controlState(rollout.id)).toBe(R.ROLLOUT_STATE_CANCELLED);
    const cancelled = await rolloutNow(rollout.id);
    expect(cancelled.state).toBe(R.ROLLOUT_STATE_CANCELLED);
    expect(cancelled.counts).toMatchObject({ succeeded: 3, running: 2, cancelled: 2 });
    await driver.report(second, second.tasks[0].tenantId, T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    // The other one's run was rolled back (a CRITICAL cancel in its first unit, a killed executor): the
    // executor found it where the plan starts and reports it CANCELLED — it must not stay RUNNING.
    await driver.report(second, second.tasks[1].tenantId, T.TENANT_ROLLOUT_STATE_CANCELLED, { errorCode: 'CANCELLED', startedAt: undefined });
    const settled = await waitRollout(rollout.id, (r) => r.counts!.running === 0, 'no tenant left running');
    expect(settled.counts).toMatchObject({ succeeded: 4, running: 0, cancelled: 3 });
  });

  it('halts after a failed canary batch and publishes no other batch', async () => {
    const rollout = await startRollout({ canary: true, maxBatchesInFlight: 3 });
    await waitRollout(rollout.id, (r) => r.batchesPublished === 1, 'canary published');
    const [canary] = await driver.pull('local', 10);
    expect(canary.batchNumber).toBe(1);
    await driver.complete(canary, T.TENANT_ROLLOUT_STATE_SUCCEEDED, [canary.tasks[2].tenantId]);
    const halted = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_HALTED, 'halted by canary');
    expect(halted.haltReason).toMatch(/canary batch \(batch 1\) had 1 failed tenant/);
    expect(halted.batchesPublished).toBe(1);
    await cancelRollout(scheduler.ctx, rollout.id);
  });

  it('re-plans a drifted tenant from its live state and queues it alone; with FAIL it fails with the drift error', async () => {
    const rollout = await startRollout({ batchSize: 7, maxBatchesInFlight: 1 });
    const [job] = await waitFor('batch 1', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    const drifted = job.tasks[0].tenantId;
    for (const task of job.tasks.slice(1)) await driver.report(job, task.tenantId, T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    await driver.report(job, drifted, T.TENANT_ROLLOUT_STATE_FAILED, { error: 'live fingerprint abc, expected def', errorCode: 'DRIFT' });
    const [replanned] = await waitFor('re-planned batch', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    expect([replanned.batchNumber, replanned.tasks.map((t) => t.tenantId), replanned.tasks[0].planKey]).toEqual([2, [drifted], await storedPlanId(rollout.id, `live:${drifted}:2`)]);
    await driver.complete(replanned);
    await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'succeeded');

    const failing = await startRollout({ batchSize: 7, failurePolicy: { maxFailedTenants: 0, maxFailureRatio: 0, onDrift: DriftPolicy.DRIFT_POLICY_FAIL } });
    const [job2] = await waitFor('batch 1', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    for (const task of job2.tasks.slice(1)) await driver.report(job2, task.tenantId, T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    await driver.report(job2, job2.tasks[0].tenantId, T.TENANT_ROLLOUT_STATE_FAILED, { error: 'live fingerprint abc, expected def', errorCode: 'DRIFT' });
    const failed = await waitRollout(failing.id, (r) => r.state === R.ROLLOUT_STATE_FAILED, 'failed');
    expect(failed.counts).toMatchObject({ succeeded: 6, failed: 1 });
    const [row] = await listRolloutTenants(scheduler.ctx.pool, failing.id, [T.TENANT_ROLLOUT_STATE_FAILED], 10);
    expect([row.tenantId, row.errorCode, row.error]).toEqual([job2.tasks[0].tenantId, 'DRIFT', 'live fingerprint abc, expected def']);
    expect(failed.haltReason).toMatch(/1 tenant\(s\) failed/);
  });

  it('publishes no batch for a throttled cluster, shows the throttle in the rollout, and goes on once it is OK', async () => {
    const heartbeat = startThrottleHeartbeat(scheduler.ctx.bus, ['local']);
    try {
      heartbeat.set(ThrottleLevel.THROTTLE_LEVEL_THROTTLED);
      const rollout = await startRollout({ maxBatchesInFlight: 3 });
      await scheduler.engine.kick(rollout.id);
      await scheduler.engine.kick(rollout.id);
      const throttled = await viewRollout(scheduler.ctx, rollout.id);
      expect(throttled.batchesPublished).toBe(0);
      expect(throttled.throttles.map((t) => [t.clusterId, t.level, t.signal])).toEqual([['local', ThrottleLevel.THROTTLE_LEVEL_THROTTLED, 'manual']]);
      expect(throttled.throttledSeconds).toBeGreaterThan(0);

      heartbeat.set(ThrottleLevel.THROTTLE_LEVEL_OK);
      await waitRollout(rollout.id, (r) => r.batchesPublished === 3, 'batches published once OK');
      expect((await viewRollout(scheduler.ctx, rollout.id)).throttles).toEqual([]);
      heartbeat.stop();
      // The monitor is gone: its last signal goes stale and counts as THROTTLED.
      const stale = await waitFor('stale signal', () => viewRollout(scheduler.ctx, rollout.id), { accept: (r) => r.throttles.length === 1 });
      expect(stale.throttles[0].signal).toBe('stale');
      for (const job of await driver.pull('local', 10)) await driver.complete(job);
      await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'succeeded');
    } finally {
      heartbeat.stop();
      await scheduler.ctx.bus.throttles.purge('local');
    }
  });

  it('two schedulers on the same control plane publish each batch once and apply each result once', async () => {
    const second = await startScheduler(
      { controlDbUrl: scheduler.control.url, natsUrl: scheduler.natsUrl, namespace: scheduler.namespace, plannerAddr: planner.address, missingThrottleSignal: 'ok', leaderElection: false },
      createLogger('scheduler-test-2', 'silent'),
    );
    try {
      const rollout = await startRollout({ batchSize: 2, maxBatchesInFlight: 4 });
      const seen: number[] = [];
      while (seen.length < 4) {
        const jobs = await driver.pull('local', 10);
        for (const job of jobs) {
          seen.push(job.batchNumber);
          await second.engine.kick(rollout.id);
          await driver.complete(job);
        }
      }
      const done = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'succeeded');
      expect(seen.sort()).toEqual([1, 2, 3, 4]);
      expect(await driver.pull('local', 10, 1000)).toEqual([]);
      expect(done.counts).toMatchObject({ total: 7, succeeded: 7 });
      const started = await countRolloutEvents(scheduler.ctx.pool, rollout.id, 'started');
      expect([...started.values()]).toEqual(Array(7).fill(1));
    } finally {
      await second.close();
    }
  });

  it('a restarted engine loses no result and goes on publishing (state lives in PostgreSQL)', async () => {
    const rollout = await startRollout({ maxBatchesInFlight: 1 });
    const [job] = await waitFor('batch 1', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
    await scheduler.engine.stop();
    await driver.complete(job);
    expect((await rolloutNow(rollout.id)).counts?.succeeded).toBe(0);
    scheduler.engine = new RolloutEngine(scheduler.ctx);
    await scheduler.engine.start();
    await waitRollout(rollout.id, (r) => r.counts!.succeeded === 3 && r.batchesPublished === 2, 'results applied and batch 2 published');
    for (let n = 0; n < 2; n++) {
      const [next] = await waitFor('next batch', () => driver.pull('local', 10), { accept: (jobs) => jobs.length === 1 });
      await driver.complete(next);
    }
    await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'succeeded');
  });
});
