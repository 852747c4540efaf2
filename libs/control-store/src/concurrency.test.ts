import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { RolloutState, TenantRolloutState } from '@fleetshift/contracts';
import { waitFor } from '@fleetshift/testing';
import {
  addThrottledSeconds,
  appendTenantEvent,
  appendTenantEvents,
  closeFinishedBatches,
  countRolloutEvents,
  finishStats,
  getRollout,
  getRolloutTenantRow,
  listBatches,
  markBatchPublished,
  moveBatchTenants,
  moveRolloutTenants,
  recordTenantOutcome,
  reopenBatch,
  setRolloutState,
  withTransaction,
  type TenantEventKind,
} from './index.js';
import { tenantStates } from './states.js';
import { openTestStore, seedBlueprint, seedRollout, stateCounts, type TestStore } from './testing/test-store.js';

/*
 * Two schedulers share one control database: each applies the results it pulls and the operator
 * actions it serves. These tests run the scheduler's transactions — reduced to their store calls — from
 * two pools on one rollout at once.
 */

const R = RolloutState;
const T = TenantRolloutState;

/** The states a reported state may move a tenant from (the scheduler's apply-result). */
const reportFrom = new Map<TenantRolloutState, TenantRolloutState[]>([
  [T.TENANT_ROLLOUT_STATE_RUNNING, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING, T.TENANT_ROLLOUT_STATE_CANCELLED]],
  [T.TENANT_ROLLOUT_STATE_SUCCEEDED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING, T.TENANT_ROLLOUT_STATE_CANCELLED]],
  [T.TENANT_ROLLOUT_STATE_SKIPPED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING, T.TENANT_ROLLOUT_STATE_CANCELLED]],
  [T.TENANT_ROLLOUT_STATE_FAILED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING]],
  [T.TENANT_ROLLOUT_STATE_CANCELLED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_RUNNING]],
]);

interface Report {
  rolloutId: string;
  tenantId: string;
  state: TenantRolloutState;
  key: string;
}

/**
 * Applying one TenantResult: lock the tenant's row, store the report once (its key), move the tenant if
 * it may, and halt a RUNNING rollout once `maxFailed` tenants failed.
 */
async function applyResultIn(client: pg.PoolClient, report: Report, maxFailed: number): Promise<'applied' | 'refused' | 'duplicate'> {
  const row = await getRolloutTenantRow(client, report.rolloutId, report.tenantId);
  const rollout = await getRollout(client, report.rolloutId);
  if (!row || !rollout) throw new Error(`no tenant ${report.tenantId} in rollout ${report.rolloutId}`);
  const fresh = await appendTenantEvent(client, {
    tenantId: report.tenantId,
    rolloutId: report.rolloutId,
    kind: report.state === T.TENANT_ROLLOUT_STATE_RUNNING ? 'started' : (tenantStates.word(report.state) as TenantEventKind),
    resultKey: report.key,
  });
  if (!fresh) return 'duplicate';
  const moved = await recordTenantOutcome(
    client,
    report.rolloutId,
    report.tenantId,
    { state: report.state, error: '', errorCode: '', executorId: 'exec', stepsApplied: 1, finishedAt: report.state === T.TENANT_ROLLOUT_STATE_RUNNING ? undefined : new Date() },
    reportFrom.get(report.state)!,
  );
  if (!moved) return 'refused';
  if (report.state === T.TENANT_ROLLOUT_STATE_FAILED && rollout.state === R.ROLLOUT_STATE_RUNNING) {
    const stats = await finishStats(client, report.rolloutId);
    if (stats.failed >= maxFailed) await setRolloutState(client, report.rolloutId, R.ROLLOUT_STATE_HALTED, [R.ROLLOUT_STATE_RUNNING], 'halted: failures');
  }
  return 'applied';
}

const applyResult = (pool: pg.Pool, report: Report, maxFailed = 1_000_000) => withTransaction(pool, (client) => applyResultIn(client, report, maxFailed));

/** CancelRollout: under a lock on the rollout row, pending and queued tenants cancelled, then the rollout. */
function cancel(pool: pg.Pool, rolloutId: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const rollout = (await getRollout(client, rolloutId, { forUpdate: true }))!;
    if (rollout.state === R.ROLLOUT_STATE_SUCCEEDED || rollout.state === R.ROLLOUT_STATE_FAILED || rollout.state === R.ROLLOUT_STATE_CANCELLED) return false;
    const cancelled = await moveRolloutTenants(client, rolloutId, [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED], T.TENANT_ROLLOUT_STATE_CANCELLED, {
      message: 'rollout cancelled before the tenant started',
      code: 'CANCELLED',
    });
    await appendTenantEvents(client, rolloutId, 'cancelled', cancelled.map((t) => t.tenantId));
    return setRolloutState(client, rolloutId, R.ROLLOUT_STATE_CANCELLED, [], 'cancelled by the operator');
  });
}

/** ResumeRollout: cancelled tenants pending again (their batches reopened), the rollout RUNNING. */
function resume(pool: pg.Pool, rolloutId: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const rollout = (await getRollout(client, rolloutId, { forUpdate: true }))!;
    if (rollout.state !== R.ROLLOUT_STATE_PAUSED && rollout.state !== R.ROLLOUT_STATE_HALTED) return false;
    const requeued = await moveRolloutTenants(client, rolloutId, [T.TENANT_ROLLOUT_STATE_CANCELLED], T.TENANT_ROLLOUT_STATE_PENDING);
    for (const batch of new Set(requeued.map((t) => t.batchNumber))) await reopenBatch(client, rolloutId, batch);
    return setRolloutState(client, rolloutId, R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PAUSED, R.ROLLOUT_STATE_HALTED], '');
  });
}

function pause(pool: pg.Pool, rolloutId: string): Promise<boolean> {
  return withTransaction(pool, async (client) => {
    const rollout = (await getRollout(client, rolloutId, { forUpdate: true }))!;
    if (rollout.state !== R.ROLLOUT_STATE_RUNNING) return false;
    return setRolloutState(client, rolloutId, R.ROLLOUT_STATE_PAUSED, [R.ROLLOUT_STATE_RUNNING]);
  });
}

/** One publishing step of a RUNNING rollout: close finished batches, complete it, or publish pending batches. */
function pump(pool: pg.Pool, rolloutId: string): Promise<number> {
  return withTransaction(pool, async (client) => {
    const rollout = (await getRollout(client, rolloutId, { forUpdate: true }))!;
    if (rollout.state !== R.ROLLOUT_STATE_RUNNING) return 0;
    await closeFinishedBatches(client, rolloutId);
    const stats = await finishStats(client, rolloutId);
    if (stats.open === 0) {
      await setRolloutState(client, rolloutId, stats.failed ? R.ROLLOUT_STATE_FAILED : R.ROLLOUT_STATE_SUCCEEDED, [R.ROLLOUT_STATE_RUNNING], '');
      return 0;
    }
    let published = 0;
    for (const batch of await listBatches(client, rolloutId, ['pending'])) {
      await markBatchPublished(client, rolloutId, batch.batchNumber);
      published += (await moveBatchTenants(client, rolloutId, batch.batchNumber, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true)).length;
    }
    return published;
  });
}

/** Backends of this database waiting for a lock (a transaction blocked by another). */
async function lockWaiters(pool: pg.Pool): Promise<number> {
  const { rows } = await pool.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`,
  );
  return rows[0].n;
}

/** The rollout's counts, checked against the per-tenant rows and the total. */
async function expectConsistentCounts(pool: pg.Pool, rolloutId: string, total: number): Promise<Record<string, number>> {
  const rollout = (await getRollout(pool, rolloutId))!;
  const rows = await stateCounts(pool, rolloutId);
  const counts = rollout.counts!;
  expect(counts.total).toBe(total);
  expect({
    pending: counts.pending, queued: counts.queued, running: counts.running, succeeded: counts.succeeded,
    failed: counts.failed, skipped: counts.skipped, cancelled: counts.cancelled,
  }).toEqual({
    pending: rows.pending ?? 0, queued: rows.queued ?? 0, running: rows.running ?? 0, succeeded: rows.succeeded ?? 0,
    failed: rows.failed ?? 0, skipped: rows.skipped ?? 0, cancelled: rows.cancelled ?? 0,
  });
  return rows;
}

let store: TestStore;
let schedulerA: pg.Pool;
let schedulerB: pg.Pool;
let blueprints = 0;

/** A RUNNING rollout of `count` fresh tenants, batches of `batchSize`. */
async function runningRollout(count: number, batchSize: number, queued: boolean): Promise<{ id: string; ids: string[] }> {
  const blueprint = `bp_cc_${++blueprints}`;
  const ids = await seedBlueprint(store.pool, blueprint, count);
  const id = `${blueprint}_r`;
  await seedRollout(store.pool, id, blueprint, ids, { batchSize });
  await setRolloutState(store.pool, id, R.ROLLOUT_STATE_RUNNING, [R.ROLLOUT_STATE_PENDING]);
  if (queued) await pump(store.pool, id);
  return { id, ids };
}

beforeAll(async () => {
  store = await openTestStore('cs_concurrency');
  schedulerA = await store.openPool(4);
  schedulerB = await store.openPool(4);
});

afterAll(async () => {
  await store?.close();
});

describe('two schedulers applying results of one rollout', () => {
  it('the same report delivered to both is applied once', async () => {
    const { id, ids } = await runningRollout(40, 10, true);
    const outcomes = await Promise.all(
      ids.flatMap((tenantId) => {
        const report = { rolloutId: id, tenantId, state: T.TENANT_ROLLOUT_STATE_SUCCEEDED, key: `${id}:${tenantId}:ok` };
        return [applyResult(schedulerA, report), applyResult(schedulerB, report)];
      }),
    );
    expect(outcomes.filter((o) => o === 'applied')).toHaveLength(40);
    expect(outcomes.filter((o) => o === 'duplicate')).toHaveLength(40);
    expect(await expectConsistentCounts(store.pool, id, 40)).toEqual({ succeeded: 40 });
    expect([...(await countRolloutEvents(store.pool, id, 'succeeded')).values()]).toEqual(Array(40).fill(1));
  });

  it('every report of every tenant, from both at once, in any order: a finished tenant stays finished and counts match the rows', async () => {
    for (let iteration = 0; iteration < 10; iteration++) {
      const { id, ids } = await runningRollout(20, 5, true);
      const final = (i: number) => [T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_FAILED, T.TENANT_ROLLOUT_STATE_SKIPPED][i % 3];
      const reports = ids.flatMap((tenantId, i) => [
        { rolloutId: id, tenantId, state: T.TENANT_ROLLOUT_STATE_RUNNING, key: `${tenantId}:run` },
        { rolloutId: id, tenantId, state: final(i), key: `${tenantId}:end` },
      ]);
      // each report goes to one scheduler, a third of them to the other one as well (redelivery)
      const runs = reports.flatMap((report, i) => {
        const first = i % 2 ? schedulerA : schedulerB;
        const second = i % 2 ? schedulerB : schedulerA;
        return i % 3 === 0 ? [applyResult(first, report), applyResult(second, report)] : [applyResult(first, report)];
      });
      const settled = await Promise.allSettled([...runs, pump(schedulerA, id), pump(schedulerB, id)]);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);

      const rows = await expectConsistentCounts(store.pool, id, 20);
      expect(rows).toEqual({ succeeded: 7, failed: 7, skipped: 6 });
      for (const [i, tenantId] of ids.entries()) {
        expect((await getRolloutTenantRow(store.pool, id, tenantId))!.state).toBe(final(i));
      }
      const { rows: events } = await store.pool.query<{ n: number }>('SELECT count(*)::int AS n FROM tenant_events WHERE rollout_id = $1', [id]);
      expect(events[0].n).toBe(40);
      await cancel(store.pool, id);
    }
  });
});

describe('two schedulers changing the state of one rollout while results arrive', () => {
  it('a failure that halts the rollout and a cancel at the same moment both complete, without a deadlock', async () => {
    const { id, ids } = await runningRollout(3, 3, true);
    // scheduler A applies a FAILED report and holds the tenant …
    const client = await schedulerA.connect();
    let resultDone: Promise<string> | undefined;
    try {
      await client.query('BEGIN');
      await getRolloutTenantRow(client, id, ids[0]);
      // … while scheduler B cancels the rollout: it has to wait for A
      const cancelled = cancel(schedulerB, id);
      await waitFor('the cancel to wait for the result being applied', async () => (await lockWaiters(store.pool)) >= 1);
      // A goes on: the failure breaches the policy and halts the rollout
      resultDone = (async () => {
        const report = { rolloutId: id, tenantId: ids[0], state: T.TENANT_ROLLOUT_STATE_FAILED, key: `${id}:fail` };
        const applied = await applyResultIn(client, report, 1);
        await client.query('COMMIT');
        return applied;
      })();
      const [applied, wasCancelled] = await Promise.all([resultDone, cancelled]);
      expect([applied, wasCancelled]).toEqual(['applied', true]);
    } finally {
      if (resultDone) await resultDone.catch(() => client.query('ROLLBACK').catch(() => undefined));
      client.release();
    }
    const rollout = (await getRollout(store.pool, id))!;
    expect(rollout.state).toBe(R.ROLLOUT_STATE_CANCELLED);
    expect(await expectConsistentCounts(store.pool, id, 3)).toEqual({ failed: 1, cancelled: 2 });
  });

  it('two failures applied at once by the two schedulers both count toward the failure policy', async () => {
    const { id, ids } = await runningRollout(4, 4, true);
    const client = await schedulerA.connect();
    try {
      await client.query('BEGIN');
      // A has applied its failure (1 failed: within a limit of 2) but not committed yet …
      expect(await applyResultIn(client, { rolloutId: id, tenantId: ids[0], state: T.TENANT_ROLLOUT_STATE_FAILED, key: `${id}:a` }, 2)).toBe('applied');
      // … when B applies another one
      let settled = false;
      const second = applyResult(schedulerB, { rolloutId: id, tenantId: ids[1], state: T.TENANT_ROLLOUT_STATE_FAILED, key: `${id}:b` }, 2).finally(() => {
        settled = true;
      });
      await waitFor('the second failure to be applied or to wait for the first', async () => settled || (await lockWaiters(store.pool)) >= 1);
      await client.query('COMMIT');
      expect(await second).toBe('applied');
    } finally {
      client.release();
    }
    const rollout = (await getRollout(store.pool, id))!;
    expect([rollout.counts!.failed, rollout.state, rollout.haltReason]).toEqual([2, R.ROLLOUT_STATE_HALTED, 'halted: failures']);
  });

  it('results, pumps, pauses, resumes and cancels from both schedulers at once never fail and keep counts equal to the rows', async () => {
    for (let iteration = 0; iteration < 12; iteration++) {
      const { id, ids } = await runningRollout(12, 4, true);
      const applied: Array<{ tenantId: string; state: TenantRolloutState }> = [];
      const apply = (pool: pg.Pool, tenantId: string, state: TenantRolloutState, key: string) =>
        applyResult(pool, { rolloutId: id, tenantId, state, key: `${id}:${tenantId}:${key}` }, 2).then((outcome) => {
          if (outcome === 'applied') applied.push({ tenantId, state });
          return outcome;
        });
      const work: Array<Promise<unknown>> = [];
      for (const [i, tenantId] of ids.entries()) {
        const [mine, other] = i % 2 ? [schedulerA, schedulerB] : [schedulerB, schedulerA];
        work.push(apply(mine, tenantId, T.TENANT_ROLLOUT_STATE_RUNNING, 'run'));
        work.push(apply(other, tenantId, i % 4 === 0 ? T.TENANT_ROLLOUT_STATE_FAILED : T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'end'));
        if (i === 3) work.push(pause(mine, id), resume(other, id));
        if (i === 6) work.push(pump(mine, id), pump(other, id));
        if (i === 9 && iteration % 2 === 0) work.push(cancel(other, id));
      }
      const settled = await Promise.allSettled(work);
      expect(settled.filter((s) => s.status === 'rejected')).toEqual([]);

      await expectConsistentCounts(store.pool, id, 12);
      // no lost update: a finished state once stored is what the row still holds
      for (const { tenantId, state } of applied) {
        if (state === T.TENANT_ROLLOUT_STATE_SUCCEEDED || state === T.TENANT_ROLLOUT_STATE_FAILED) {
          expect((await getRolloutTenantRow(store.pool, id, tenantId))!.state).toBe(state);
        }
      }
      // finished by a pump, or cancelled now
      await cancel(store.pool, id);
      expect([R.ROLLOUT_STATE_CANCELLED, R.ROLLOUT_STATE_SUCCEEDED, R.ROLLOUT_STATE_FAILED]).toContain((await getRollout(store.pool, id))!.state);
    }
  });
});

describe('counters and publications from two schedulers', () => {
  it('throttled seconds added from both at once all count', async () => {
    const { id } = await runningRollout(1, 1, false);
    await Promise.all(Array.from({ length: 100 }, (_, i) => addThrottledSeconds(i % 2 ? schedulerA : schedulerB, id, 0.25)));
    expect((await getRollout(store.pool, id))!.throttledSeconds).toBe(25);
  });

  it('both publishing the same rollout queue each tenant once, with one attempt', async () => {
    for (let iteration = 0; iteration < 6; iteration++) {
      const { id, ids } = await runningRollout(30, 5, false);
      const published = await Promise.all([pump(schedulerA, id), pump(schedulerB, id), pump(schedulerA, id)]);
      expect(published.reduce((a, b) => a + b, 0)).toBe(30);
      const { rows } = await store.pool.query<{ attempts: number; n: number }>(
        'SELECT attempts, count(*)::int AS n FROM rollout_tenants WHERE rollout_id = $1 GROUP BY attempts',
        [id],
      );
      expect(rows).toEqual([{ attempts: 1, n: ids.length }]);
      expect((await listBatches(store.pool, id)).map((b) => b.state)).toEqual(Array(6).fill('published'));
      await cancel(store.pool, id);
    }
  });
});
