import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { Plan } from '@fleetshift/contracts';
import { busNames, connectBus, PlanStore, PlanUnavailableError, planIdOf } from '@fleetshift/bus';
import { findNats, testNamespace } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PlanCache, type PlanSource } from './plan-cache.js';

// The executor's side of plans by reference, on the real object store: fetch once, keep, verify the hash.
const names = busNames(testNamespace('plancache'));
let nc: NatsConnection;
let store: PlanStore;

const plan = (tag: string, steps = 3) =>
  Plan.fromPartial({ fromFingerprint: `f-${tag}`, toFingerprint: `t-${tag}`, steps: Array.from({ length: steps }, (_, i) => ({ sql: `CREATE TABLE ${tag}_${i} (id int)`, transactional: true })) });

/** The store, counting the fetches that reach it. */
function counting(source: PlanSource): PlanSource & { fetches: string[] } {
  const fetches: string[] = [];
  return { fetches, fetch: (id) => (fetches.push(id), source.fetch(id)) };
}

beforeAll(async () => {
  nc = await connectBus(await findNats(), 'plan-cache-test');
  store = new PlanStore(nc, names);
});

afterAll(async () => {
  await (await jetstreamManager(nc)).streams.delete(`OBJ_${names.planBucket}`).catch(() => undefined);
  await nc.close();
});

describe('plan cache', () => {
  it('fetches a plan once for any number of batches, also when they ask at the same time', async () => {
    const a = plan('a');
    const id = await store.put(a);
    const source = counting(store);
    const cache = new PlanCache(source);
    const [first, second] = await Promise.all([cache.resolve([id, id]), cache.resolve([id])]);
    expect(first.get(id)).toEqual(a);
    expect(second.get(id)).toEqual(a);
    expect((await cache.resolve([id])).get(id)).toEqual(a);
    expect(source.fetches).toEqual([id]);
  });

  it('a plan missing from the bucket resolves to PLAN_MISSING (its tenants fail with it) and is asked again next time', async () => {
    const b = plan('b');
    const id = planIdOf(Plan.encode(b).finish());
    const source = counting(store);
    const cache = new PlanCache(source);
    const missing = (await cache.resolve([id])).get(id);
    expect(missing).toBeInstanceOf(PlanUnavailableError);
    expect([(missing as PlanUnavailableError).code, (missing as Error).message]).toEqual([
      'PLAN_MISSING',
      `plan ${id} is not in the object store bucket ${names.planBucket} (expired or deleted); RetryFailed writes it again`,
    ]);
    // RetryFailed: the scheduler writes it again; the executor's next batch finds it.
    await store.put(b);
    expect((await cache.resolve([id])).get(id)).toEqual(b);
    expect(source.fetches).toEqual([id, id]);
  });

  it('bytes that do not hash to the id resolve to PLAN_CORRUPT and are not kept', async () => {
    const good = plan('good');
    const id = planIdOf(Plan.encode(good).finish());
    await (await new Objm(nc).open(names.planBucket)).putBlob({ name: id }, Plan.encode(plan('other')).finish());
    const cache = new PlanCache(store);
    const corrupt = (await cache.resolve([id])).get(id) as PlanUnavailableError;
    expect(corrupt.code).toBe('PLAN_CORRUPT');
    expect(cache.size).toBe(0);
  });

  it('a store that does not answer throws: the batch goes back to the queue instead of failing tenants', async () => {
    const cache = new PlanCache({ fetch: () => Promise.reject(new Error('TIMEOUT')) });
    await expect(cache.resolve([planIdOf(new Uint8Array([1]))])).rejects.toThrow('TIMEOUT');
  });

  it('keeps plans up to its byte bound, the least recently used leaving first', async () => {
    const plans = [plan('x', 20), plan('y', 20), plan('z', 20)];
    const ids = await Promise.all(plans.map((p) => store.put(p)));
    const size = Plan.encode(plans[0]).finish().length;
    const source = counting(store);
    const cache = new PlanCache(source, Math.floor(size * 2.5));
    for (const id of ids) await cache.get(id);
    expect(cache.size).toBe(2);
    await cache.get(ids[2]);
    await cache.get(ids[0]);
    expect(source.fetches).toEqual([...ids, ids[0]]);
  });
});
