import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCluster, listClusters, upsertCluster } from './index.js';
import { cluster, openTestStore, type TestStore } from './testing/test-store.js';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('cs_clusters');
});

afterAll(async () => {
  await store?.close();
});

describe('clusters', () => {
  it('registers a cluster and returns it as stored', async () => {
    const stored = await upsertCluster(store.pool, { ...cluster('eu-1'), labels: { region: 'eu' } });
    expect(stored).toMatchObject({ ...cluster('eu-1'), labels: { region: 'eu' }, createdAt: expect.any(Date) });
    expect(await getCluster(store.pool, 'eu-1')).toEqual(stored);
    expect(await getCluster(store.pool, 'nope')).toBeUndefined();
  });

  it('registering again changes its connection details and keeps its creation time', async () => {
    const before = (await getCluster(store.pool, 'eu-1'))!;
    const changed = await upsertCluster(store.pool, {
      ...cluster('eu-1'), host: 'db.eu', port: 6432, adminUser: 'fleet', passwordEnv: '', passwordFile: '/run/secrets/eu1',
      maintenanceDatabase: 'template1', connectionBudget: 40, labels: {},
    });
    expect(changed).toEqual({
      id: 'eu-1', host: 'db.eu', port: 6432, adminUser: 'fleet', passwordEnv: '', passwordFile: '/run/secrets/eu1',
      maintenanceDatabase: 'template1', connectionBudget: 40, labels: {}, createdAt: before.createdAt, sslmode: '', sslRootCertFile: '',
    });
    expect(await listClusters(store.pool)).toEqual([changed]);
  });

  it('stores the names of where a password is, and no password column exists', async () => {
    const { rows } = await store.pool.query(`SELECT column_name FROM information_schema.columns WHERE table_name = 'clusters' ORDER BY column_name`);
    const columns = rows.map((r) => r.column_name as string);
    expect(columns).toContain('password_env');
    expect(columns.filter((c) => c.includes('password'))).toEqual(['password_env', 'password_file']);
  });

  it('refuses a connection budget below 1 and keeps the cluster as it was', async () => {
    const before = await getCluster(store.pool, 'eu-1');
    await expect(upsertCluster(store.pool, { ...cluster('eu-1'), connectionBudget: 0 })).rejects.toThrow(/connection_budget/);
    expect(await getCluster(store.pool, 'eu-1')).toEqual(before);
  });

  it('lists clusters by id, and concurrent registrations of one cluster leave one row', async () => {
    await Promise.all(['us-1', 'ap-1', 'us-1', 'ap-1', 'us-1'].map((id, i) => upsertCluster(store.pool, { ...cluster(id), connectionBudget: i + 1 })));
    expect((await listClusters(store.pool)).map((c) => c.id)).toEqual(['ap-1', 'eu-1', 'us-1']);
  });
});
