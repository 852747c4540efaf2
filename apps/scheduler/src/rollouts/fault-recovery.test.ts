import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BatchJob, TenantResult, TenantRolloutState, RolloutState, type CreateRolloutRequest, type Rollout } from '@fleetshift/contracts';
import { decodeMessage } from '@fleetshift/bus';
import { findActiveRollout, getRollout, listBatches, listRolloutTenants, listTenantEvents } from '@fleetshift/control-store';
import { waitFor } from '@fleetshift/testing';
import { ExecutorDriver } from '../testing/executor-driver.js';
import { provisionFleet, pushText, schemaV1 } from '../testing/fleet.js';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { createRollout } from './create-rollout.js';
import { cancelRollout, retryFailed } from './rollout-actions.js';
import { RolloutEngine } from './rollout-engine.js';

// Faults of the bus, on the real bus with a driver playing the executor: a batch lost from the stream is
// published again by the reaper; reports of an earlier attempt never move a tenant; a batch no executor
// acknowledges is dead-lettered after max_deliver deliveries and its tenants fail; RetryFailed runs them.
const T = TenantRolloutState;
const R = RolloutState;
let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;
let driver: ExecutorDriver;
let blueprint: string;
let nextVersion = 2;

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
  // Every batch is overdue as soon as it is silent; the reaper runs only when a test calls reap().
  await scheduler.engine.stop();
  scheduler.engine = new RolloutEngine(scheduler.ctx, { batchOverdueMs: 1, batchOverduePerTenantMs: 0, reapIntervalMs: 3_600_000, maxDeliver: 3 });
  await scheduler.engine.start();
  driver = new ExecutorDriver(scheduler.ctx.bus);
  blueprint = scheduler.blueprint('fault');
  await provisionFleet(scheduler, blueprint, 7);
});

afterEach(async () => {
  const active = await findActiveRollout(scheduler.ctx.pool, blueprint);
  if (active) await cancelRollout(scheduler.ctx, active.id);
  while ((await driver.pull('local', 100, 1000)).length > 0);
});

afterAll(async () => {
  await scheduler?.cleanup();
  await planner?.stop();
});

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
const waitRollout = (id: string, accept: (r: Rollout) => boolean, what: string) => waitFor(what, () => rolloutNow(id), { accept });
const tenantState = async (rolloutId: string, tenantId: string) =>
  (await listRolloutTenants(scheduler.ctx.pool, rolloutId, [], 100)).find((t) => t.tenantId === tenantId)!;
const batchAttempts = async (rolloutId: string) => (await listBatches(scheduler.ctx.pool, rolloutId)).map((b) => [b.batchNumber, b.state, b.attempt]);

/** A report as an executor would send it for one tenant of `job` (handled at once, in order). */
function result(job: BatchJob, tenantId: string, state: TenantRolloutState, extra: Partial<TenantResult> = {}): TenantResult {
  return TenantResult.fromPartial({
    rolloutId: job.rolloutId,
    batchNumber: job.batchNumber,
    attempt: job.attempt,
    tenantId,
    state,
    executorId: `exec-${job.attempt}`,
    targetVersion: job.targetVersion,
    fingerprint: state === T.TENANT_ROLLOUT_STATE_SUCCEEDED ? 'target' : '',
    startedAt: new Date(1_700_000_000_000 + job.attempt * 10_000),
    finishedAt: state === T.TENANT_ROLLOUT_STATE_RUNNING ? undefined : new Date(1_700_000_001_000 + job.attempt * 10_000),
    ...extra,
  });
}

describe('fault recovery', () => {
  it('a batch lost from the stream is published again with the next attempt; one still in the stream is left alone; reports are fenced by attempt', async () => {
    const rollout = await startRollout();
    await waitRollout(rollout.id, (r) => r.batchesPublished === 2, 'two batches published');
    const [lost, second] = await driver.pull('local', 2);
    expect([lost.batchNumber, lost.attempt, second.batchNumber]).toEqual([1, 1, 2]);
    const [a, b, c] = lost.tasks.map((t) => t.tenantId);
    // Batch 1 ran a while and then vanished with its executor (acked by the pull, so gone from the stream).
    await scheduler.engine.handleResult(result(lost, a, T.TENANT_ROLLOUT_STATE_RUNNING));
    await driver.complete(second);
    await waitRollout(rollout.id, (r) => r.batchesPublished === 3, 'batch 3 published after batch 2 finished');

    // Batch 3 waits in the stream (nobody pulled it): silent, but not lost. Batch 1 is only suspected on
    // the first pass, and published again on a later one (every result sent before it vanished applied).
    await scheduler.engine.reap();
    expect((await batchAttempts(rollout.id)).find(([n]) => n === 1)).toEqual([1, 'published', 1]);
    await waitFor('batch 1 published again', async () => {
      await scheduler.engine.reap();
      return batchAttempts(rollout.id);
    }, {
      accept: (batches) => batches.some(([n, state, attempt]) => n === 1 && state === 'published' && attempt === 2),
    });
    expect((await batchAttempts(rollout.id)).find(([n]) => n === 3)).toEqual([3, 'published', 1]);
    const pulled = await driver.pull('local', 2);
    const again = pulled.find((job) => job.batchNumber === 1)!;
    expect([again.attempt, again.tasks.map((t) => t.tenantId)]).toEqual([2, [a, b, c]]);
    expect(await tenantState(rollout.id, a)).toMatchObject({ state: T.TENANT_ROLLOUT_STATE_QUEUED, attempts: 2 });

    // A late FAILED of attempt 1 while attempt 2 is queued: history only.
    await scheduler.engine.handleResult(result(lost, a, T.TENANT_ROLLOUT_STATE_FAILED, { error: 'connection lost', errorCode: 'UNREACHABLE' }));
    expect((await tenantState(rollout.id, a)).state).toBe(T.TENANT_ROLLOUT_STATE_QUEUED);
    for (const id of [a, b, c]) {
      await scheduler.engine.handleResult(result(again, id, T.TENANT_ROLLOUT_STATE_RUNNING));
      await scheduler.engine.handleResult(result(again, id, T.TENANT_ROLLOUT_STATE_SUCCEEDED, { stepsApplied: 1 }));
    }
    // A late FAILED (and RUNNING) of attempt 1 after attempt 2 succeeded: the success stays.
    await scheduler.engine.handleResult(result(lost, b, T.TENANT_ROLLOUT_STATE_FAILED, { error: 'late', errorCode: 'INTERNAL', finishedAt: new Date(1_700_000_099_000) }));
    await scheduler.engine.handleResult(result(lost, c, T.TENANT_ROLLOUT_STATE_RUNNING, { startedAt: new Date(1_700_000_098_000) }));
    for (const id of [a, b, c]) expect(await tenantState(rollout.id, id)).toMatchObject({ state: T.TENANT_ROLLOUT_STATE_SUCCEEDED, error: '' });
    const history = await listTenantEvents(scheduler.ctx.pool, b, rollout.id, 100);
    expect(history.map((e) => e.error).filter(Boolean)).toEqual(['late']);

    // The rest (batch 3) goes through.
    for (const job of pulled.filter((j) => j.batchNumber !== 1)) await driver.complete(job);
    const done = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED || r.state === R.ROLLOUT_STATE_FAILED, 'rollout final');
    expect(done.state).toBe(R.ROLLOUT_STATE_SUCCEEDED);
    expect(done.counts!.succeeded).toBe(7);
  });

  it('a batch acked whose results still wait for a scheduler that is behind is not published again', async () => {
    const rollout = await startRollout();
    await waitRollout(rollout.id, (r) => r.batchesPublished === 2, 'two batches published');
    // The scheduler stops applying results (a loaded machine, taken to the extreme); its reaper goes on.
    const settings = { batchOverdueMs: 1, batchOverduePerTenantMs: 0, reapIntervalMs: 3_600_000, maxDeliver: 3 };
    await scheduler.engine.stop();
    const behind = new RolloutEngine(scheduler.ctx, settings);
    // An executor runs batch 1 to the end: results published, then the batch acked (gone from the stream).
    const [job] = await driver.pull('local', 1);
    await driver.complete(job);
    for (let pass = 0; pass < 3; pass++) {
      await behind.reap();
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    expect((await batchAttempts(rollout.id)).find(([n]) => n === job.batchNumber)).toEqual([job.batchNumber, 'published', 1]);

    // Once the results are applied, the batch is finished at its first attempt, and a reaper pass leaves it.
    scheduler.engine = new RolloutEngine(scheduler.ctx, settings);
    await scheduler.engine.start();
    await waitFor('batch 1 finished', () => batchAttempts(rollout.id), {
      accept: (batches) => batches.some(([n, state]) => n === job.batchNumber && state !== 'published'),
    });
    await scheduler.engine.reap();
    await scheduler.engine.reap();
    expect((await batchAttempts(rollout.id)).find(([n]) => n === job.batchNumber)![2]).toBe(1);
    for (const task of job.tasks) expect((await tenantState(rollout.id, task.tenantId)).state).toBe(T.TENANT_ROLLOUT_STATE_SUCCEEDED);
  });

  it('a RUNNING delivered again after the tenant was cancelled leaves it CANCELLED', async () => {
    const rollout = await startRollout();
    await waitRollout(rollout.id, (r) => r.batchesPublished === 2, 'two batches published');
    const [job] = await driver.pull('local', 1);
    const tenant = job.tasks[0].tenantId;
    await cancelRollout(scheduler.ctx, rollout.id);
    expect((await tenantState(rollout.id, tenant)).state).toBe(T.TENANT_ROLLOUT_STATE_CANCELLED);
    await scheduler.engine.handleResult(result(job, tenant, T.TENANT_ROLLOUT_STATE_RUNNING));
    await scheduler.engine.handleResult(result(job, tenant, T.TENANT_ROLLOUT_STATE_RUNNING, { executorId: 'redelivered' }));
    expect((await tenantState(rollout.id, tenant)).state).toBe(T.TENANT_ROLLOUT_STATE_CANCELLED);
    expect((await rolloutNow(rollout.id)).counts).toMatchObject({ running: 0, cancelled: 7 });
  });

  it('a batch no executor acknowledges is dead-lettered after max_deliver deliveries: its tenants FAILED, the rollout ends, RetryFailed runs them', async () => {
    const rollout = await startRollout({ maxBatchesInFlight: 1 });
    await waitRollout(rollout.id, (r) => r.batchesPublished === 1, 'batch 1 published');
    const consumer = await scheduler.ctx.bus.js.consumers.get(scheduler.ctx.bus.names.batchStream, scheduler.ctx.bus.names.clusterConsumer('local'));
    const poisonTenants = new Set<string>();
    let naks = 0;
    let batches = 0;
    // An executor that NAKs batch 1 every time, and runs every other batch.
    const final = await waitFor('rollout final', async () => {
      const message = await consumer.next({ expires: 1000 });
      if (message) {
        const job = decodeMessage(BatchJob, message.data);
        if (job.batchNumber === 1) {
          naks++;
          job.tasks.forEach((t) => poisonTenants.add(t.tenantId));
          message.nak();
        } else {
          message.ack();
          batches++;
          await driver.complete(job);
        }
      }
      return rolloutNow(rollout.id);
    }, { accept: (r) => r.state !== R.ROLLOUT_STATE_RUNNING, timeoutMs: 60_000 });
    expect(naks).toBe(3);
    expect(batches).toBe(2);
    expect(final.state).toBe(R.ROLLOUT_STATE_FAILED);
    expect(final.counts).toMatchObject({ failed: 3, succeeded: 4 });
    const failed = await listRolloutTenants(scheduler.ctx.pool, rollout.id, [T.TENANT_ROLLOUT_STATE_FAILED], 100);
    expect(failed.map((t) => t.tenantId).sort()).toEqual([...poisonTenants].sort());
    for (const tenant of failed) {
      expect(tenant.errorCode).toBe('DEAD_LETTERED');
      expect(tenant.error).toMatch(/^batch dead-lettered after 3 deliveries: no executor acknowledged it/);
    }
    const dead = await scheduler.ctx.bus.jsm.streams.getMessage(scheduler.ctx.bus.names.deadBatchStream, {
      last_by_subj: scheduler.ctx.bus.names.deadBatchSubject('local'),
    });
    expect(decodeMessage(BatchJob, dead!.data)).toMatchObject({ rolloutId: rollout.id, batchNumber: 1, attempt: 1 });

    // The operator retries the dead-lettered tenants: batch 1 again, attempt 2, and it runs this time.
    expect(await retryFailed(scheduler.ctx, rollout.id)).toBe(3);
    const [retry] = await waitFor('batch 1 published again', () => driver.pull('local', 1), { accept: (jobs) => jobs.length === 1 });
    expect([retry.batchNumber, retry.attempt, retry.tasks.length]).toEqual([1, 2, 3]);
    await driver.complete(retry);
    const after = await waitRollout(rollout.id, (r) => r.state === R.ROLLOUT_STATE_SUCCEEDED, 'rollout succeeded after the retry');
    expect(after.counts).toMatchObject({ succeeded: 7, failed: 0 });
  });
});
