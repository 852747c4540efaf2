import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { RolloutControl, RolloutState, TenantRolloutState, type CreateRolloutRequest, type Rollout } from '@fleetshift/contracts';
import { decodeMessage } from '@fleetshift/bus';
import { findActiveRollout, getRollout, insertRollout } from '@fleetshift/control-store';
import { waitFor } from '@fleetshift/testing';
import { ExecutorDriver } from '../testing/executor-driver.js';
import { failingKv } from '../testing/failing-kv.js';
import { provisionFleet, pushText, schemaV1 } from '../testing/fleet.js';
import { startStandInPlanner } from '../testing/stand-in-planner.js';
import { startTestScheduler, type TestScheduler } from '../testing/scheduler-fixture.js';
import { createRollout } from './create-rollout.js';
import { interruptedCreationReason } from './pending-rollouts.js';
import { cancelRollout, pauseRollout, resumeRollout } from './rollout-actions.js';
import { RolloutEngine } from './rollout-engine.js';

// Control state has one source of truth, PostgreSQL: every state change leaves a control outbox row in
// its own transaction, and a relay copies the rollout's state to the KV bucket executors read, retrying
// until NATS takes it. Each fault is injected: the KV bucket failing after a commit (pause, halt,
// create), and a crash that left a rollout PENDING after it was stored.
const R = RolloutState;
const T = TenantRolloutState;
let planner: Awaited<ReturnType<typeof startStandInPlanner>>;
let scheduler: TestScheduler;
let driver: ExecutorDriver;
let blueprint: string;
let nextVersion = 2;

beforeAll(async () => {
  planner = await startStandInPlanner();
  scheduler = await startTestScheduler(planner.address);
  await scheduler.engine.stop();
  scheduler.engine = new RolloutEngine(scheduler.ctx, { controlRelayIntervalMs: 200, reapIntervalMs: 500, pendingGraceMs: 1_000 });
  await scheduler.engine.start();
  driver = new ExecutorDriver(scheduler.ctx.bus);
  blueprint = scheduler.blueprint('outbox');
  await provisionFleet(scheduler, blueprint, 4);
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

async function newVersion(): Promise<number> {
  const extra = Array.from({ length: nextVersion - 1 }, (_, i) => `CREATE TABLE extra_${i} (id int);`).join('\n');
  nextVersion++;
  return pushText(scheduler, blueprint, `${schemaV1}\n${extra}`);
}

async function startRollout(overrides: Partial<CreateRolloutRequest> = {}): Promise<Rollout> {
  return createRollout(scheduler.ctx, {
    blueprint, version: await newVersion(), selector: undefined, batchSize: 2, maxBatchesInFlight: 2, tenantConcurrency: 2, canary: false,
    failurePolicy: undefined, allowedHazards: [], dryRun: false, ...overrides,
  });
}

const rolloutNow = async (id: string) => (await getRollout(scheduler.ctx.pool, id))!;
/** What executors see: the entry in the real bucket (undefined when there is none). */
async function executorsSee(kv: TestScheduler['ctx']['bus']['rollouts'], id: string): Promise<RolloutState | undefined> {
  const entry = await kv.get(id);
  return entry?.operation === 'PUT' && entry.value.length ? decodeMessage(RolloutControl, entry.value).state : undefined;
}
async function outboxRows(id: string) {
  const { rows } = await scheduler.ctx.pool.query<{ state: string; published: boolean; attempts: number; last_error: string }>(
    'SELECT state, published_at IS NOT NULL AS published, attempts, last_error FROM control_outbox WHERE rollout_id = $1 ORDER BY id',
    [id],
  );
  return rows;
}

/** Runs `work` with the scheduler's rollouts bucket failing; the bucket is back when it returns. */
async function withKvDown<T>(work: (real: TestScheduler['ctx']['bus']['rollouts']) => Promise<T>): Promise<T> {
  const real = scheduler.ctx.bus.rollouts;
  const fault = failingKv(real);
  scheduler.ctx.bus.rollouts = fault.kv;
  try {
    return await work(real);
  } finally {
    fault.failing = false;
    scheduler.ctx.bus.rollouts = real;
  }
}

describe('control outbox', { timeout: 60_000 }, () => {
  it('PAUSE committed while the KV write fails: executors still see RUNNING during the outage, and the relay publishes PAUSED once NATS is back', async () => {
    const rollout = await startRollout();
    await waitFor('executors see RUNNING', () => executorsSee(scheduler.ctx.bus.rollouts, rollout.id).then((s) => s === R.ROLLOUT_STATE_RUNNING));
    const real = scheduler.ctx.bus.rollouts;

    await withKvDown(async (bucket) => {
      // The operator's pause succeeds: PostgreSQL has it, with its outbox row.
      await pauseRollout(scheduler.ctx, rollout.id);
      expect((await rolloutNow(rollout.id)).state).toBe(R.ROLLOUT_STATE_PAUSED);
      // The fault: executors would keep starting tenants, the bucket still says RUNNING ...
      expect(await executorsSee(bucket, rollout.id)).toBe(R.ROLLOUT_STATE_RUNNING);
      // ... while the relay keeps trying and records why it cannot publish.
      const failing = await waitFor('relay failures recorded', () => outboxRows(rollout.id), {
        accept: (rows) => rows.at(-1)!.attempts >= 2,
      });
      expect(failing.at(-1)).toMatchObject({ state: 'paused', published: false });
      expect(failing.at(-1)!.last_error).toMatch(/injected fault: NATS unavailable/);
    });

    // NATS back: without any further call, the relay publishes PAUSED and marks the row published.
    await waitFor('executors see PAUSED', () => executorsSee(real, rollout.id).then((s) => s === R.ROLLOUT_STATE_PAUSED));
    await waitFor('outbox drained', () => outboxRows(rollout.id).then((rows) => rows.every((row) => row.published)));
  });

  it('HALTED by the failure policy while the KV write fails: published by the relay once NATS is back; resume after it is RUNNING again', async () => {
    const rollout = await startRollout({ failurePolicy: { maxFailedTenants: 1, maxFailureRatio: 0, onDrift: 0 } });
    const [job] = await waitFor('a batch', () => driver.pull('local', 1), { accept: (jobs) => jobs.length === 1 });
    const real = scheduler.ctx.bus.rollouts;

    await withKvDown(async (bucket) => {
      await driver.report(job, job.tasks[0].tenantId, T.TENANT_ROLLOUT_STATE_RUNNING);
      await driver.report(job, job.tasks[0].tenantId, T.TENANT_ROLLOUT_STATE_FAILED, { error: 'boom', errorCode: 'STEP_FAILED' });
      await waitFor('halted in PostgreSQL', () => rolloutNow(rollout.id).then((r) => r.state === R.ROLLOUT_STATE_HALTED));
      expect(await executorsSee(bucket, rollout.id)).toBe(R.ROLLOUT_STATE_RUNNING);
      await waitFor('relay failures recorded', () => outboxRows(rollout.id), { accept: (rows) => rows.some((row) => row.state === 'halted' && row.attempts >= 1) });
    });

    await waitFor('executors see HALTED', () => executorsSee(real, rollout.id).then((s) => s === R.ROLLOUT_STATE_HALTED));
    await resumeRollout(scheduler.ctx, rollout.id);
    expect(await executorsSee(real, rollout.id)).toBe(R.ROLLOUT_STATE_RUNNING);
  });

  it('CreateRollout while the KV write fails: the rollout is stored RUNNING and its batches published; its control entry follows once NATS is back', async () => {
    const real = scheduler.ctx.bus.rollouts;
    const rollout = await withKvDown(async (bucket) => {
      const created = await startRollout();
      expect(created.state).toBe(R.ROLLOUT_STATE_RUNNING);
      expect(await executorsSee(bucket, created.id)).toBeUndefined();
      const jobs = await waitFor('its batches', () => driver.pull('local', 10), { accept: (pulled) => pulled.length === 2 });
      expect(jobs.every((job) => job.rolloutId === created.id)).toBe(true);
      for (const job of jobs) await driver.complete(job);
      return created;
    });
    // The relay publishes the rollout's state at the time it runs: RUNNING, or SUCCEEDED already when the
    // completed batches' results were applied first (on a loaded machine).
    await waitFor('executors see an entry', () => executorsSee(real, rollout.id), {
      accept: (s) => s === R.ROLLOUT_STATE_RUNNING || s === R.ROLLOUT_STATE_SUCCEEDED,
    });
    await waitFor('succeeded', () => rolloutNow(rollout.id).then((r) => r.state === R.ROLLOUT_STATE_SUCCEEDED));
    await waitFor('executors see SUCCEEDED', () => executorsSee(real, rollout.id).then((s) => s === R.ROLLOUT_STATE_SUCCEEDED));
  });

  it('a crash after the rollout was stored and before it started leaves it PENDING: the engine runs it, each batch once, to SUCCEEDED', async () => {
    // The state the old CreateRollout left when it died between its two transactions: rollout, plans,
    // batches and tenants stored, the rollout PENDING, nothing published, no control entry.
    await scheduler.engine.stop();
    const rollout = await startRollout();
    await scheduler.ctx.pool.query(
      `UPDATE rollouts SET state = 'pending', started_at = NULL, created_at = now() - interval '1 hour' WHERE id = $1`,
      [rollout.id],
    );
    await scheduler.ctx.pool.query('DELETE FROM control_outbox WHERE rollout_id = $1', [rollout.id]);
    await scheduler.ctx.bus.rollouts.delete(rollout.id);
    expect(await driver.pull('local', 10, 1000)).toEqual([]);

    scheduler.engine = new RolloutEngine(scheduler.ctx, { controlRelayIntervalMs: 200, reapIntervalMs: 500, pendingGraceMs: 1_000 });
    await scheduler.engine.start();
    await waitFor('running again', () => rolloutNow(rollout.id).then((r) => r.state === R.ROLLOUT_STATE_RUNNING));
    expect(await executorsSee(scheduler.ctx.bus.rollouts, rollout.id)).toBe(R.ROLLOUT_STATE_RUNNING);
    const batches: number[] = [];
    await waitFor('every tenant done', async () => {
      for (const job of await driver.pull('local', 10, 1000)) {
        batches.push(job.batchNumber);
        await driver.complete(job);
      }
      return (await rolloutNow(rollout.id)).state === R.ROLLOUT_STATE_SUCCEEDED;
    });
    expect(batches.sort()).toEqual([1, 2]);
    expect((await rolloutNow(rollout.id)).counts).toMatchObject({ total: 4, succeeded: 4 });
  });

  it('a crash before the rollout\'s tenants were stored leaves an empty PENDING rollout: it is FAILED with the reason and the blueprint is free again', async () => {
    await scheduler.engine.stop();
    const version = await newVersion();
    const id = `${blueprint.replace(/_/g, '-')}-crashed`;
    await insertRollout(scheduler.ctx.pool, {
      id, blueprint, version, state: R.ROLLOUT_STATE_PENDING, selector: { tenantIds: [], labels: {}, clusterIds: [] }, batchSize: 2,
      maxBatchesInFlight: 2, tenantConcurrency: 2, canary: false, failurePolicy: undefined, allowedHazards: [], dryRun: false,
      counts: undefined, haltReason: '', plans: 0, batchesTotal: 0, batchesPublished: 0, throttles: [], paces: [], createdAt: undefined,
      startedAt: undefined, finishedAt: undefined, throttledSeconds: 0, lockRetries: 0,
    });
    // Without recovery this rollout would hold the blueprint's one active slot for ever.
    await expect(startRollout()).rejects.toThrow(/already has an active rollout/);
    scheduler.engine = new RolloutEngine(scheduler.ctx, { controlRelayIntervalMs: 200, reapIntervalMs: 500, pendingGraceMs: 1_000 });
    await scheduler.engine.start();
    const failed = await waitFor('failed with a reason', () => rolloutNow(id), { accept: (r) => r.state === R.ROLLOUT_STATE_FAILED });
    expect(failed.haltReason).toBe(interruptedCreationReason);
    const next = await startRollout();
    expect(next.state).toBe(R.ROLLOUT_STATE_RUNNING);
  });
});
