import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Isolation, RolloutState, TenantRolloutState } from '@fleetshift/contracts';
import {
  addTenantLockRetries,
  appendTenantEvent,
  batchTenants,
  failedTenantsByBatch,
  finishStats,
  getRollout,
  getRolloutTenantRow,
  insertBatches,
  listRolloutTenants,
  moveBatchTenants,
  moveRolloutTenants,
  nextBatchNumber,
  recordTenantOutcome,
  replanRolloutTenant,
  resetTenantsForRetry,
  setTenantPlan,
  unplannedTenantIds,
  withTransaction,
  type TenantOutcome,
} from './index.js';
import { finalTenantWords, tenantStates } from './states.js';
import { forceTenantState, openTestStore, rawRow, seedBlueprint, seedRollout, stateCounts, type TestStore } from './testing/test-store.js';

const T = TenantRolloutState;
const allStates = [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING,
  T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_FAILED, T.TENANT_ROLLOUT_STATE_SKIPPED, T.TENANT_ROLLOUT_STATE_CANCELLED];
const name = (state: TenantRolloutState) => T[state].replace('TENANT_ROLLOUT_STATE_', '');

/**
 * The tenant states each reported state may move a tenant from, as the scheduler passes them to
 * recordTenantOutcome when it applies a TenantResult (apps/scheduler/src/rollouts/apply-result.ts).
 */
const reportFrom: Array<[TenantRolloutState, TenantRolloutState[]]> = [
  [T.TENANT_ROLLOUT_STATE_RUNNING, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING]],
  [T.TENANT_ROLLOUT_STATE_SUCCEEDED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING, T.TENANT_ROLLOUT_STATE_CANCELLED]],
  [T.TENANT_ROLLOUT_STATE_SKIPPED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING, T.TENANT_ROLLOUT_STATE_CANCELLED]],
  [T.TENANT_ROLLOUT_STATE_FAILED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING]],
  [T.TENANT_ROLLOUT_STATE_CANCELLED, [T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_RUNNING]],
];

const outcome = (state: TenantRolloutState, extra: Partial<TenantOutcome> = {}): TenantOutcome => ({
  state,
  error: state === T.TENANT_ROLLOUT_STATE_FAILED ? 'relation "a" already exists' : '',
  errorCode: state === T.TENANT_ROLLOUT_STATE_FAILED ? '42P07' : '',
  executorId: 'exec-1',
  stepsApplied: state === T.TENANT_ROLLOUT_STATE_SUCCEEDED ? 3 : 0,
  startedAt: new Date('2026-01-01T00:00:00Z'),
  finishedAt: state === T.TENANT_ROLLOUT_STATE_RUNNING ? undefined : new Date('2026-01-01T00:00:05Z'),
  ...extra,
});

let store: TestStore;
let tenants: string[];

beforeAll(async () => {
  store = await openTestStore('cs_rollout_tenants');
  tenants = await seedBlueprint(store.pool, 'bp_rt', 12);
  await seedRollout(store.pool, 'matrix', 'bp_rt', tenants.slice(0, 1));
});

afterAll(async () => {
  await store?.close();
});

/** A fresh rollout of `count` tenants in batches of `batchSize`, on its own blueprint's tenants. */
let rollouts = 0;
async function rolloutOf(count: number, batchSize = 10): Promise<{ id: string; ids: string[]; blueprint: string }> {
  const id = `r${++rollouts}`;
  // one active rollout per blueprint: every rollout of these tests gets a blueprint of its own
  const blueprint = `bp_rt_${rollouts}`;
  const ids = await seedBlueprint(store.pool, blueprint, count);
  await seedRollout(store.pool, id, blueprint, ids, { batchSize });
  return { id, ids, blueprint };
}

const stateOf = async (rolloutId: string, tenantId: string) => (await getRolloutTenantRow(store.pool, rolloutId, tenantId))!.state;

describe('recordTenantOutcome with the states a report may move a tenant from', () => {
  const tenant = () => tenants[0];
  for (const [reported, from] of reportFrom) {
    for (const current of allStates) {
      const allowed = from.includes(current);
      it(`a ${name(reported)} report on a ${name(current)} tenant is ${allowed ? 'stored' : 'refused, nothing changed'}`, async () => {
        await forceTenantState(store.pool, 'matrix', tenant(), current);
        const before = await rawRow(store.pool, 'rollout_tenants', { rollout_id: 'matrix', tenant_id: tenant() });

        const moved = await recordTenantOutcome(store.pool, 'matrix', tenant(), outcome(reported), from);

        expect(moved).toBe(allowed);
        const after = await rawRow(store.pool, 'rollout_tenants', { rollout_id: 'matrix', tenant_id: tenant() });
        if (!allowed) {
          expect(after).toEqual(before);
          return;
        }
        expect(after).toMatchObject({
          state: tenantStates.word(reported),
          error: outcome(reported).error,
          error_code: outcome(reported).errorCode,
          executor_id: 'exec-1',
          steps_applied: outcome(reported).stepsApplied,
          started_at: outcome(reported).startedAt,
          finished_at: outcome(reported).finishedAt ?? null,
        });
        expect((after.updated_at as Date).getTime()).toBeGreaterThanOrEqual((before.updated_at as Date).getTime());
      });
    }
  }

  it('no report moves a tenant out of SUCCEEDED, FAILED or SKIPPED', () => {
    const finished = [T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_FAILED, T.TENANT_ROLLOUT_STATE_SKIPPED];
    for (const [, from] of reportFrom) expect(from.filter((state) => finished.includes(state))).toEqual([]);
  });

  it('a report for a tenant not in the rollout, or a rollout that does not exist, moves nothing', async () => {
    const from = [T.TENANT_ROLLOUT_STATE_PENDING];
    expect(await recordTenantOutcome(store.pool, 'matrix', tenants[5], outcome(T.TENANT_ROLLOUT_STATE_SUCCEEDED), from)).toBe(false);
    expect(await recordTenantOutcome(store.pool, 'nope', tenants[0], outcome(T.TENANT_ROLLOUT_STATE_SUCCEEDED), from)).toBe(false);
    expect(await getRolloutTenantRow(store.pool, 'matrix', tenants[5])).toBeUndefined();
  });

  it('a RUNNING report keeps the start time already stored when it carries none', async () => {
    await forceTenantState(store.pool, 'matrix', tenants[0], T.TENANT_ROLLOUT_STATE_QUEUED);
    const from = reportFrom[0][1];
    expect(await recordTenantOutcome(store.pool, 'matrix', tenants[0], outcome(T.TENANT_ROLLOUT_STATE_RUNNING), from)).toBe(true);
    expect(await recordTenantOutcome(store.pool, 'matrix', tenants[0], outcome(T.TENANT_ROLLOUT_STATE_RUNNING, { startedAt: undefined }), from)).toBe(true);
    const row = await rawRow(store.pool, 'rollout_tenants', { rollout_id: 'matrix', tenant_id: tenants[0] });
    expect([row.started_at, row.finished_at]).toEqual([new Date('2026-01-01T00:00:00Z'), null]);
  });
});

describe('results applied in the order they arrive', () => {
  /**
   * The scheduler's handling of one report: stored once by its key, its lock retries added, then the row
   * moved if it may.
   */
  async function report(
    rolloutId: string,
    tenantId: string,
    state: TenantRolloutState,
    key: string,
    extra: Partial<TenantOutcome> = {},
    lockRetries = 0,
  ) {
    return withTransaction(store.pool, async (client) => {
      await getRolloutTenantRow(client, rolloutId, tenantId);
      const fresh = await appendTenantEvent(client, { tenantId, rolloutId, kind: 'started', resultKey: `${rolloutId}:${key}` });
      if (!fresh) return 'duplicate';
      await addTenantLockRetries(client, rolloutId, tenantId, lockRetries);
      const from = reportFrom.find(([reported]) => reported === state)![1];
      return (await recordTenantOutcome(client, rolloutId, tenantId, outcome(state, extra), from)) ? 'applied' : 'refused';
    });
  }

  it('QUEUED → RUNNING → SUCCEEDED; then late, stale and duplicate reports leave the success as it is', async () => {
    const { id, ids } = await rolloutOf(1);
    const [t] = ids;
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_RUNNING, 'run')).toBe('applied');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'ok', { stepsApplied: 4 })).toBe('applied');
    const success = await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: t });

    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'ok')).toBe('duplicate');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_RUNNING, 'run')).toBe('duplicate');
    // the same executor's reports delivered late with other keys (another attempt's, a redelivery)
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_RUNNING, 'run-late')).toBe('refused');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'failed-late')).toBe('refused');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_CANCELLED, 'cancelled-late')).toBe('refused');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SKIPPED, 'skipped-late')).toBe('refused');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'ok-again', { stepsApplied: 0 })).toBe('refused');

    expect(await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: t })).toEqual(success);
    expect(success).toMatchObject({ state: 'succeeded', steps_applied: 4, attempts: 1 });
  });

  it('each report adds its lock retries once: a duplicate adds nothing, a late report what its run took', async () => {
    const { id, ids } = await rolloutOf(1);
    const [t] = ids;
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'attempt1-failed', {}, 8)).toBe('applied');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'attempt1-failed', {}, 8)).toBe('duplicate');
    expect(await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: t })).toMatchObject({ state: 'failed', lock_retries: 8 });

    await resetTenantsForRetry(store.pool, id, [t]);
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'attempt2-ok', {}, 2)).toBe('applied');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'attempt2-ok', {}, 2)).toBe('duplicate');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'attempt1-failed', {}, 8)).toBe('duplicate');
    // another executor's run of the same tenant, reported late: refused as a state, but its retries happened
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'other-executor-failed', {}, 1)).toBe('refused');

    expect(await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: t })).toMatchObject({ state: 'succeeded', lock_retries: 11 });
    expect((await listRolloutTenants(store.pool, id, [], 10)).map((r) => r.lockRetries)).toEqual([11]);
    expect((await getRollout(store.pool, id))!.lockRetries).toBe(11);
  });

  it('a SUCCEEDED report arriving before the RUNNING one still counts, and the late RUNNING does not reopen the tenant', async () => {
    const { id, ids } = await rolloutOf(1);
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(await report(id, ids[0], T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'ok')).toBe('applied');
    expect(await report(id, ids[0], T.TENANT_ROLLOUT_STATE_RUNNING, 'run')).toBe('refused');
    expect(await stateOf(id, ids[0])).toBe(T.TENANT_ROLLOUT_STATE_SUCCEEDED);
  });

  it('a failed tenant retried and then successful stays successful when its first failure is delivered again', async () => {
    const { id, ids } = await rolloutOf(1);
    const [t] = ids;
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'attempt1-failed')).toBe('applied');
    expect(await failedTenantsByBatch(store.pool, id)).toEqual(new Map([[1, [t]]]));

    await resetTenantsForRetry(store.pool, id, [t]);
    const reset = await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: t });
    expect(reset).toMatchObject({ state: 'pending', error: '', error_code: '', finished_at: null, attempts: 1 });
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'attempt2-ok')).toBe('applied');

    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'attempt1-failed')).toBe('duplicate');
    expect(await report(id, t, T.TENANT_ROLLOUT_STATE_FAILED, 'attempt1-failed-redelivered')).toBe('refused');
    expect(await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: t })).toMatchObject({ state: 'succeeded', error: '', attempts: 2 });
    expect(await failedTenantsByBatch(store.pool, id)).toEqual(new Map());
  });

  it('a tenant cancelled before it started, that an executor had started anyway, ends as the executor reports', async () => {
    const { id, ids } = await rolloutOf(2);
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    await moveRolloutTenants(store.pool, id, [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED], T.TENANT_ROLLOUT_STATE_CANCELLED, {
      message: 'rollout cancelled before the tenant started',
      code: 'CANCELLED',
    });
    // RUNNING never moves a tenant out of a final state (a RUNNING delivered again after the cancel would
    // otherwise stick); the final report of the run the executor had started does.
    expect(await report(id, ids[0], T.TENANT_ROLLOUT_STATE_RUNNING, 'run')).toBe('refused');
    expect(await report(id, ids[0], T.TENANT_ROLLOUT_STATE_SUCCEEDED, 'ok')).toBe('applied');
    expect(await report(id, ids[1], T.TENANT_ROLLOUT_STATE_FAILED, 'failed')).toBe('refused');
    expect(await stateCounts(store.pool, id)).toEqual({ succeeded: 1, cancelled: 1 });
  });
});

describe('lock retries', () => {
  const lockRetriesOf = async (rolloutId: string) =>
    Object.fromEntries((await listRolloutTenants(store.pool, rolloutId, [], 100)).map((t) => [t.tenantId, t.lockRetries]));

  it('add up over a tenant\'s runs (a failure, a retry, a re-plan keep what it took before) and over the rollout', async () => {
    const { id, ids } = await rolloutOf(3);
    expect(await lockRetriesOf(id)).toEqual({ [ids[0]]: 0, [ids[1]]: 0, [ids[2]]: 0 });
    expect((await getRollout(store.pool, id))!.lockRetries).toBe(0);

    await addTenantLockRetries(store.pool, id, ids[0], 3); // a run that failed
    await resetTenantsForRetry(store.pool, id, [ids[0]]);
    await addTenantLockRetries(store.pool, id, ids[0], 2); // the retry that succeeded
    const batchNumber = await nextBatchNumber(store.pool, id);
    await insertBatches(store.pool, id, [{ batchNumber, clusterId: 'c1' }]);
    await replanRolloutTenant(store.pool, id, ids[1], { planKey: 'p-live', fromFingerprint: 'f-drifted', batchNumber });
    await addTenantLockRetries(store.pool, id, ids[1], 4);
    await addTenantLockRetries(store.pool, id, ids[2], 0);

    expect(await lockRetriesOf(id)).toEqual({ [ids[0]]: 5, [ids[1]]: 4, [ids[2]]: 0 });
    expect((await getRollout(store.pool, id))!.lockRetries).toBe(9);
    // another rollout's tenants are not in this one's total
    const other = await rolloutOf(1);
    await addTenantLockRetries(store.pool, other.id, other.ids[0], 7);
    expect((await getRollout(store.pool, id))!.lockRetries).toBe(9);
    expect((await getRollout(store.pool, other.id))!.lockRetries).toBe(7);
  });

  it('a count that is not a whole number >= 0 is refused, naming the tenant, and changes nothing', async () => {
    const { id, ids } = await rolloutOf(1);
    await addTenantLockRetries(store.pool, id, ids[0], 1);
    await expect(addTenantLockRetries(store.pool, id, ids[0], -2)).rejects.toThrow(new RegExp(`lock retries of tenant ${ids[0]} .* got -2`));
    await expect(addTenantLockRetries(store.pool, id, ids[0], 1.5)).rejects.toThrow(/whole number >= 0, got 1.5/);
    expect(await lockRetriesOf(id)).toEqual({ [ids[0]]: 1 });
  });
});

describe('moving many tenants at once', () => {
  it('moveBatchTenants moves only the batch and the states given, counting an attempt when asked', async () => {
    const { id, ids, blueprint } = await rolloutOf(6, 3);
    await forceTenantState(store.pool, id, ids[1], T.TENANT_ROLLOUT_STATE_FAILED);
    const moved = await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    expect(moved.sort()).toEqual([ids[0], ids[2]]);
    // a second publication of the same batch finds nothing pending: no tenant gets a second attempt
    expect(await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true)).toEqual([]);
    const rows = await batchTenants(store.pool, id, 1, allStates);
    expect(rows.map((r) => [r.tenantId, r.state, r.attempts])).toEqual([
      [ids[0], T.TENANT_ROLLOUT_STATE_QUEUED, 1],
      [ids[1], T.TENANT_ROLLOUT_STATE_FAILED, 0],
      [ids[2], T.TENANT_ROLLOUT_STATE_QUEUED, 1],
    ]);
    expect(rows[0]).toMatchObject({ isolation: Isolation.ISOLATION_SCHEMA, database: blueprint, schema: ids[0], planKey: 'p1', fromFingerprint: 'f0' });
    expect((await batchTenants(store.pool, id, 2, [T.TENANT_ROLLOUT_STATE_PENDING])).map((r) => r.tenantId)).toEqual(ids.slice(3));
    expect(await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_QUEUED], T.TENANT_ROLLOUT_STATE_PENDING)).toHaveLength(2);
    expect((await getRolloutTenantRow(store.pool, id, ids[0]))!.attempts).toBe(1);
  });

  it('cancelling moves pending and queued tenants with the reason and leaves running and final ones; resuming requeues the cancelled', async () => {
    const { id, ids } = await rolloutOf(7);
    const start = [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING,
      T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_FAILED, T.TENANT_ROLLOUT_STATE_SKIPPED, T.TENANT_ROLLOUT_STATE_CANCELLED];
    for (const [i, state] of start.entries()) await forceTenantState(store.pool, id, ids[i], state);

    const cancelled = await moveRolloutTenants(store.pool, id, [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED], T.TENANT_ROLLOUT_STATE_CANCELLED, {
      message: 'rollout cancelled before the tenant started',
      code: 'CANCELLED',
    });
    expect(cancelled.map((t) => t.tenantId).sort()).toEqual([ids[0], ids[1]]);
    expect(cancelled.every((t) => t.batchNumber === 1)).toBe(true);
    const states = async () => Promise.all(ids.map((t) => stateOf(id, t)));
    expect(await states()).toEqual([T.TENANT_ROLLOUT_STATE_CANCELLED, T.TENANT_ROLLOUT_STATE_CANCELLED, ...start.slice(2)]);
    const row = await rawRow(store.pool, 'rollout_tenants', { rollout_id: id, tenant_id: ids[0] });
    expect(row).toMatchObject({ error: 'rollout cancelled before the tenant started', error_code: 'CANCELLED' });
    expect(row.finished_at).toBeInstanceOf(Date);

    const requeued = await moveRolloutTenants(store.pool, id, [T.TENANT_ROLLOUT_STATE_CANCELLED], T.TENANT_ROLLOUT_STATE_PENDING);
    expect(requeued.map((t) => t.tenantId).sort()).toEqual([ids[0], ids[1], ids[6]]);
    expect(await states()).toEqual([T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_PENDING, ...start.slice(2, 6), T.TENANT_ROLLOUT_STATE_PENDING]);
  });

  it('replanning puts a tenant, pending, in a batch of its own with its new plan and one more replan', async () => {
    const { id, ids } = await rolloutOf(2);
    await moveBatchTenants(store.pool, id, 1, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true);
    await recordTenantOutcome(store.pool, id, ids[0], outcome(T.TENANT_ROLLOUT_STATE_RUNNING), [T.TENANT_ROLLOUT_STATE_QUEUED]);
    const batchNumber = await nextBatchNumber(store.pool, id);
    expect(batchNumber).toBe(2);
    await insertBatches(store.pool, id, [{ batchNumber, clusterId: 'c1' }]);
    await replanRolloutTenant(store.pool, id, ids[0], { planKey: 'p-live', fromFingerprint: 'f-drifted', batchNumber });
    const row = (await getRolloutTenantRow(store.pool, id, ids[0]))!;
    expect(row).toMatchObject({ state: T.TENANT_ROLLOUT_STATE_PENDING, batchNumber: 2, planKey: 'p-live', fromFingerprint: 'f-drifted', replans: 1, attempts: 1 });
    expect((await batchTenants(store.pool, id, 1, allStates)).map((r) => r.tenantId)).toEqual([ids[1]]);
    await expect(replanRolloutTenant(store.pool, id, ids[1], { planKey: 'p2', fromFingerprint: 'f', batchNumber: 99 })).rejects.toThrow(/foreign key/);
  });

  it('tenants without a plan are listed until they get one', async () => {
    const { id, ids } = await rolloutOf(3);
    await store.pool.query(`UPDATE rollout_tenants SET plan_key = '' WHERE rollout_id = $1 AND tenant_id = ANY($2)`, [id, ids.slice(0, 2)]);
    expect(await unplannedTenantIds(store.pool, id)).toEqual(new Set(ids.slice(0, 2)));
    await setTenantPlan(store.pool, id, ids[0], { planKey: 'p-late', fromFingerprint: 'f-late' });
    expect(await unplannedTenantIds(store.pool, id)).toEqual(new Set([ids[1]]));
    expect(await getRolloutTenantRow(store.pool, id, ids[0])).toMatchObject({ planKey: 'p-late', fromFingerprint: 'f-late' });
  });
});

describe('what the rollout reports of its tenants', () => {
  it('counts, finish stats and listings equal the per-tenant rows', async () => {
    const { id, ids } = await rolloutOf(10);
    const states = [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING, T.TENANT_ROLLOUT_STATE_RUNNING,
      T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_SUCCEEDED, T.TENANT_ROLLOUT_STATE_FAILED,
      T.TENANT_ROLLOUT_STATE_SKIPPED, T.TENANT_ROLLOUT_STATE_CANCELLED];
    for (const [i, state] of states.entries()) {
      await forceTenantState(store.pool, id, ids[i], state);
      if (finalTenantWords.includes(tenantStates.word(state))) {
        await store.pool.query('UPDATE rollout_tenants SET finished_at = now() WHERE rollout_id = $1 AND tenant_id = $2', [id, ids[i]]);
      }
    }
    // one success long before the window the rate is measured over
    await store.pool.query(`UPDATE rollout_tenants SET finished_at = now() - interval '2 days' WHERE rollout_id = $1 AND tenant_id = $2`, [id, ids[4]]);
    await store.pool.query(`UPDATE rollout_tenants SET error = 'boom', error_code = 'XX000' WHERE rollout_id = $1 AND tenant_id = $2`, [id, ids[7]]);

    const rollout = (await getRollout(store.pool, id))!;
    expect(rollout.counts).toEqual({ total: 10, pending: 1, queued: 1, running: 2, succeeded: 3, failed: 1, skipped: 1, cancelled: 1 });
    expect(rollout.state).toBe(RolloutState.ROLLOUT_STATE_PENDING);
    expect([rollout.batchesTotal, rollout.batchesPublished]).toEqual([1, 0]);
    // a cancelled tenant is final but not "finished" for the failure ratio and the rate
    expect(await finishStats(store.pool, id, 3600)).toEqual({ finished: 5, failed: 1, open: 4, recent: 4 });
    const failed = await listRolloutTenants(store.pool, id, [T.TENANT_ROLLOUT_STATE_FAILED], 10);
    expect(failed.map((t) => [t.tenantId, t.error, t.errorCode])).toEqual([[ids[7], 'boom', 'XX000']]);
    expect(await listRolloutTenants(store.pool, id, [], 100)).toHaveLength(10);
    expect((await listRolloutTenants(store.pool, id, [], 3)).map((t) => t.tenantId)).toEqual(ids.slice(0, 3));
  });

  it('a rollout with no tenant counts zero everywhere', async () => {
    await seedBlueprint(store.pool, 'bp_rt_empty', 0);
    await seedRollout(store.pool, 'empty', 'bp_rt_empty', []);
    expect((await getRollout(store.pool, 'empty'))!.counts).toEqual({ total: 0, pending: 0, queued: 0, running: 0, succeeded: 0, failed: 0, skipped: 0, cancelled: 0 });
    expect(await finishStats(store.pool, 'empty')).toEqual({ finished: 0, failed: 0, open: 0, recent: 0 });
  });
});
