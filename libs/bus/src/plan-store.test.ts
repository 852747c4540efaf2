import { jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { NatsConnection } from '@nats-io/transport-node';
import { Plan } from '@fleetshift/contracts';
import { findNats, testNamespace } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busNames, connectBus, PlanStore, PlanUnavailableError, planIdOf } from './index.js';

// Real JetStream object store (server 2.9): plans by id, written by the scheduler, read by executors.
const names = busNames(testNamespace('plans'));
let nc: NatsConnection;

/** A plan of `steps` CREATE TABLE steps of ~1 KiB each. */
function planOf(steps: number, tag = 'a'): Plan {
  const columns = Array.from({ length: 30 }, (_, c) => `column_number_${String(c).padStart(3, '0')}_${tag} text`).join(', ');
  return Plan.fromPartial({
    fromFingerprint: `from-${tag}`,
    toFingerprint: `to-${tag}`,
    steps: Array.from({ length: steps }, (_, i) => ({ sql: `CREATE TABLE t_${i} (${columns})`, change: 'create_table', description: `create t_${i}`, transactional: true, group: i })),
  });
}

const encodedSize = (plan: Plan) => Plan.encode(plan).finish().length;

beforeAll(async () => {
  nc = await connectBus(await findNats(), 'plan-store-test');
});

afterAll(async () => {
  const jsm = await jetstreamManager(nc);
  await jsm.streams.delete(`OBJ_${names.planBucket}`).catch(() => undefined);
  await nc.close();
});

describe('plan store', () => {
  it('a plan over the 1 MiB max payload goes in by its content hash and comes back equal', async () => {
    const plan = planOf(1500);
    expect(encodedSize(plan)).toBeGreaterThan(nc.info!.max_payload);
    const writer = new PlanStore(nc, names);
    const id = await writer.put(plan);
    expect(id).toBe(planIdOf(Plan.encode(plan).finish()));
    expect(id).toMatch(/^sha256-[0-9a-f]{64}$/);
    // Another process (an executor) reads it.
    const reader = new PlanStore(nc, names);
    expect(await reader.fetch(id)).toEqual(plan);
    const status = await (await new Objm(nc).open(names.planBucket)).status();
    expect(status.ttl).toBe(writer.retentionMs * 1e6);
  });

  it('writes a plan once: a second put of the same plan leaves the stored copy as it is', async () => {
    const store = new PlanStore(nc, names);
    const plan = planOf(3, 'once');
    const id = await store.put(plan);
    const bucket = await new Objm(nc).open(names.planBucket);
    const first = (await bucket.info(id))!;
    expect(await store.put(plan)).toBe(id);
    expect((await bucket.info(id))!.revision).toBe(first.revision);
  });

  it('a missing plan is PLAN_MISSING naming the id and the bucket; put writes it again', async () => {
    const store = new PlanStore(nc, names);
    const plan = planOf(2, 'gone');
    const id = await store.put(plan);
    await store.delete(id);
    const error = await store.fetch(id).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PlanUnavailableError);
    expect([(error as PlanUnavailableError).code, (error as Error).message]).toEqual([
      'PLAN_MISSING',
      `plan ${id} is not in the object store bucket ${names.planBucket} (expired or deleted); RetryFailed writes it again`,
    ]);
    expect(await store.put(plan)).toBe(id);
    expect(await store.fetch(id)).toEqual(plan);
  });

  it('an object whose bytes are not those its id names is PLAN_CORRUPT, and put replaces it', async () => {
    const store = new PlanStore(nc, names);
    const good = planOf(2, 'good');
    const id = planIdOf(Plan.encode(good).finish());
    // Someone wrote another plan under the id (a valid object store entry, only not these bytes).
    const bucket = await new Objm(nc).open(names.planBucket);
    await bucket.putBlob({ name: id }, Plan.encode(planOf(2, 'evil')).finish());
    const error = (await store.fetch(id).catch((e: unknown) => e)) as PlanUnavailableError;
    expect([error.code, error.message]).toEqual(['PLAN_CORRUPT', expect.stringMatching(new RegExp(`^plan ${id} in bucket ${names.planBucket} hashes to sha256-[0-9a-f]{64}: refusing to run it$`))]);
    expect(await store.put(good)).toBe(id);
    expect(await store.fetch(id)).toEqual(good);
  });

  it('an id that is not a content hash is refused before any read', async () => {
    const error = (await new PlanStore(nc, names).fetch('v1').catch((e: unknown) => e)) as PlanUnavailableError;
    expect([error.code, error.message]).toEqual(['PLAN_MISSING', 'plan id "v1" is not sha256-<64 hex digits>']);
  });

  it('the bucket lost (NATS restarted without a file store): fetch says PLAN_MISSING, put makes the bucket again', async () => {
    const lost = busNames(testNamespace('plans-lost'));
    const store = new PlanStore(nc, lost);
    const plan = planOf(2, 'lost');
    const id = await store.put(plan);
    const jsm = await jetstreamManager(nc);
    await jsm.streams.delete(`OBJ_${lost.planBucket}`);
    try {
      const error = (await store.fetch(id).catch((e: unknown) => e)) as PlanUnavailableError;
      expect(error.code).toBe('PLAN_MISSING');
      expect(await store.put(plan)).toBe(id);
      expect(await store.fetch(id)).toEqual(plan);
    } finally {
      await jsm.streams.delete(`OBJ_${lost.planBucket}`).catch(() => undefined);
    }
  });
});
