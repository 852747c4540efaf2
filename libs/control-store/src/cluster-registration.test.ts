import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterEndpointConflictError, getCluster, listClusterEvents, registerClusterRow } from './index.js';
import { cluster, openTestStore, type TestStore } from './testing/test-store.js';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('cs_cluster_registration');
});

afterAll(async () => {
  await store?.close();
});

describe('cluster registration and history', () => {
  it('records a new cluster, and an update at the same endpoint', async () => {
    await registerClusterRow(store.pool, cluster('c-reg'), { replace: false });
    const updated = await registerClusterRow(store.pool, { ...cluster('c-reg'), connectionBudget: 20, sslmode: 'verify-full' }, { replace: false });
    expect(updated.replacedEndpoint).toBeUndefined();
    expect(updated.cluster).toMatchObject({ connectionBudget: 20, sslmode: 'verify-full' });
    expect((await listClusterEvents(store.pool, 'c-reg')).map((e) => [e.kind, e.fromEndpoint, e.toEndpoint])).toEqual([
      ['registered', '', '127.0.0.1:5432'],
      ['updated', '127.0.0.1:5432', '127.0.0.1:5432'],
    ]);
  });

  it('refuses another host or port without replace, naming the current endpoint, and changes nothing', async () => {
    const before = await getCluster(store.pool, 'c-reg');
    for (const moved of [{ host: 'attacker.example' }, { port: 6543 }]) {
      const error = await registerClusterRow(store.pool, { ...cluster('c-reg'), ...moved }, { replace: false }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ClusterEndpointConflictError);
      expect((error as Error).message).toMatch(/^cluster c-reg is registered at 127\.0\.0\.1:5432; registering it at .* replace/);
    }
    expect(await getCluster(store.pool, 'c-reg')).toEqual(before);
    expect(await listClusterEvents(store.pool, 'c-reg')).toHaveLength(2);
  });

  it('with replace moves the cluster and records the endpoint it replaced; the history is append-only', async () => {
    const moved = await registerClusterRow(store.pool, { ...cluster('c-reg'), host: 'db2.internal', port: 6432 }, { replace: true });
    expect(moved.replacedEndpoint).toBe('127.0.0.1:5432');
    expect(await getCluster(store.pool, 'c-reg')).toMatchObject({ host: 'db2.internal', port: 6432 });
    const events = await listClusterEvents(store.pool, 'c-reg');
    expect(events.at(-1)).toMatchObject({ kind: 'endpoint_replaced', fromEndpoint: '127.0.0.1:5432', toEndpoint: 'db2.internal:6432', at: expect.any(Date) });
    await expect(store.pool.query('DELETE FROM cluster_events')).rejects.toThrow(/append-only/);
  });

  it('refuses an sslmode PostgreSQL does not know at the table too', async () => {
    await expect(registerClusterRow(store.pool, { ...cluster('c-bad'), sslmode: 'maybe' }, { replace: false })).rejects.toThrow(/sslmode/);
    expect(await getCluster(store.pool, 'c-bad')).toBeUndefined();
  });
});
