import { Kvm, type KV } from '@nats-io/kv';
import type { NatsConnection } from '@nats-io/transport-node';
import { findNats, testNamespace } from '@fleetshift/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { busNames, connectBus, openPaceBucket, PaceLimiter } from './index.js';

const names = busNames(testNamespace('pace'));
// Two connections, two limiters: as two executor processes would have.
let ncA: NatsConnection;
let ncB: NatsConnection;
let kvA: KV;
let kvB: KV;

beforeAll(async () => {
  const url = await findNats();
  ncA = await connectBus(url, 'pace-a');
  ncB = await connectBus(url, 'pace-b');
  kvA = await openPaceBucket(ncA, names);
  kvB = await openPaceBucket(ncB, names);
});

afterAll(async () => {
  await new Kvm(ncA).open(names.paceBucket).then((kv) => kv.destroy()).catch(() => undefined);
  await ncA.close();
  await ncB.close();
});

describe('pace limiter', () => {
  it('never lets more holders than the limit in, across two processes racing for places', async () => {
    const limit = 3;
    const limiters = [new PaceLimiter(kvA, { pollMs: 5 }), new PaceLimiter(kvB, { pollMs: 5 })];
    let inside = 0;
    let most = 0;
    let done = 0;
    const worker = async (w: number) => {
      const limiter = limiters[w % 2]!;
      for (let round = 0; round < 6; round++) {
        const lease = await limiter.acquire('race', `worker-${w}`, () => limit);
        expect(lease).toBeDefined();
        inside++;
        most = Math.max(most, inside);
        expect((await limiter.holders('race')).length).toBeLessThanOrEqual(limit);
        await new Promise((resolve) => setTimeout(resolve, 2 + (round % 3)));
        inside--;
        await lease!.release();
        done++;
      }
    };
    await Promise.all(Array.from({ length: 8 }, (_, w) => worker(w)));
    expect(done).toBe(48);
    expect(most).toBeLessThanOrEqual(limit);
    // Eight workers on three places: they did run side by side, the limiter did not serialise them.
    expect(most).toBeGreaterThan(1);
    expect(await limiters[0]!.holders('race')).toEqual([]);
  });

  it('follows a lower limit for new places, and gives nothing while full', async () => {
    const limiter = new PaceLimiter(kvA);
    expect(await limiter.tryAcquire('lower', 'a', 2)).toBe(true);
    expect(await limiter.tryAcquire('lower', 'b', 2)).toBe(true);
    expect(await limiter.tryAcquire('lower', 'c', 2)).toBe(false);
    await limiter.release('lower', 'a');
    // The pace dropped to 1: b still holds its place, so c waits.
    expect(await limiter.tryAcquire('lower', 'c', 1)).toBe(false);
    await limiter.release('lower', 'b');
    expect(await limiter.tryAcquire('lower', 'c', 1)).toBe(true);
  });

  it('a holder that stops renewing (a dead executor) loses its place after the lease time', async () => {
    let now = 1_000_000;
    const dead = new PaceLimiter(kvA, { leaseMs: 10_000, now: () => now });
    const alive = new PaceLimiter(kvB, { leaseMs: 10_000, now: () => now });
    expect(await dead.tryAcquire('expiry', 'dead-executor', 1)).toBe(true);
    expect(await alive.tryAcquire('expiry', 'alive-executor', 1)).toBe(false);
    now += 9_000;
    expect(await alive.renew('expiry', 'alive-executor')).toBe(false);
    expect(await alive.tryAcquire('expiry', 'alive-executor', 1)).toBe(false);
    now += 2_000;
    expect(await alive.tryAcquire('expiry', 'alive-executor', 1)).toBe(true);
    expect(await alive.holders('expiry')).toEqual(['alive-executor']);
  });

  it('stops waiting when told to, holding nothing', async () => {
    const limiter = new PaceLimiter(kvA, { pollMs: 5 });
    expect(await limiter.tryAcquire('full', 'x', 1)).toBe(true);
    let polls = 0;
    const lease = await limiter.acquire('full', 'y', () => 1, { keepWaiting: () => ++polls < 4 });
    expect(lease).toBeUndefined();
    expect(await limiter.holders('full')).toEqual(['x']);
  });
});
