import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantRolloutState } from '@fleetshift/contracts';
import {
  failDeadLetteredTenants,
  getRolloutTenantRow,
  listBatches,
  markBatchPublished,
  moveBatchTenants,
  overdueBatches,
  reopenBatch,
  requeueLostBatch,
} from './index.js';
import { forceTenantState, openTestStore, seedBlueprint, seedRollout, stateCounts, type TestStore } from './testing/test-store.js';

const T = TenantRolloutState;
let store: TestStore;
let tenants: string[];
const never = { overdueMs: 3_600_000, perTenantMs: 0 };
const now = { overdueMs: 0, perTenantMs: 0 };

beforeAll(async () => {
  store = await openTestStore('cs_recovery');
  tenants = await seedBlueprint(store.pool, 'bp_r', 6);
  // batches 1, 2, 3 of two tenants each
  await seedRollout(store.pool, 'rr', 'bp_r', tenants, { batchSize: 2 });
});

afterAll(async () => {
  await store?.close();
});

/** Publishes a batch the way the scheduler does: published, its pending tenants queued in its attempt. */
async function publish(batchNumber: number): Promise<number> {
  const attempt = (await listBatches(store.pool, 'rr')).find((b) => b.batchNumber === batchNumber)!.attempt;
  await markBatchPublished(store.pool, 'rr', batchNumber);
  await moveBatchTenants(store.pool, 'rr', batchNumber, [T.TENANT_ROLLOUT_STATE_PENDING], T.TENANT_ROLLOUT_STATE_QUEUED, true, attempt);
  return attempt;
}

describe('lost and dead-lettered batches', () => {
  it('a queued tenant carries the attempt of the publication it is queued in', async () => {
    expect(await publish(1)).toBe(1);
    expect((await getRolloutTenantRow(store.pool, 'rr', tenants[0]))!).toMatchObject({ state: T.TENANT_ROLLOUT_STATE_QUEUED, batchAttempt: 1, attempts: 1 });
    // Not yet published: attempt 0, which no report carries.
    expect((await getRolloutTenantRow(store.pool, 'rr', tenants[2]))!.batchAttempt).toBe(0);
  });

  it('overdue: published, tenants still open, silent longer than the bound (per open tenant too); never pending or finished ones', async () => {
    await publish(2);
    await forceTenantState(store.pool, 'rr', tenants[2], T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    await forceTenantState(store.pool, 'rr', tenants[3], T.TENANT_ROLLOUT_STATE_SKIPPED);
    const overdue = await overdueBatches(store.pool, 'rr', now);
    expect(overdue.map((b) => [b.batchNumber, b.clusterId, b.attempt, b.openTenants])).toEqual([[1, 'c1', 1, 2]]);
    expect(overdue[0].silentMs).toBeGreaterThanOrEqual(0);
    expect(await overdueBatches(store.pool, 'rr', never)).toEqual([]);
    expect(await overdueBatches(store.pool, 'rr', { overdueMs: 0, perTenantMs: 3_600_000 })).toEqual([]);
  });

  it('a lost batch goes back to pending with the next attempt, its queued and running tenants with it — once', async () => {
    await forceTenantState(store.pool, 'rr', tenants[1], T.TENANT_ROLLOUT_STATE_RUNNING);
    expect(await requeueLostBatch(store.pool, 'rr', 1, 1)).toBe(2);
    // Already moved on: a second reaper with the old view changes nothing.
    expect(await requeueLostBatch(store.pool, 'rr', 1, 1)).toBeUndefined();
    expect((await listBatches(store.pool, 'rr')).find((b) => b.batchNumber === 1)).toMatchObject({ state: 'pending', attempt: 2 });
    expect((await getRolloutTenantRow(store.pool, 'rr', tenants[0]))!.state).toBe(T.TENANT_ROLLOUT_STATE_PENDING);
    expect((await getRolloutTenantRow(store.pool, 'rr', tenants[1]))!.state).toBe(T.TENANT_ROLLOUT_STATE_PENDING);
    expect(await publish(1)).toBe(2);
    expect((await getRolloutTenantRow(store.pool, 'rr', tenants[1]))!).toMatchObject({ batchAttempt: 2, attempts: 2 });
  });

  it('a dead-lettered publication fails only the tenants queued in it, with the reason', async () => {
    const error = { message: 'batch dead-lettered after 5 deliveries: no executor acknowledged it', code: 'DEAD_LETTERED' };
    expect(await failDeadLetteredTenants(store.pool, 'rr', { batchNumber: 1, attempt: 1 }, error)).toEqual([]);
    await forceTenantState(store.pool, 'rr', tenants[1], T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    expect(await failDeadLetteredTenants(store.pool, 'rr', { batchNumber: 1, attempt: 2 }, error)).toEqual([tenants[0]]);
    expect((await getRolloutTenantRow(store.pool, 'rr', tenants[1]))!.state).toBe(T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    const { rows } = await store.pool.query('SELECT error, error_code, finished_at FROM rollout_tenants WHERE rollout_id = $1 AND tenant_id = $2', ['rr', tenants[0]]);
    expect(rows[0]).toMatchObject({ error: error.message, error_code: 'DEAD_LETTERED' });
    expect(rows[0].finished_at).toBeInstanceOf(Date);
    // RetryFailed's way back: the batch reopens with the next attempt.
    expect(await reopenBatch(store.pool, 'rr', 1)).toBe(3);
    expect(await stateCounts(store.pool, 'rr')).toMatchObject({ failed: 1, succeeded: 2, skipped: 1 });
  });
});
