import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TenantRolloutState } from '@fleetshift/contracts';
import {
  closeFinishedBatches,
  getRollout,
  insertBatches,
  listBatches,
  markBatchPublished,
  nextBatchNumber,
  reopenBatch,
} from './index.js';
import { forceTenantState, openTestStore, seedBlueprint, seedRollout, type TestStore } from './testing/test-store.js';

const T = TenantRolloutState;
let store: TestStore;
let tenants: string[];

beforeAll(async () => {
  store = await openTestStore('cs_batches');
  tenants = await seedBlueprint(store.pool, 'bp_b', 6);
  // batches 1, 2, 3 of two tenants each
  await seedRollout(store.pool, 'rb', 'bp_b', tenants, { batchSize: 2 });
});

afterAll(async () => {
  await store?.close();
});

const states = async () => (await listBatches(store.pool, 'rb')).map((b) => [b.batchNumber, b.state, b.attempt]);

describe('batches: pending → published → done, and again', () => {
  it('start pending, attempt 1, one cluster each', async () => {
    expect(await listBatches(store.pool, 'rb')).toEqual([1, 2, 3].map((n) => ({ rolloutId: 'rb', batchNumber: n, clusterId: 'c1', attempt: 1, state: 'pending' })));
    expect(await nextBatchNumber(store.pool, 'rb')).toBe(4);
    expect(await nextBatchNumber(store.pool, 'nope')).toBe(1);
    expect((await getRollout(store.pool, 'rb'))!).toMatchObject({ batchesTotal: 3, batchesPublished: 0 });
  });

  it('a published batch closes once every tenant in it is final, not before; a pending one never', async () => {
    await markBatchPublished(store.pool, 'rb', 1);
    await markBatchPublished(store.pool, 'rb', 2);
    expect((await listBatches(store.pool, 'rb', ['published'])).map((b) => b.batchNumber)).toEqual([1, 2]);
    expect((await getRollout(store.pool, 'rb'))!.batchesPublished).toBe(2);

    for (const open of [T.TENANT_ROLLOUT_STATE_PENDING, T.TENANT_ROLLOUT_STATE_QUEUED, T.TENANT_ROLLOUT_STATE_RUNNING]) {
      await forceTenantState(store.pool, 'rb', tenants[0], T.TENANT_ROLLOUT_STATE_SUCCEEDED);
      await forceTenantState(store.pool, 'rb', tenants[1], open);
      expect(await closeFinishedBatches(store.pool, 'rb')).toEqual([]);
    }
    // every final state closes it, a cancelled tenant included
    await forceTenantState(store.pool, 'rb', tenants[1], T.TENANT_ROLLOUT_STATE_CANCELLED);
    await forceTenantState(store.pool, 'rb', tenants[2], T.TENANT_ROLLOUT_STATE_FAILED);
    await forceTenantState(store.pool, 'rb', tenants[3], T.TENANT_ROLLOUT_STATE_SKIPPED);
    await forceTenantState(store.pool, 'rb', tenants[4], T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    await forceTenantState(store.pool, 'rb', tenants[5], T.TENANT_ROLLOUT_STATE_SUCCEEDED);
    expect(await closeFinishedBatches(store.pool, 'rb')).toEqual([1, 2]);
    expect(await closeFinishedBatches(store.pool, 'rb')).toEqual([]);
    expect(await states()).toEqual([[1, 'done', 1], [2, 'done', 1], [3, 'pending', 1]]);
    // done batches still count as published
    expect((await getRollout(store.pool, 'rb'))!.batchesPublished).toBe(2);
  });

  it('reopening a batch makes it pending with the next attempt; an unknown batch reopens nothing', async () => {
    expect(await reopenBatch(store.pool, 'rb', 2)).toBe(2);
    expect(await reopenBatch(store.pool, 'rb', 2)).toBe(3);
    expect(await reopenBatch(store.pool, 'rb', 42)).toBe(0);
    expect(await states()).toEqual([[1, 'done', 1], [2, 'pending', 3], [3, 'pending', 1]]);
    const { rows } = await store.pool.query(`SELECT finished_at FROM rollout_batches WHERE rollout_id = 'rb' AND batch_number = 2`);
    expect(rows[0].finished_at).toBeNull();
  });

  it('a batch of its own for a requeued tenant takes the next number; a number taken twice is refused', async () => {
    await insertBatches(store.pool, 'rb', [{ batchNumber: await nextBatchNumber(store.pool, 'rb'), clusterId: 'c1' }]);
    expect((await listBatches(store.pool, 'rb')).map((b) => b.batchNumber)).toEqual([1, 2, 3, 4]);
    await expect(insertBatches(store.pool, 'rb', [{ batchNumber: 4, clusterId: 'c1' }])).rejects.toThrow(/duplicate key/);
    await expect(insertBatches(store.pool, 'rb', [{ batchNumber: 5, clusterId: 'c9' }])).rejects.toThrow(/foreign key/);
    await insertBatches(store.pool, 'rb', []);
    expect(await listBatches(store.pool, 'rb')).toHaveLength(4);
  });
});
