import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Isolation, type Tenant } from '@fleetshift/contracts';
import {
  findTenants,
  getTenant,
  getTenants,
  listTenantPage,
  recordTenantVersion,
  registerTenantRow,
  selectTenants,
  TenantConflictError,
  upsertCluster,
} from './index.js';
import { cluster, openTestStore, seedBlueprint, type TestStore } from './testing/test-store.js';

let store: TestStore;

beforeAll(async () => {
  store = await openTestStore('cs_tenants');
  await seedBlueprint(store.pool, 'bp_x', 0);
  await seedBlueprint(store.pool, 'bp_y', 0);
  await upsertCluster(store.pool, cluster('c2'));
});

afterAll(async () => {
  await store?.close();
});

const tenant = (id: string, place: Partial<Tenant> = {}): Tenant => ({
  id,
  blueprint: 'bp_x',
  clusterId: 'c1',
  isolation: Isolation.ISOLATION_DATABASE,
  database: `bp_x__${id}`,
  schema: '',
  labels: {},
  version: 0,
  fingerprint: '',
  createdAt: undefined,
  updatedAt: undefined,
  ...place,
});

describe('registering tenants', () => {
  it('stores a new tenant where it lives, at version 0', async () => {
    const stored = await registerTenantRow(store.pool, tenant('acme', { labels: { tier: 'gold' }, version: 7, fingerprint: 'ignored' }));
    expect(stored).toMatchObject({ id: 'acme', blueprint: 'bp_x', clusterId: 'c1', isolation: Isolation.ISOLATION_DATABASE, database: 'bp_x__acme', schema: '', labels: { tier: 'gold' }, version: 0, fingerprint: '' });
    expect(stored.createdAt).toBeInstanceOf(Date);
    expect(await getTenant(store.pool, 'acme')).toEqual(stored);
  });

  it('registering again at the same place replaces the labels and keeps everything else', async () => {
    await recordTenantVersion(store.pool, 'acme', 2, 'fp2');
    const before = (await getTenant(store.pool, 'acme'))!;
    const again = await registerTenantRow(store.pool, tenant('acme', { labels: { tier: 'free', region: 'eu' } }));
    expect(again).toMatchObject({ labels: { tier: 'free', region: 'eu' }, version: 2, fingerprint: 'fp2', createdAt: before.createdAt });
    expect(again.updatedAt!.getTime()).toBeGreaterThanOrEqual(before.updatedAt!.getTime());
  });

  const elsewhere: Array<[string, Partial<Tenant>, RegExp]> = [
    ['another cluster', { clusterId: 'c2' }, /on cluster c1/],
    ['another database', { database: 'other_db' }, /database bp_x__acme/],
    ['another blueprint', { blueprint: 'bp_y' }, /in blueprint bp_x/],
    ['another schema', { isolation: Isolation.ISOLATION_SCHEMA, database: 'bp_x__acme', schema: 'acme' }, /already registered/],
  ];
  for (const [what, place, names] of elsewhere) {
    it(`refuses the same id in ${what}, naming where it is, and changes nothing`, async () => {
      const before = await getTenant(store.pool, 'acme');
      const refused = registerTenantRow(store.pool, tenant('acme', place));
      await expect(refused).rejects.toBeInstanceOf(TenantConflictError);
      await expect(refused).rejects.toThrow(names);
      expect(await getTenant(store.pool, 'acme')).toEqual(before);
    });
  }

  it('refuses another id at a place a tenant already holds, naming that tenant', async () => {
    const refused = registerTenantRow(store.pool, tenant('intruder', { database: 'bp_x__acme' }));
    await expect(refused).rejects.toBeInstanceOf(TenantConflictError);
    await expect(refused).rejects.toThrow(/tenant intruder.*cluster c1, database bp_x__acme.*held by tenant acme/);
    expect(await getTenant(store.pool, 'intruder')).toBeUndefined();
  });

  it('schema isolation: tenants share a database, one schema each', async () => {
    const shared = { isolation: Isolation.ISOLATION_SCHEMA, database: 'bp_x' };
    await registerTenantRow(store.pool, tenant('s1', { ...shared, schema: 's1' }));
    await registerTenantRow(store.pool, tenant('s2', { ...shared, schema: 's2' }));
    await expect(registerTenantRow(store.pool, tenant('s3', { ...shared, schema: 's1' }))).rejects.toThrow(/schema s1.*held by tenant s1/);
    expect((await findTenants(store.pool, { tenantIds: ['s1', 's2', 's3'] })).map((t) => [t.id, t.schema])).toEqual([['s1', 's1'], ['s2', 's2']]);
  });

  it('refuses a tenant of an unknown blueprint or cluster', async () => {
    await expect(registerTenantRow(store.pool, tenant('lost', { blueprint: 'bp_none' }))).rejects.toThrow(/foreign key/);
    await expect(registerTenantRow(store.pool, tenant('lost', { clusterId: 'c9' }))).rejects.toThrow(/foreign key/);
    expect(await getTenant(store.pool, 'lost')).toBeUndefined();
  });

  it('two schedulers registering the same new tenant at once both get it', async () => {
    const other = await store.openPool(5);
    for (let i = 0; i < 10; i++) {
      const id = `twin${i}`;
      const results = await Promise.all([
        registerTenantRow(store.pool, tenant(id, { labels: { from: 'a' } })),
        registerTenantRow(other, tenant(id, { labels: { from: 'b' } })),
      ]);
      expect(results.map((t) => t.id)).toEqual([id, id]);
      expect(['a', 'b']).toContain((await getTenant(store.pool, id))!.labels.from);
    }
  });

  it('two schedulers registering two ids at one place at once: one gets it, the other a conflict', async () => {
    const other = await store.openPool(5);
    for (let i = 0; i < 10; i++) {
      const place = { database: `contested${i}` };
      const results = await Promise.allSettled([
        registerTenantRow(store.pool, tenant(`left${i}`, place)),
        registerTenantRow(other, tenant(`right${i}`, place)),
      ]);
      const won = results.filter((r) => r.status === 'fulfilled');
      const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect([won.length, lost.length]).toEqual([1, 1]);
      expect(lost[0].reason).toBeInstanceOf(TenantConflictError);
      expect((await findTenants(store.pool, { tenantIds: [`left${i}`, `right${i}`] })).length).toBe(1);
    }
  });
});

describe('finding and paging tenants', () => {
  let ids: string[];

  beforeAll(async () => {
    ids = await seedBlueprint(store.pool, 'bp_page', 9);
    for (const [i, id] of ids.entries()) {
      await registerTenantRow(store.pool, {
        ...(await getTenant(store.pool, id))!,
        labels: { tier: i % 3 === 0 ? 'gold' : 'free', region: i < 5 ? 'eu' : 'us' },
      });
    }
    await registerTenantRow(store.pool, tenant('page_c2', { blueprint: 'bp_page', clusterId: 'c2', database: 'page_c2', labels: { tier: 'gold', region: 'eu' } }));
  });

  it('filters by blueprint, cluster, ids and labels, combined with AND, ordered by id', async () => {
    expect((await findTenants(store.pool, { blueprint: 'bp_page' })).map((t) => t.id)).toEqual([...ids, 'page_c2']);
    expect((await findTenants(store.pool, { blueprint: 'bp_page', clusterIds: ['c2'] })).map((t) => t.id)).toEqual(['page_c2']);
    expect((await findTenants(store.pool, { blueprint: 'bp_page', labels: { tier: 'gold', region: 'eu' } })).map((t) => t.id)).toEqual([ids[0], ids[3], 'page_c2']);
    expect((await findTenants(store.pool, { tenantIds: [ids[8], ids[1]] })).map((t) => t.id)).toEqual([ids[1], ids[8]]);
    expect(await findTenants(store.pool, { blueprint: 'bp_page', labels: { tier: 'platinum' } })).toEqual([]);
    // a selector's fields combine with AND, within the blueprint
    const selected = await selectTenants(store.pool, 'bp_page', { tenantIds: [ids[0], ids[1], 'acme'], labels: { tier: 'gold' }, clusterIds: [] });
    expect(selected.map((t) => t.id)).toEqual([ids[0]]);
    expect((await selectTenants(store.pool, 'bp_page', undefined)).length).toBe(10);
    const byId = await getTenants(store.pool, [ids[2], 'nobody']);
    expect([...byId.keys()]).toEqual([ids[2]]);
  });

  it('pages through every matching tenant once, with the total on every page', async () => {
    const seen: string[] = [];
    let token = '';
    let pages = 0;
    do {
      const page = await listTenantPage(store.pool, { blueprint: 'bp_page' }, 3, token);
      expect(page.total).toBe(10);
      expect(page.tenants.length).toBeLessThanOrEqual(3);
      seen.push(...page.tenants.map((t) => t.id));
      token = page.nextPageToken;
      pages++;
    } while (token);
    expect([seen, pages]).toEqual([[...ids, 'page_c2'], 4]);

    // an exact fit has no next page
    const exact = await listTenantPage(store.pool, { blueprint: 'bp_page', clusterIds: ['c1'] }, 9, '');
    expect([exact.tenants.length, exact.nextPageToken, exact.total]).toEqual([9, '', 9]);
    const filtered = await listTenantPage(store.pool, { blueprint: 'bp_page', labels: { region: 'us' } }, 10, '');
    expect(filtered.tenants.map((t) => t.id)).toEqual(ids.slice(5));
    const none = await listTenantPage(store.pool, { blueprint: 'bp_none' }, 10, '');
    expect(none).toEqual({ tenants: [], nextPageToken: '', total: 0 });
  });

  it('a tenant registered between two pages is not listed twice', async () => {
    const first = await listTenantPage(store.pool, { blueprint: 'bp_page' }, 4, '');
    await registerTenantRow(store.pool, tenant('bp_page_a_new', { blueprint: 'bp_page', database: 'bp_page_a_new' }));
    const rest = await listTenantPage(store.pool, { blueprint: 'bp_page' }, 100, first.nextPageToken);
    const all = [...first.tenants, ...rest.tenants].map((t) => t.id);
    expect(new Set(all).size).toBe(all.length);
    expect(rest.total).toBe(11);
  });

  it('refuses a page size that is not a positive whole number, naming it', async () => {
    for (const size of [0, -1, 2.5]) {
      await expect(listTenantPage(store.pool, {}, size, '')).rejects.toThrow(`page size must be a positive whole number, got ${size}`);
    }
  });

  it('records the version a tenant was brought to', async () => {
    await recordTenantVersion(store.pool, ids[0], 3, 'fp3');
    expect(await getTenant(store.pool, ids[0])).toMatchObject({ version: 3, fingerprint: 'fp3' });
  });
});
