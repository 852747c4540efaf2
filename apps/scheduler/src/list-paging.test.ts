import * as grpc from '@grpc/grpc-js';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { callMetadata, Isolation, Rollout, RolloutState, schedulerClients, SchemaFormat, unary } from '@fleetshift/contracts';
import {
  appendSchemaVersion,
  appendTenantEvent,
  insertBatches,
  insertRollout,
  insertRolloutTenants,
  registerTenantRows,
  upsertCluster,
  type BulkTenant,
} from '@fleetshift/control-store';
import { createTestDatabase, findNats, startService, testNamespace, type ServiceProcess, type TestDatabase } from '@fleetshift/testing';
import { deleteNamespace } from './testing/scheduler-fixture.js';

// Every list RPC of the scheduler, paged over gRPC against the real process and PostgreSQL: keyset pages
// walked while rows are inserted concurrently, and refused tokens.
const namespace = testNamespace('spg');
const blueprint = 'paging';
const rolloutId = 'paging-mx5e6y15-9f03ab';
let control: TestDatabase;
let scheduler: ServiceProcess;
let pool: pg.Pool;
let clients: ReturnType<typeof schedulerClients>;
const meta = () => callMetadata();

const tenantRow = (id: string): BulkTenant => ({
  id,
  blueprint,
  clusterId: 'c1',
  isolation: Isolation.ISOLATION_SCHEMA,
  database: 'paging_db',
  schema: id,
  labels: {},
  version: 1,
  fingerprint: 'f1',
});
/** 2,500 ids with gaps between them (every third number), so that concurrent inserts land inside the walk. */
const originalIds = Array.from({ length: 2_500 }, (_, i) => `t${String(i * 3).padStart(6, '0')}`);
const cluster = (id: string) => ({
  id, host: '127.0.0.1', port: 5432, adminUser: 'postgres', passwordEnv: '', passwordFile: '', maintenanceDatabase: 'postgres',
  connectionBudget: 10, labels: {}, createdAt: undefined, sslmode: '', sslRootCertFile: '',
});

beforeAll(async () => {
  control = await createTestDatabase('sched_paging');
  scheduler = await startService('scheduler', {
    FLEETSHIFT_NATS_URL: await findNats(),
    FLEETSHIFT_NATS_NAMESPACE: namespace,
    FLEETSHIFT_CONTROL_DB_URL: control.url,
    FLEETSHIFT_PLANNER_ADDR: '127.0.0.1:1',
  });
  pool = new pg.Pool({ connectionString: control.url, max: 4 });
  for (const id of ['c1', 'c2', 'c3']) await upsertCluster(pool, cluster(id));
  for (const n of [1, 2, 3]) {
    await appendSchemaVersion(pool, { blueprint, schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: `CREATE TABLE a${n} (id int);`, filename: '' }, fingerprint: `f${n}`, allowedHazards: [], description: '' });
  }
  await registerTenantRows(pool, originalIds.map(tenantRow));
  await insertRollout(pool, Rollout.fromPartial({ id: rolloutId, blueprint, version: 1, state: RolloutState.ROLLOUT_STATE_RUNNING, batchSize: 100, maxBatchesInFlight: 1, tenantConcurrency: 1 }));
  await insertBatches(pool, rolloutId, Array.from({ length: 40 }, (_, i) => ({ batchNumber: i + 1, clusterId: 'c1' })));
  await insertRolloutTenants(pool, rolloutId, originalIds.map((tenantId, i) => ({ tenantId, clusterId: 'c1', batchNumber: Math.floor(i / 100) + 1, planKey: 'p1', fromVersion: 1, fromFingerprint: 'f1' })));
  clients = schedulerClients(`127.0.0.1:${scheduler.grpcPort}`);
}, 120_000);

afterAll(async () => {
  await scheduler?.stop();
  await pool?.end();
  await control?.drop();
  await deleteNamespace(await findNats(), namespace);
});

/** Walks pages with `fetch` while `insert` runs between pages; returns every id served, in order, and the page count. */
async function walkWhileInserting(
  fetch: (pageToken: string) => Promise<{ ids: string[]; nextPageToken: string }>,
  insert: (page: number) => Promise<void>,
): Promise<{ ids: string[]; pages: number }> {
  const ids: string[] = [];
  let token = '';
  let pages = 0;
  do {
    const [page] = await Promise.all([fetch(token), insert(pages)]);
    ids.push(...page.ids);
    token = page.nextPageToken;
    pages++;
  } while (token);
  return { ids, pages };
}

const expectWalkedOnce = (walked: string[], expected: string[]) => {
  expect(new Set(walked).size).toBe(walked.length); // no row twice
  expect([...walked].sort()).toEqual(walked); // in key order
  const seen = new Set(walked);
  expect(expected.filter((id) => !seen.has(id))).toEqual([]); // no row that existed throughout was skipped
};

describe('list paging over gRPC', () => {
  it('ListRolloutTenants: 2,500 rows in pages of 97 while tenants join the rollout, each row once, in order, none skipped', async () => {
    const added: string[] = [];
    const walked = await walkWhileInserting(
      async (pageToken) => {
        const page = await unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 97, pageToken }, meta());
        return { ids: page.tenants.map((t) => t.tenantId), nextPageToken: page.nextPageToken };
      },
      async (page) => {
        // Ten new tenants between existing ids, spread over the whole key range, before and after the cursor.
        const ids = Array.from({ length: 10 }, (_, i) => `t${String(((page * 37 + i * 251) % 2_500) * 3 + 1).padStart(6, '0')}`).filter((id) => !added.includes(id));
        added.push(...ids);
        await registerTenantRows(pool, ids.map(tenantRow));
        await insertRolloutTenants(pool, rolloutId, ids.map((tenantId) => ({ tenantId, clusterId: 'c1', batchNumber: 40, planKey: 'p1', fromVersion: 1, fromFingerprint: 'f1' })));
      },
    );
    expect(walked.pages).toBeGreaterThanOrEqual(26);
    expectWalkedOnce(walked.ids, originalIds);
    expect(added.length).toBeGreaterThan(0);
  });

  it('ListTenants: 2,500+ rows in pages of 113 while tenants register, each row once, in order, none skipped', async () => {
    const before = (await pool.query<{ id: string }>('SELECT id FROM tenants ORDER BY id')).rows.map((r) => r.id);
    const walked = await walkWhileInserting(
      async (pageToken) => {
        const page = await unary(clients.tenants, clients.tenants.listTenants, { blueprint, clusterId: '', labels: {}, pageSize: 113, pageToken }, meta());
        return { ids: page.tenants.map((t) => t.id), nextPageToken: page.nextPageToken };
      },
      (page) => registerTenantRows(pool, Array.from({ length: 5 }, (_, i) => tenantRow(`t${String(((page * 53 + i * 499) % 2_500) * 3 + 2).padStart(6, '0')}`))).then(() => undefined),
    );
    expect(before.length).toBeGreaterThanOrEqual(2_500);
    expectWalkedOnce(walked.ids, before);
  });

  it('ListTenantEvents, ListClusters, ListSchemaVersions, ListRollouts: page by page to the last, nothing twice', async () => {
    for (let i = 0; i < 7; i++) await appendTenantEvent(pool, { tenantId: originalIds[0]!, rolloutId, kind: 'started', executorId: `e${i}` });
    const events = await walkWhileInserting(async (pageToken) => {
      const page = await unary(clients.tenants, clients.tenants.listTenantEvents, { tenantId: originalIds[0]!, rolloutId: '', limit: 0, pageSize: 3, pageToken }, meta());
      return { ids: page.events.map((e) => e.executorId), nextPageToken: page.nextPageToken };
    }, async () => undefined);
    expect([events.ids, events.pages]).toEqual([['e0', 'e1', 'e2', 'e3', 'e4', 'e5', 'e6'], 3]);

    const clusters = await walkWhileInserting(async (pageToken) => {
      const page = await unary(clients.tenants, clients.tenants.listClusters, { pageSize: 2, pageToken }, meta());
      return { ids: page.clusters.map((c) => c.id), nextPageToken: page.nextPageToken };
    }, async () => undefined);
    expect(clusters).toEqual({ ids: ['c1', 'c2', 'c3'], pages: 2 });

    const versions = await walkWhileInserting(async (pageToken) => {
      const page = await unary(clients.schemas, clients.schemas.listSchemaVersions, { blueprint, pageSize: 1, pageToken }, meta());
      return { ids: page.versions.map((v) => String(v.version)), nextPageToken: page.nextPageToken };
    }, async () => undefined);
    expect(versions).toEqual({ ids: ['1', '2', '3'], pages: 3 });

    // Finished rollouts of another blueprint (one active rollout per blueprint), newest first.
    await appendSchemaVersion(pool, { blueprint: 'paging_old', schema: { format: SchemaFormat.SCHEMA_FORMAT_SQL, text: 'CREATE TABLE a (id int);', filename: '' }, fingerprint: 'f', allowedHazards: [], description: '' });
    for (const n of [1, 2, 3]) {
      await insertRollout(pool, Rollout.fromPartial({ id: `paging-old-done${n}`, blueprint: 'paging_old', version: 1, batchSize: 1, maxBatchesInFlight: 1, tenantConcurrency: 1 }));
      await pool.query(`UPDATE rollouts SET state = 'succeeded' WHERE id = $1`, [`paging-old-done${n}`]);
    }
    const rollouts = await walkWhileInserting(async (pageToken) => {
      const page = await unary(clients.rollouts, clients.rollouts.listRollouts, { blueprint: 'paging_old', states: [], limit: 0, pageSize: 2, pageToken }, meta());
      return { ids: page.rollouts.map((r) => r.id), nextPageToken: page.nextPageToken };
    }, async () => undefined);
    expect(rollouts).toEqual({ ids: ['paging-old-done3', 'paging-old-done2', 'paging-old-done1'], pages: 2 });
  });

  it('a page size above the maximum gets 1000 rows; the older limit field still sets the page size', async () => {
    const big = await unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 50_000, pageToken: '' }, meta());
    expect([big.tenants.length, big.nextPageToken !== '']).toEqual([1000, true]);
    const limited = await unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 7, pageSize: 0, pageToken: '' }, meta());
    expect([limited.tenants.length, limited.nextPageToken !== '']).toEqual([7, true]);
  });

  it('refuses a token that is not one, one of another list, or one made for other filters: INVALID_ARGUMENT naming page_token', async () => {
    const tenantsPage = await unary(clients.tenants, clients.tenants.listTenants, { blueprint, clusterId: '', labels: {}, pageSize: 10, pageToken: '' }, meta());
    const rolloutPage = await unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 10, pageToken: '' }, meta());
    const refused = [
      () => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 10, pageToken: 'not a token!' }, meta()),
      () => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 10, pageToken: Buffer.from('{"l":1}').toString('base64url') }, meta()),
      () => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [], limit: 0, pageSize: 10, pageToken: tenantsPage.nextPageToken }, meta()),
      () => unary(clients.tenants, clients.tenants.listTenants, { blueprint, clusterId: 'c2', labels: {}, pageSize: 10, pageToken: tenantsPage.nextPageToken }, meta()),
      () => unary(clients.rollouts, clients.rollouts.listRolloutTenants, { rolloutId, states: [4], limit: 0, pageSize: 10, pageToken: rolloutPage.nextPageToken }, meta()),
    ];
    for (const call of refused) {
      await expect(call()).rejects.toMatchObject({ code: grpc.status.INVALID_ARGUMENT, details: expect.stringMatching(/^page_token: /) });
    }
    // The same filters with the same token still work afterwards.
    const next = await unary(clients.tenants, clients.tenants.listTenants, { blueprint, clusterId: '', labels: {}, pageSize: 10, pageToken: tenantsPage.nextPageToken }, meta());
    expect(next.tenants[0]!.id > tenantsPage.tenants[9]!.id).toBe(true);
  });
});
