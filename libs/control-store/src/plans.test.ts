import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Plan } from '@fleetshift/contracts';
import { countPlans, getPlans, getRollout, insertPlans, setPlanCount } from './index.js';
import { openTestStore, seedBlueprint, seedRollout, type TestStore } from './testing/test-store.js';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('cs_plans');
  await seedBlueprint(store.pool, 'bp_p', 0);
  await seedRollout(store.pool, 'rp', 'bp_p', []);
});

afterAll(async () => {
  await store?.close();
});

const plan = (from: string, to: string) => Plan.fromPartial({ fromFingerprint: from, toFingerprint: to });

describe('plans of a rollout', () => {
  it('are stored once per key (the first kept), read back whole, and counted on the rollout', async () => {
    await insertPlans(store.pool, 'rp', [
      { planKey: 'v0', fromVersion: 0, plan: plan('', 'f1') },
      { planKey: 'v1', fromVersion: 1, plan: plan('f0', 'f1') },
    ]);
    await insertPlans(store.pool, 'rp', [{ planKey: 'v1', fromVersion: 1, plan: plan('other', 'f1') }]);
    expect(await countPlans(store.pool, 'rp')).toBe(2);
    expect(await getPlans(store.pool, 'rp')).toEqual(new Map([['v0', plan('', 'f1')], ['v1', plan('f0', 'f1')]]));
    expect([...(await getPlans(store.pool, 'rp', ['v1', 'v9'])).keys()]).toEqual(['v1']);
    expect(await getPlans(store.pool, 'rp', [])).toEqual(new Map());

    expect((await getRollout(store.pool, 'rp'))!.plans).toBe(1);
    await setPlanCount(store.pool, 'rp');
    expect((await getRollout(store.pool, 'rp'))!.plans).toBe(2);
  });

  it('refuses a plan for a rollout that does not exist', async () => {
    await expect(insertPlans(store.pool, 'nope', [{ planKey: 'k', fromVersion: 0, plan: plan('', 'f') }])).rejects.toThrow(/foreign key/);
  });
});
