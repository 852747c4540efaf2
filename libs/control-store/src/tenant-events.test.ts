import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { appendTenantEvent, appendTenantEvents, countRolloutEvents, listTenantEvents } from './index.js';
import { openTestStore, seedBlueprint, type TestStore } from './testing/test-store.js';

let store: TestStore;
let tenants: string[];

beforeAll(async () => {
  store = await openTestStore('cs_tenant_events');
  tenants = await seedBlueprint(store.pool, 'bp_ev', 3);
});

afterAll(async () => {
  await store?.close();
});

describe('tenant history', () => {
  it('appends events with everything reported, and lists them oldest first', async () => {
    const [t] = tenants;
    expect(await appendTenantEvent(store.pool, { tenantId: t, kind: 'provisioned', toVersion: 1, fingerprint: 'f1', rolloutId: 'provision' })).toBe(true);
    expect(
      await appendTenantEvent(store.pool, {
        tenantId: t, rolloutId: 'r1', kind: 'failed', fromVersion: 1, toVersion: 2, fingerprint: 'f1', error: 'lock timeout',
        errorCode: 'LOCK_TIMEOUT_BUDGET', executorId: 'exec-1', stepsApplied: 2, batchNumber: 3, at: new Date('2026-01-01T00:00:00Z'),
        resultKey: 'r1:3:t:failed',
      }),
    ).toBe(true);
    expect(await appendTenantEvent(store.pool, { tenantId: t, rolloutId: 'r1', kind: 'succeeded', toVersion: 2, resultKey: 'r1:3:t:ok' })).toBe(true);

    const events = await listTenantEvents(store.pool, t, '', 100);
    expect(events.map((e) => [e.kind, e.rolloutId])).toEqual([['provisioned', 'provision'], ['failed', 'r1'], ['succeeded', 'r1']]);
    expect(events[1]).toMatchObject({
      tenantId: t, fromVersion: 1, toVersion: 2, fingerprint: 'f1', error: 'lock timeout', executorId: 'exec-1', stepsApplied: 2,
      at: new Date('2026-01-01T00:00:00Z'),
    });
    expect(events[0].at).toBeInstanceOf(Date);
    expect(events[0].id).toBeLessThan(events[1].id);
  });

  it('a report delivered twice (same result key) is stored once, whatever else it carries', async () => {
    const [, t] = tenants;
    expect(await appendTenantEvent(store.pool, { tenantId: t, rolloutId: 'r1', kind: 'started', resultKey: 'dup' })).toBe(true);
    expect(await appendTenantEvent(store.pool, { tenantId: t, rolloutId: 'r1', kind: 'started', resultKey: 'dup' })).toBe(false);
    expect(await appendTenantEvent(store.pool, { tenantId: t, rolloutId: 'r1', kind: 'succeeded', resultKey: 'dup' })).toBe(false);
    // events without a key (scheduler's own: retried, cancelled, replanned) are never deduplicated
    expect(await appendTenantEvent(store.pool, { tenantId: t, rolloutId: 'r1', kind: 'replanned' })).toBe(true);
    expect(await appendTenantEvent(store.pool, { tenantId: t, rolloutId: 'r1', kind: 'replanned' })).toBe(true);
    expect((await listTenantEvents(store.pool, t, 'r1', 100)).map((e) => e.kind)).toEqual(['started', 'replanned', 'replanned']);
  });

  it('filters by rollout and stops at the limit, keeping the oldest', async () => {
    const [, , t] = tenants;
    for (let i = 0; i < 6; i++) {
      await appendTenantEvent(store.pool, { tenantId: t, rolloutId: i % 2 ? 'ra' : 'rb', kind: 'started', batchNumber: i, resultKey: `lim${i}` });
    }
    expect((await listTenantEvents(store.pool, t, '', 100)).length).toBe(6);
    expect((await listTenantEvents(store.pool, t, 'ra', 100)).map((e) => e.rolloutId)).toEqual(['ra', 'ra', 'ra']);
    const limited = await listTenantEvents(store.pool, t, '', 4);
    const all = await listTenantEvents(store.pool, t, '', 100);
    expect(limited).toEqual(all.slice(0, 4));
    expect(await listTenantEvents(store.pool, t, 'nope', 100)).toEqual([]);
    expect(await listTenantEvents(store.pool, 'nobody', '', 100)).toEqual([]);
  });

  it('appends one kind for many tenants at once and counts a rollout’s events by tenant', async () => {
    await appendTenantEvents(store.pool, 'rbulk', 'cancelled', tenants, { toVersion: 2, error: 'rollout cancelled', batchNumber: 1 });
    await appendTenantEvents(store.pool, 'rbulk', 'cancelled', [tenants[0]]);
    await appendTenantEvents(store.pool, 'rbulk', 'retried', []);
    expect(await countRolloutEvents(store.pool, 'rbulk', 'cancelled')).toEqual(new Map([[tenants[0], 2], [tenants[1], 1], [tenants[2], 1]]));
    expect(await countRolloutEvents(store.pool, 'rbulk', 'retried')).toEqual(new Map());
    const [event] = await listTenantEvents(store.pool, tenants[1], 'rbulk', 10);
    expect(event).toMatchObject({ kind: 'cancelled', toVersion: 2, error: 'rollout cancelled' });
  });

  it('is append-only and refuses an event of an unknown tenant', async () => {
    const before = await listTenantEvents(store.pool, tenants[0], '', 100);
    await expect(store.pool.query(`UPDATE tenant_events SET kind = 'x'`)).rejects.toThrow(/tenant_events is append-only/);
    await expect(store.pool.query('DELETE FROM tenant_events')).rejects.toThrow(/append-only/);
    await expect(appendTenantEvent(store.pool, { tenantId: 'nobody', kind: 'started' })).rejects.toThrow(/foreign key/);
    expect(await listTenantEvents(store.pool, tenants[0], '', 100)).toEqual(before);
  });
});
